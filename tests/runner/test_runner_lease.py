"""One runner per run: ``resume`` never takes over a run whose runner is alive, ``runs`` and
``show`` say when a run's runner was killed, and Ctrl-C while the flow loads is a clean exit 130."""

import os
import re
import signal
import subprocess
import sys

import pytest
from runner_helpers import cli, env_with, marks, start_chain, wait_for

from domino_flows.records.store import RunStore


def only_run(project):
    (run,) = RunStore.for_project(project).runs()
    return run


@pytest.mark.slow
def test_resume_refuses_a_run_whose_runner_is_alive(project):
    started = project / "started.txt"
    runner = start_chain(project, "--input", f"started={started}", LONG_STEP_SECONDS="60")
    try:
        wait_for(started)
        run_id = only_run(project)["run_id"]
        result = cli("resume", run_id)
        assert result.exit_code == 2
        assert f"run {run_id} is still running in another process (process {runner.pid})" in (
            result.output
        )
        assert "Traceback" not in result.output
        # the live run was left alone: its job still runs, nothing was stopped or started again
        attempts = RunStore.for_project(project).attempts(run_id)
        assert [(a.task.rsplit(".", 1)[-1], a.state) for a in attempts] == [
            ("first", "Succeeded"),
            ("long_step", "Running"),
        ]
        assert marks(project) == ["first", "long_step"]
    finally:
        runner.send_signal(signal.SIGTERM)
        runner.communicate(timeout=30)
    assert runner.returncode == 143
    assert only_run(project)["state"] == "Stopped"


@pytest.mark.slow
def test_runs_and_show_say_when_a_runner_was_killed_and_resume_takes_over(project, monkeypatch):
    started = project / "started.txt"
    runner = start_chain(project, "--input", f"started={started}", LONG_STEP_SECONDS="60")
    wait_for(started)
    run_id = only_run(project)["run_id"]
    alive = cli("runs")
    assert "runner is gone" not in alive.output  # a live runner is not reported gone
    runner.kill()
    runner.communicate(timeout=30)
    assert only_run(project)["state"] == "Running"  # what the killed runner left recorded
    note = f"its runner is gone (killed?): continue it with domino-flows resume {run_id}"
    assert note in cli("runs").output
    assert note in cli("show", run_id).output
    monkeypatch.setenv("LONG_STEP_SECONDS", "0")
    resumed = cli("resume", run_id)
    assert resumed.exit_code == 0, resumed.output
    assert only_run(project)["state"] == "Succeeded"
    assert "runner is gone" not in cli("runs").output


SLOW_TO_LOAD = """
import os
import time
from pathlib import Path

from flytekit import workflow

from domino_flows import domino_task

Path(os.environ["LOADING"]).write_text("loading")  # flytekit is imported by now
time.sleep(float(os.environ.get("LOAD_SECONDS", "3")))


@domino_task
def one(x: int) -> int:
    return x


@workflow
def wf(x: int = 1) -> int:
    return one(x=x)
"""


@pytest.mark.slow
@pytest.mark.parametrize("command", ["run", "resume"])
def test_ctrl_c_while_the_flow_loads_exits_130_with_one_line(project, command, monkeypatch):
    (project / "slow_load.py").write_text(SLOW_TO_LOAD)
    loading = project / "loading.txt"
    args = ["run", "slow_load.py", "wf"]
    if command == "resume":  # a run recorded Failed, to resume
        monkeypatch.setenv("LOADING", str(loading))
        monkeypatch.setenv("LOAD_SECONDS", "0")
        first = cli("run", "slow_load.py", "wf", "--input", "x=1")
        assert first.exit_code == 0, first.output
        (run,) = RunStore.for_project(project).runs()
        with RunStore.for_project(project).connect() as db:
            db.execute("UPDATE runs SET state = 'Failed' WHERE run_id = ?", (run["run_id"],))
        args = ["resume", run["run_id"]]
        loading.unlink()
    runner = subprocess.Popen(
        [sys.executable, "-m", "domino_flows.cli", *args],
        cwd=project,
        env=env_with(LOADING=str(loading), LOAD_SECONDS="3"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    wait_for(loading)
    os.killpg(runner.pid, signal.SIGINT)
    _, err = runner.communicate(timeout=60)
    assert runner.returncode == 130, err
    assert "Traceback" not in err
    expected = (
        "interrupted before the run started; nothing was run"
        if command == "run"
        else "went on; resume it again"
    )
    assert re.search(expected, err), err
