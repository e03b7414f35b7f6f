"""`domino-flows report RUN --html FILE` and `domino-flows ui`: their output and their errors."""

import importlib.util
import re
import socket
import subprocess
import sys

import pytest
from click.testing import CliRunner
from ui_store import pipeline_run

from domino_flows.cli import main

CANARY = "canary-key-51c0de"


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_the_report_is_one_self_contained_file(root, monkeypatch):
    monkeypatch.setenv("DOMINO_USER_API_KEY", CANARY)
    pipeline_run(root, "r1")
    (root / ".domino-flows" / "jobs" / "r1" / "pipeline.train" / "1" / "stdout.log").write_text(
        f"training with {CANARY}\n"
    )
    result = invoke("report", "r1", "--html", "out.html")
    assert result.exit_code == 0, result.output
    assert "wrote out.html" in result.output
    html = (root / "out.html").read_text()
    # no server, no network: style and script inline, nothing fetched
    assert "<style>" in html and "svg.dag" in html and "<script>" in html
    assert not re.search(r'(src|href)="(https?:|static/|run\?|artifact\?)', html)
    # every task panel, its log and the artifact previews are in the file
    assert html.count('<section class="panel"') == 3
    assert "pipeline.prepare says hello" in html and "<strong>0.91</strong>" in html
    assert 'data-embedded="1"' in html and 'data-live="0"' in html
    assert CANARY not in html and "DOMINO_USER_API_KEY redacted" in html


def test_a_report_embeds_images(root):
    from domino_flows.records.store import ArtifactRecord

    store = pipeline_run(root, "r1")
    image = root / "plot.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n")
    store.add_artifact(
        ArtifactRecord("r1", "pipeline.train", "plot", "Plot", "REPORT", "plot.png", str(image), "")
    )
    invoke("report", "r1", "--html", "out.html")
    assert 'src="data:image/png;base64,iVBORw0KGgo=' in (root / "out.html").read_text()


def test_a_report_of_an_unknown_run_writes_nothing(root):
    pipeline_run(root, "r1")
    result = invoke("report", "nope", "--html", "out.html")
    assert result.exit_code == 2
    assert "no run 'nope'" in result.output and "recent runs: r1" in result.output
    assert not (root / "out.html").exists()


def test_a_report_into_a_missing_folder_names_it(root):
    pipeline_run(root, "r1")
    result = invoke("report", "r1", "--html", "missing/out.html")
    assert result.exit_code == 2
    assert f"the folder {root / 'missing'} does not exist" in result.output
    assert list(root.glob("**/*.html")) == []


def test_without_the_extra_both_commands_say_how_to_install_it(root, monkeypatch):
    real = importlib.util.find_spec

    def find_spec(name, *args):
        return None if name in ("starlette", "jinja2") else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    for args in (["ui"], ["report", "r1", "--html", "out.html"]):
        result = invoke(*args)
        assert result.exit_code == 2
        assert "pip install 'domino-flows[ui]'" in result.output, args


def test_a_port_in_use_is_one_line(root):
    pytest.importorskip("uvicorn", reason="the [ui] extra is not installed")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = invoke("ui", "--port", str(port))
    assert result.exit_code == 2
    assert (
        f"port {port} is already in use on 127.0.0.1: choose another with --port" in result.output
    )


def test_the_commands_are_listed_in_help():
    listing = invoke("--help").output
    assert "ui " in listing and "report " in listing


def test_pages_never_import_flytekit(root):
    pytest.importorskip("starlette", reason="the [ui] extra is not installed")
    pipeline_run(root, "r1")
    script = (
        "import sys\n"
        "from starlette.testclient import TestClient\n"
        "from domino_flows.ui.app import create_app\n"
        "client = TestClient(create_app(__import__('pathlib').Path('.domino-flows/runs.sqlite')))\n"
        "for url in ('/', '/run?id=r1', '/panel?id=r1&node=n1', '/lineage', '/artifacts'):\n"
        "    assert client.get(url).status_code == 200, url\n"
        "print(sorted(m for m in sys.modules if m.startswith('flytekit')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=root)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.slow
def test_the_ui_command_serves_the_pages(root):
    pytest.importorskip("uvicorn", reason="the [ui] extra is not installed")
    import time
    import urllib.request

    pipeline_run(root, "r1")
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "domino_flows.cli", "ui", "--port", str(port)],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        page, deadline = "", time.monotonic() + 60
        while not page and server.poll() is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                    page = answer.read().decode()
            except OSError:
                time.sleep(0.1)  # not listening yet
        assert "run?id=r1" in page, server.stderr.read() if server.poll() is not None else ""
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=30)
    assert f"at http://localhost:{port}/" in out


def test_a_report_of_a_running_run_says_it_is_a_snapshot(root):
    pipeline_run(root, "r1", running=True)
    assert invoke("report", "r1", "--html", "out.html").exit_code == 0
    html = (root / "out.html").read_text()
    assert "while the run was still running" in html and 'data-live="0"' in html
