"""A recorded stop is a promise too: against the fake Domino, a job that takes its time to stop,
a job created after its runner died, and a deployment that does not answer. An attempt is
Stopped only once Domino reports its job ended; otherwise it is Stopping with the job id, and
resume deals with that job before the task runs again, so a task never has two jobs at once."""

from __future__ import annotations

import textwrap
from types import SimpleNamespace

import pytest
import requests
from runner_helpers import cli, domino_project

from domino_flows.authoring.config import DominoJobConfig
from domino_flows.backends.base import JobSpec, JobState
from domino_flows.backends.domino import DominoBackend
from domino_flows.backends.domino_client import DominoCredentials, RetryPolicy
from domino_flows.backends.domino_polling import PollPolicy
from domino_flows.execution import attempt
from domino_flows.execution.reconcile import JobStillRunning
from domino_flows.execution.session import RunSession
from domino_flows.records.store import RunStore

pytest_plugins = ["domino_flows.testing.fixtures"]

RUN = "run-20"
FLOW = textwrap.dedent(
    """
    from flytekit import workflow

    from domino_flows import domino_task


    @domino_task
    def inc(x: int) -> int:
        return x + 1


    @workflow
    def once(x: int = 1) -> int:
        return inc(x=x)
    """
)


@pytest.fixture
def project(domino_env, tmp_path, monkeypatch):
    root = domino_project(domino_env, tmp_path / "project", "stop-truth", FLOW, monkeypatch)
    RunStore.for_project(root).start_run(RUN, "flow.once", "domino")
    return root


def backend_for(fake, root, settle: float = 10.0) -> DominoBackend:
    return DominoBackend(
        root,
        SimpleNamespace(domino_project=fake.project, domino_host=fake.url),
        credentials=DominoCredentials(api_key=fake.api_key),
        retry=RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05),
        poll=PollPolicy(initial=0.05, max_interval=0.1),
        start_settle=settle,
        stop_budget=0.5,
    )


def spec(number: int = 1) -> JobSpec:
    return JobSpec(
        RUN, "flow.once", "flow.slow", DominoJobConfig(Command="sleep 60"), attempt=number
    )


def session_for(root, backend, stop_wait: float = 10.0) -> RunSession:
    session = RunSession(root, RUN, "flow.once", backend)
    session.stop_wait_seconds = stop_wait
    session.look_interval = 0.05
    return session


def only_attempt(root):
    (row,) = RunStore.for_project(root).attempts(RUN)
    return row


def test_a_stop_that_takes_longer_than_the_wait_is_recorded_stopping(project, domino_env):
    backend = backend_for(domino_env, project)
    record = attempt.start(backend, spec(), {}, project)
    domino_env.stop_jobs_slowly(1.0)  # a container that takes its time

    result = attempt.stop(backend, record, "the run was stopped", confirm_seconds=0.1)

    job = domino_env.jobs[record.job_id]
    row = only_attempt(project)
    assert (row.state, row.job_id, row.finished_at) == ("Stopping", record.job_id, None)
    shown = cli("show", RUN)
    assert "Stopping  flow.slow" in shown.output and "stop not confirmed" in shown.output
    assert f"job {record.job_id} (flow.slow) may still be running" in cli("runs").output
    assert f"a stop was sent to job {record.job_id}, which had not ended" in row.error
    assert f"domino-flows resume {RUN}" in row.error
    assert result.state is JobState.STOPPED and record.job_id in result.message
    assert backend.wait(record.handle, 30).state is JobState.STOPPED  # it does end, later
    assert job.status == "Stopped"


def test_resume_waits_for_a_slow_stop_before_the_task_runs_again(project, domino_env):
    backend = backend_for(domino_env, project)
    record = attempt.start(backend, spec(), {}, project)  # its runner was then killed
    domino_env.stop_jobs_slowly(0.5)
    said = []

    closed = session_for(project, backend_for(domino_env, project)).reconcile(said.append)

    job = domino_env.jobs[record.job_id]
    assert job.status == "Stopped"  # ended before reconcile returned: no second job beside it
    assert any("waiting for the jobs an interrupted runner left to stop" in s for s in said)
    row = only_attempt(project)
    assert (row.state, row.job_id) == ("Stopped", record.job_id)
    assert "had ended, before the run went on" in row.error
    assert len(closed) == 1


def test_resume_starts_nothing_while_a_left_job_has_not_stopped(project, domino_env):
    backend = backend_for(domino_env, project)
    record = attempt.start(backend, spec(), {}, project)
    domino_env.stop_jobs_slowly(2.0)

    with pytest.raises(JobStillRunning) as raised:
        session_for(project, backend_for(domino_env, project), stop_wait=0.2).reconcile()

    assert record.job_id in str(raised.value) and "Nothing was started" in str(raised.value)
    row = only_attempt(project)
    assert (row.state, row.finished_at) == ("Stopping", None)
    assert record.job_id in row.error
    assert domino_env.job_count == 1
    # once the job has ended, resume goes on
    assert backend.wait(record.handle, 30).state is JobState.STOPPED
    closed = session_for(project, backend_for(domino_env, project)).reconcile()
    assert len(closed) == 1 and only_attempt(project).state == "Stopped"


def test_resume_finds_a_job_created_after_its_runner_died(project, domino_env):
    backend = backend_for(domino_env, project)
    store = RunStore.for_project(project)
    store.start_attempt(RUN, "flow.slow", 1, "", state="Starting")
    payload = backend.job_payload(spec(), backend.stage_inputs(spec(), {}))
    domino_env.create_job_late(0.5)
    domino_env.stop_jobs_slowly(0.3)
    with pytest.raises(requests.ConnectionError):  # the runner died waiting for this answer
        backend.routes.post_start(payload)
    assert domino_env.job_count == 0  # not yet created: a single look would miss it

    said = []
    session_for(project, backend_for(domino_env, project)).reconcile(said.append)

    (job,) = domino_env.jobs.values()
    assert job.status == "Stopped"
    row = only_attempt(project)
    assert (row.state, row.job_id) == ("Stopped", job.id)
    assert any("whose start was in flight" in s for s in said)


def test_a_stop_that_cannot_be_sent_is_recorded_with_the_job_and_resume_refuses(
    project, domino_env
):
    backend = backend_for(domino_env, project)
    record = attempt.start(backend, spec(), {}, project)
    domino_env.chaos(seed=1, rate=1.0, kinds=("503",))  # the deployment stops answering

    attempt.stop(backend, record, "the run was stopped", confirm_seconds=0.1)

    row = only_attempt(project)
    assert row.state == "Stopping"
    assert f"the stop request for job {record.job_id} could not be sent" in row.error
    with pytest.raises(JobStillRunning):
        session_for(project, backend_for(domino_env, project)).reconcile()
    assert domino_env.jobs[record.job_id].status == "Running"  # it was never told to stop
    domino_env.chaos(seed=1, rate=0)  # Domino is back: resume stops it, then goes on
    session_for(project, backend_for(domino_env, project)).reconcile()
    assert only_attempt(project).state == "Stopped"
    assert domino_env.jobs[record.job_id].status == "Stopped"


def test_a_failure_whose_job_could_not_be_stopped_does_not_claim_it_was(project, domino_env):
    backend = backend_for(domino_env, project)
    record = attempt.start(backend, spec(), {}, project)
    domino_env.chaos(seed=2, rate=1.0, kinds=("503",))

    result = attempt.fail(backend, record, RuntimeError("status polls failed"))

    assert "was stopped" not in result.message
    assert f"the stop request for job {record.job_id} could not be sent" in result.message
    assert only_attempt(project).state == "Stopping"
    domino_env.chaos(seed=2, rate=0)
    backend.stop(record.handle)  # leave nothing running


SLOW_FLOW = textwrap.dedent(
    """
    import os
    import time
    from pathlib import Path

    from flytekit import workflow

    from domino_flows import domino_task


    @domino_task
    def slow(x: int, started: str) -> int:
        Path(started).write_text("started")
        time.sleep(60)
        return x + 1


    @workflow
    def once(x: int = 1, started: str = "started.txt") -> int:
        return slow(x=x, started=started)
    """
)


@pytest.mark.slow
def test_ctrl_c_during_a_total_outage_exits_on_an_honest_record(domino_env, tmp_path, monkeypatch):
    import re
    import signal
    import subprocess
    import sys

    from runner_helpers import wait_for

    root = domino_project(domino_env, tmp_path / "slow", "outage", SLOW_FLOW, monkeypatch)
    signals = tmp_path / "signals"  # fake Domino jobs run as an unprivileged user: let it write
    signals.mkdir(mode=0o777)
    signals.chmod(0o777)
    started = signals / "started.txt"
    assignment = f"started={started}"
    runner = subprocess.Popen(
        [sys.executable, "-m", "domino_flows.cli", "run", "flow.py", "once", "-i", assignment],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for(started)
    domino_env.chaos(seed=3, rate=1.0, kinds=("503",))  # every request fails from now on
    runner.send_signal(signal.SIGINT)
    _, err = runner.communicate(timeout=60)  # was: twice the 30-minute outage budget

    assert runner.returncode == 130, err
    assert "Traceback" not in err
    (job,) = domino_env.jobs.values()
    assert job.status == "Running"  # no stop reached Domino: the record must not claim one
    assert f"the stop of job(s) {job.id} was not confirmed" in err
    assert "its running jobs were stopped" not in err
    run_id = re.search(r"run (\S+) stopped \(Ctrl-C\)", err).group(1)
    store = RunStore.for_project(root)
    (row,) = store.attempts(run_id)
    assert (row.state, row.job_id) == ("Stopping", job.id)
    assert f"the stop request for job {job.id} could not be sent" in row.error
    assert f"job {job.id} was stopped" not in row.error
    (run,) = [r for r in store.runs() if r["run_id"] == run_id]
    assert run["state"] == "Stopped"
    domino_env.chaos(seed=3, rate=0)
    backend = backend_for(domino_env, root)
    backend.stop(backend.handle_for(run_id, row.task, 1, job.id, row.url))
