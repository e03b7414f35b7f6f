"""Ctrl-C, SIGTERM and SIGHUP stop a run: jobs stopped and recorded, one line, exit 130/143/129,
Stopped."""

import contextlib
import os
import re
import signal
import time

import pytest
from runner_helpers import cli, marks, process_running, start_chain, wait_for

from domino_flows.records.store import RunStore


def interrupted_run(project, signals, **env):
    started = project / "started.txt"
    runner = start_chain(
        project, "--input", f"started={started}", own_group=True, LONG_STEP_SECONDS="60", **env
    )
    wait_for(started)
    for number, sig in enumerate(signals):
        if number:
            time.sleep(0.1)  # a user pressing again while the run stops, records and exits
        with contextlib.suppress(ProcessLookupError):  # it may have exited already
            os.killpg(runner.pid, sig)  # what a terminal does on Ctrl-C: the foreground group
    _, err = runner.communicate(timeout=30)
    run_id = re.search(r"run (\S+): ", err).group(1)
    return runner.returncode, err, run_id


def long_step_pids(project):
    return [
        int(line.split()[2])
        for line in (project / "marks.txt").read_text().splitlines()
        if line.startswith("long_step")
    ]


def assert_stopped_and_recorded(project, run_id, confirmed=True):
    """``confirmed``: the runner saw the job end (one signal). After a second signal the runner
    exits at once: the job is Stopped if its end was seen in time, else Stopping, naming it."""
    store = RunStore.for_project(project)
    (run,) = [r for r in store.runs() if r["run_id"] == run_id]
    assert run["state"] == "Stopped"
    attempts = {a.task.rsplit(".", 1)[-1]: a for a in store.attempts(run_id)}
    assert attempts["first"].state == "Succeeded"
    long_step = attempts["long_step"]
    assert long_step.state in (("Stopped",) if confirmed else ("Stopped", "Stopping"))
    if long_step.state == "Stopping":
        assert long_step.job_id and long_step.job_id in long_step.error
        assert f"domino-flows resume {run_id}" in long_step.error
    run_events = [e["event_type"] for e in store.lineage_events(run_id) if not e["task"]]
    assert run_events == ["START", "ABORT"]
    for pid in long_step_pids(project):  # the job's process is gone, not left running
        deadline = time.monotonic() + (0 if confirmed else 10)  # a stop sent as the runner left
        while process_running(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not process_running(pid)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signals", "code"),
    [
        ([signal.SIGINT], 130),
        ([signal.SIGTERM], 143),
        ([signal.SIGHUP], 129),  # a closed terminal or a dropped ssh session
        ([signal.SIGINT, signal.SIGINT], 130),
        ([signal.SIGINT] * 12, 130),
    ],
    ids=["ctrl-c", "sigterm", "sighup", "ctrl-c-twice", "ctrl-c-repeatedly"],
)
def test_an_interrupt_stops_the_run_and_records_it(project, signals, code):
    returncode, err, run_id = interrupted_run(project, signals)
    assert returncode == code, err
    assert "Traceback" not in err and "Exception ignored" not in err
    assert f"domino-flows resume {run_id}" in err
    assert marks(project) == ["first", "long_step"]
    assert_stopped_and_recorded(project, run_id, confirmed=len(signals) == 1)


@pytest.mark.slow
def test_an_interrupt_stops_cold_started_jobs_too(project):
    returncode, err, run_id = interrupted_run(project, [signal.SIGINT], DOMINO_FLOWS_WARM_JOBS="0")
    assert returncode == 130, err
    assert_stopped_and_recorded(project, run_id)


@pytest.mark.slow
def test_a_stopped_run_resumes(project, monkeypatch):
    _, _, run_id = interrupted_run(project, [signal.SIGINT])
    monkeypatch.setenv("LONG_STEP_SECONDS", "0")
    result = cli("resume", run_id)
    assert result.exit_code == 0, result.output
    assert marks(project) == ["first", "long_step", "long_step", "last"]
    # the count is this invocation's: first was reused, long_step ran again, then last
    assert f"run {run_id} succeeded: 3 job tasks, 2 jobs started" in result.output
    (run,) = [r for r in RunStore.for_project(project).runs() if r["run_id"] == run_id]
    assert run["state"] == "Succeeded"
