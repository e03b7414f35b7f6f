"""Resume on the Domino backend: a job the killed runner left running is stopped before the task
runs again, and a start that was in flight when it died is found and stopped too, so a task never
has two jobs at once."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner
from runner_helpers import wait_for

from domino_flows.authoring.config import DominoJobConfig
from domino_flows.backends.base import JobSpec, JobState
from domino_flows.backends.domino import DominoBackend
from domino_flows.backends.domino_client import DominoCredentials, RetryPolicy
from domino_flows.backends.domino_polling import PollPolicy
from domino_flows.cli import main
from domino_flows.execution.session import RunSession
from domino_flows.records.store import RunStore

pytest_plugins = ["domino_flows.testing.fixtures"]

FLOW = textwrap.dedent(
    """
    import os
    import time
    from pathlib import Path

    from flytekit import workflow

    from domino_flows import domino_task


    @domino_task
    def slow(x: int, started: str) -> int:
        Path(started).write_text("started")
        time.sleep(float(os.environ.get("SLOW_SECONDS", "60")))
        return x + 1


    @workflow
    def once(x: int = 1, started: str = "started.txt") -> int:
        return slow(x=x, started=started)
    """
)


@pytest.fixture
def project_files():
    return {"pyproject.toml": '[project]\nname = "resume-domino"\n', "flow.py": FLOW}


@pytest.fixture
def project(project, domino_env):
    """The project, committed to the fake Domino of ``domino_env``."""
    domino_env.add_tree(project)
    return project


@pytest.mark.slow
def test_resume_stops_the_job_a_killed_runner_left_running(project, domino_env, monkeypatch):
    signals = project / "signals"  # fake Domino jobs run as an unprivileged user: let it write
    signals.mkdir(mode=0o777)
    signals.chmod(0o777)
    started = signals / "started.txt"
    monkeypatch.setenv("SLOW_SECONDS", "60")  # the fake runs jobs with this process's variables
    runner = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "domino_flows.cli",
            "run",
            "flow.py",
            "once",
            "-i",
            f"started={started}",
        ],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for(started)
    runner.send_signal(signal.SIGKILL)
    _, err = runner.communicate(timeout=30)
    run_id = re.search(r"run (\S+): ", err).group(1)
    (left,) = domino_env.jobs.values()
    assert left.status == "Running"

    monkeypatch.setenv("SLOW_SECONDS", "0")
    result = CliRunner().invoke(main, ["resume", run_id, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert left.status == "Stopped"  # stopped, not left to run beside the new attempt
    store = RunStore.for_project(project)
    first, second = store.attempts(run_id)
    assert (first.attempt, first.state, first.job_id) == (1, "Stopped", left.id)
    assert "interrupted" in first.error
    assert (second.attempt, second.state) == (2, "Succeeded")
    assert second.started_at >= first.finished_at  # never two jobs of the task at once
    assert domino_env.job_count == 2
    (run,) = [r for r in store.runs() if r["run_id"] == run_id]
    assert run["state"] == "Succeeded"


def test_a_start_in_flight_when_the_runner_died_is_found_and_stopped(project, domino_env, tmp_path):
    backend = DominoBackend(
        project,
        type("Settings", (), {"domino_project": domino_env.project, "domino_host": domino_env.url}),
        credentials=DominoCredentials(api_key=domino_env.api_key),
        retry=RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05),
        poll=PollPolicy(initial=0.05, max_interval=0.2),
    )
    spec = JobSpec("run-7", "flow.once", "flow.slow", DominoJobConfig(Command="sleep 60"))
    store = RunStore.for_project(project)
    store.start_run("run-7", "flow.once", "domino")
    # the runner recorded the attempt, sent the start request, and died before the answer
    store.start_attempt("run-7", "flow.slow", 1, "", state="Starting")
    handle = backend.start(spec, backend.stage_inputs(spec, {}))
    assert domino_env.jobs[handle.job_id].status in ("Queued", "Running")

    closed = RunSession(project, "run-7", "flow.once", backend).reconcile()
    assert len(closed) == 1 and handle.job_id in closed[0]
    assert backend.wait(handle, 10).state is JobState.STOPPED
    (attempt,) = store.attempts("run-7")
    assert (attempt.state, attempt.job_id) == ("Stopped", handle.job_id)
