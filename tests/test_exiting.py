"""How the command line and a warm job end (``core/exiting.py``): what an exiting interpreter does
that anyone can see still happens (threads joined, ``atexit`` callbacks run, streams flushed, the
status kept), only the teardown of every module is skipped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from domino_flows.core import exiting

LEAVING = """
import atexit, sys, threading, time
from pathlib import Path
from domino_flows.core import exiting

folder = Path(sys.argv[1])

def late_thread():
    time.sleep(0.3)
    (folder / "thread").write_text("finished")

threading.Thread(target=late_thread).start()  # not a daemon: the exit waits for it
atexit.register(lambda: (folder / "atexit").write_text("ran"))
sys.stdout.write("no newline, still buffered")  # a pipe: block-buffered until the flush
exiting.leave(int(sys.argv[2]))
"""


def test_leave_joins_threads_runs_atexit_flushes_and_keeps_the_status(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", LEAVING, str(tmp_path), "3"], capture_output=True, text=True
    )
    assert done.returncode == 3
    assert done.stdout == "no newline, still buffered"
    assert (tmp_path / "thread").read_text() == "finished"
    assert (tmp_path / "atexit").read_text() == "ran"


def test_exit_status_is_the_one_an_interpreter_gives(capsys: pytest.CaptureFixture[str]) -> None:
    assert exiting.exit_status(None) == 0
    assert exiting.exit_status(3) == 3
    assert exiting.exit_status("no data for today") == 1
    assert capsys.readouterr().err == "no data for today\n"


@pytest.mark.parametrize(
    ("arguments", "status", "said"),
    [
        (["--version"], 0, "domino-flows, version"),
        (["no-such-command"], 2, "No such command"),
        (["run", "missing.py", "wf"], 2, "flow file missing.py not found"),
    ],
)
def test_the_program_ends_with_its_commands_status_and_output(
    tmp_path: Path, arguments: list[str], status: int, said: str
) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "0"\n')
    done = subprocess.run(
        [sys.executable, "-m", "domino_flows.cli", *arguments],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == status, done.stdout + done.stderr
    assert said in done.stdout + done.stderr
