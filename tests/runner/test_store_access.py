"""Read-only and missing run stores, through the real command line as a user who cannot write
the store. Root may write any file, so as root the commands run as root without the capabilities
that override file modes (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH): modes then bind as for any
owner, while the kit stays readable wherever the checkout lives (another user, such as
``nobody``, cannot import it from a clone inside a private 0700 folder)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from isolation import isolate
from runner_helpers import cli, env_with, run_json

FLOWS = Path(__file__).parent / "flows"
PYPROJECT = """
[project]
name = "shared"
version = "0"

[tool.domino_flows.hardware_tiers.Small]
cores = 1
"""


def _as_reader() -> list[str]:
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip(
            "running as root without setpriv (util-linux): no way to give up root's right to "
            "write read-only files"
        )
    overrides = "-dac_override,-dac_read_search"
    return [setpriv, "--inh-caps=-all", "--ambient-caps=-all", f"--bounding-set={overrides}"]


@pytest.fixture(scope="module")
def shared_project() -> Iterator[tuple[Path, str, str]]:
    """A succeeded and a failed run in a project other users can read (pytest's tmp_path is
    private), made once for the module's tests, which each give back the modes they change."""
    root = Path(tempfile.mkdtemp(prefix="domino-flows-shared-"))
    try:
        root.chmod(0o755)
        (root / "pyproject.toml").write_text(PYPROJECT)
        shutil.copy(FLOWS / "fanin.py", root / "fanin.py")
        (root / "marks.txt").touch()
        (root / "marks.txt").chmod(0o666)
        (root / "home").mkdir(mode=0o777)
        (root / "home").chmod(0o777)
        with pytest.MonkeyPatch.context() as patch:
            isolate(patch, root / "home")
            patch.chdir(root)
            patch.setenv("MARKS", str(root / "marks.txt"))
            result, document = run_json("fanin.py", "fanin", "--input", "pause=0")
            assert result.exit_code == 0, result.output
            failed, failed_document = run_json("fanin.py", "failing")
            assert failed.exit_code == 1, failed.output
        yield root, document["run_id"], failed_document["run_id"]
    finally:
        _writable_again(root)
        shutil.rmtree(root)


@pytest.fixture
def shared_run(shared_project: tuple[Path, str, str]) -> Iterator[tuple[Path, str, str]]:
    yield shared_project
    _writable_again(shared_project[0])


def _writable_again(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    store = root / ".domino-flows" / "runs.sqlite"
    if store.exists():
        store.chmod(0o644)


def _command(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_as_reader(), sys.executable, "-m", "domino_flows.cli", *args],
        cwd=root,
        env=env_with(HOME=str(root / "home"), MARKS=str(root / "marks.txt")),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _make_read_only(state: Path, how: str) -> None:
    store = state / "runs.sqlite"
    if how == "file":  # chmod 444 runs.sqlite; its folder stays writable
        for path in [state, *state.rglob("*")]:
            if path.is_dir():
                path.chmod(0o777)
        store.chmod(0o444)
    else:  # the folder is read-only; the file itself could be written
        store.chmod(0o666)
        state.chmod(0o555)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["file", "folder"])
def test_a_read_only_store_can_be_read_and_refuses_runs_in_one_line(shared_run, how):
    root, run_id, failed_run = shared_run
    state = root / ".domino-flows"
    _make_read_only(state, how)
    before = sorted(p.name for p in state.iterdir())
    marks_before = (root / "marks.txt").read_text()

    runs = _command(root, "runs")
    assert runs.returncode == 0, runs.stderr
    assert run_id in runs.stdout and "Succeeded" in runs.stdout
    show = _command(root, "show", run_id)
    assert show.returncode == 0, show.stderr
    assert f"run {run_id}: fanin.fanin - Succeeded" in show.stdout
    logs = _command(root, "logs", run_id, "fanin.join")
    assert logs.returncode == 0, logs.stderr
    assert "fanin.join's log is empty" in logs.stderr
    lineage = _command(root, "lineage", run_id)
    assert lineage.returncode == 0 and "downstream: fanin.join" in lineage.stdout

    refused = [
        ["cache", "clear"],
        ["run", "fanin.py", "fanin", "--input", "pause=0"],
        ["resume", failed_run],
    ]
    for command in refused:
        result = _command(root, *command)
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith("error: ")
        assert "read-only" in line or "cannot create" in line
        assert "writable" in line
    assert (root / "marks.txt").read_text() == marks_before  # no job started
    assert sorted(p.name for p in state.iterdir()) == before  # and nothing left in the store
    assert stat.S_IMODE((state / "runs.sqlite").stat().st_mode) in (0o444, 0o666)


def test_read_only_commands_in_a_project_without_runs_create_nothing(project):
    assert "no runs yet" in cli("runs").output
    assert "removed 0 cached results" in cli("cache", "clear").output
    assert "no run 'x'" in cli("show", "x").output
    assert not (project / ".domino-flows").exists()


def test_a_file_where_the_state_folder_belongs_is_named_with_the_fix(project: Path) -> None:
    (project / ".domino-flows").write_text("not a folder")
    result = cli("run", "fanin.py", "fanin", "--input", "pause=0")
    assert result.exit_code == 2
    state = project / ".domino-flows"
    assert result.output.startswith(f"error: {state} is a file, not a folder")
    assert f"mv {state} {state}.old" in result.output
    assert "writable" not in result.output  # the advice for a read-only project would not help
    assert state.read_text() == "not a folder"  # left as it was
    assert not list((project / "marks.txt").read_text().splitlines())  # no job ran
