"""Lineage through openlineage-python's transports: configured the standard way or in
[tool.domino_flows.lineage], received by a loopback HTTP consumer and a file, in order, tied to
the run, without secrets; nothing sent when nothing is configured."""

from __future__ import annotations

import http.server
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openlineage.client.serde import Serde

from domino_flows.cli import main
from domino_flows.core.errors import ConfigurationError
from domino_flows.records import lineage_transport
from domino_flows.records.lineage_transport import (
    LineageEmitter,
    event_from_json,
    project_transport,
)
from domino_flows.records.store import RunStore

REPO = Path(__file__).resolve().parents[1]
FAKE_KEY = "fake-api-key-lineage-77c1e0"
PYPROJECT = f"""
[project]
name = "lineage-project"
version = "0"

[tool.domino_flows.environments."Python 3.11"]
python = "{sys.executable}"
"""


class Receiver(http.server.BaseHTTPRequestHandler):
    bodies: list[dict[str, Any]] = []
    raw: list[bytes] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        type(self).raw.append(body + str(dict(self.headers)).encode())
        type(self).bodies.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        return


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[Receiver]]]:
    handler = type("Handler", (Receiver,), {"bodies": [], "raw": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def project_files() -> dict[str, str]:
    return {
        "pyproject.toml": PYPROJECT,
        "examples/hello.py": (REPO / "examples" / "hello.py").read_text(),
    }


@pytest.fixture
def project(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project of tests/conftest.py (no OpenLineage configuration there, nor in its empty
    HOME), with a credential that must never reach a consumer."""
    monkeypatch.setenv("DOMINO_USER_API_KEY", FAKE_KEY)
    return project


def run_hello() -> dict[str, Any]:
    result = CliRunner().invoke(
        main,
        ["run", "examples/hello.py", "hello", "--input", "name=Ada", "--json"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output[-3000:]
    return json.loads(result.stdout)


def _check_events(events: list[dict[str, Any]], raw: list[bytes]) -> None:
    kinds = [(e["job"]["name"], e["eventType"]) for e in events]
    flow = kinds[0][0]
    assert kinds[0] == (flow, "START") and kinds[-1] == (flow, "COMPLETE")
    tasks = [k for k in kinds[1:-1]]
    assert len(tasks) == 4 and [t[1] for t in tasks] == ["START", "COMPLETE"] * 2
    greet, shout = tasks[0][0], tasks[2][0]
    assert greet.endswith("greet") and shout.endswith("shout")
    run_id = events[0]["run"]["runId"]
    for event in events[1:-1]:
        parent = event["run"]["facets"]["parent"]
        assert parent["run"]["runId"] == run_id and parent["job"]["name"] == flow
    for body in raw:
        assert FAKE_KEY.encode() not in body


def test_events_reach_an_http_consumer_in_order(
    project: Path, receiver: tuple[str, type[Receiver]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, handler = receiver
    monkeypatch.setenv("OPENLINEAGE_URL", url)
    document = run_hello()
    _check_events(handler.bodies, handler.raw)
    # the same events as the run store keeps
    stored = RunStore.for_project(project).lineage_events(document["run_id"])
    assert [json.loads(e["event"])["eventType"] for e in stored] == [
        e["eventType"] for e in handler.bodies
    ]


def test_events_go_to_a_file_configured_by_openlineage_variables(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = project / "lineage.jsonl"
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__TYPE", "file")
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__LOG_FILE_PATH", str(log))
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__APPEND", "true")
    run_hello()
    lines = log.read_text().splitlines()
    _check_events([json.loads(line) for line in lines], [line.encode() for line in lines])


def test_events_go_where_the_project_file_says(
    project: Path, receiver: tuple[str, type[Receiver]]
) -> None:
    url, handler = receiver
    with (project / "pyproject.toml").open("a") as handle:
        handle.write(f'\n[tool.domino_flows.lineage]\nurl = "{url}"\n')
    run_hello()
    _check_events(handler.bodies, handler.raw)


def test_nothing_is_sent_when_nothing_is_configured(project: Path) -> None:
    assert not LineageEmitter.for_project(project).enabled
    document = run_hello()
    assert len(RunStore.for_project(project).lineage_events(document["run_id"])) == 6


def test_openlineage_disabled_wins(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENLINEAGE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("OPENLINEAGE_DISABLED", "true")
    assert not LineageEmitter.for_project(project).enabled


def test_an_unreachable_consumer_does_not_fail_the_run(
    project: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # the discard port refuses connections; no retries, so the test does not wait them out
    for name, value in (("TYPE", "http"), ("URL", "http://127.0.0.1:9")):
        monkeypatch.setenv(f"OPENLINEAGE__TRANSPORT__{name}", value)
    for name in ("TOTAL", "CONNECT", "READ"):
        monkeypatch.setenv(f"OPENLINEAGE__TRANSPORT__RETRY__{name}", "0")
    monkeypatch.setattr(lineage_transport, "_FAILED", set())
    with caplog.at_level(logging.WARNING, logger="domino_flows.records.lineage_transport"):
        document = run_hello()
    assert document["success"]
    warnings = [r for r in caplog.records if r.name == "domino_flows.records.lineage_transport"]
    assert len(warnings) == 1  # once; later events of the process are not tried
    message = warnings[0].getMessage()
    assert "lineage event not sent through the http http://127.0.0.1:9 transport" in message
    stored = RunStore.for_project(project).lineage_events(document["run_id"])
    assert len(stored) == 6


def test_recorded_events_round_trip_for_the_transports(project: Path) -> None:
    document = run_hello()
    for row in RunStore.for_project(project).lineage_events(document["run_id"]):
        assert json.loads(Serde.to_json(event_from_json(row["event"]))) == json.loads(row["event"])


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"url": "marquez:5000"}, "give the consumer's base URL"),
        ({"url": "http://a", "transport": {"type": "file"}}, "takes either url"),
        ({"transport": {"log_file_path": "x"}}, "must be a table with a type"),
        ({"endpoint": "x"}, "unknown: endpoint"),
    ],
)
def test_project_lineage_table_mistakes_name_the_key(table: dict, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        project_transport(table, "pyproject.toml")


def test_project_lineage_table_forms() -> None:
    assert project_transport({}, "p") is None
    assert project_transport({"url": "http://m:5000"}, "p") == {
        "type": "http",
        "url": "http://m:5000",
    }
    transport = {"type": "file", "log_file_path": "l.jsonl"}
    assert project_transport({"transport": transport}, "p") == transport


def test_credentials_are_refused_in_the_project_lineage_table(tmp_path: Path) -> None:
    from domino_flows.core.project import parse_settings

    table = {"lineage": {"transport": {"type": "http", "url": "http://m", "api_key": "x"}}}
    with pytest.raises(ConfigurationError, match="credentials never go in pyproject.toml"):
        parse_settings(table, tmp_path, tmp_path / "pyproject.toml")


def test_a_record_that_is_not_a_run_event_is_not_sent(
    receiver: tuple[str, type[Receiver]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, handler = receiver
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__TYPE", "http")
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__URL", url)
    emitter = LineageEmitter.for_project(None)
    assert emitter.enabled
    emitter.emit('{"note": "not an event"}')
    assert handler.bodies == []


@pytest.mark.parametrize("where", ["nowhere", "working folder", "home"])
def test_a_config_file_is_found_where_openlineage_python_finds_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    from openlineage.client.client import OpenLineageClient

    home, work = tmp_path / "home", tmp_path / "work"
    (home / ".openlineage").mkdir(parents=True)
    work.mkdir()
    for name in list(os.environ):
        if name in lineage_transport.STANDARD_VARIABLES or name.startswith("OPENLINEAGE__"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    config = "transport:\n  type: console\n"
    if where == "working folder":
        (work / "openlineage.yml").write_text(config)
    elif where == "home":
        (home / ".openlineage" / "openlineage.yml").write_text(config)
    theirs = OpenLineageClient._find_yaml_config_path()
    assert lineage_transport.standard_configuration() is (theirs is not None)
    assert (theirs is None) is (where == "nowhere")


def test_a_project_without_lineage_settings_does_not_import_openlineage_python(
    tmp_path: Path,
) -> None:
    """A run's modules and the emitter it opens when nothing is configured: no openlineage-python
    client, and none of its modules imported (they cost a tenth of a second of every run's
    start)."""
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "import domino_flows.runner.commands, domino_flows.runner.run\n"
        "import domino_flows.execution.recording, domino_flows.execution.cached\n"
        "from domino_flows.core.project import load_settings\n"
        "from domino_flows.records.lineage_transport import LineageEmitter\n"
        "emitter = LineageEmitter.for_settings(load_settings(Path.cwd()))\n"
        "print(emitter.enabled, sorted(m for m in sys.modules if m.startswith('openlineage')))\n"
    )
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in lineage_transport.STANDARD_VARIABLES and not name.startswith("OPENLINEAGE")
    }
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False []"
