"""A runner killed with SIGKILL mid-flow resumes without re-running finished tasks."""

import re
import signal

import pytest
from runner_helpers import cli, marks, process_running, start_chain, wait_for

from domino_flows.records.store import RunStore


def killed_run(project):
    started = project / "started.txt"
    runner = start_chain(project, "--input", f"started={started}", LONG_STEP_SECONDS="60")
    wait_for(started)
    runner.send_signal(signal.SIGKILL)
    _, err = runner.communicate(timeout=30)
    run_id = re.search(r"run (\S+): ", err).group(1)
    return run_id


@pytest.mark.slow
def test_sigkill_then_resume_completes_without_rerunning_finished_tasks(project, monkeypatch):
    run_id = killed_run(project)
    assert marks(project) == ["first", "long_step"]
    store = RunStore.for_project(project)
    assert next(r for r in store.runs() if r["run_id"] == run_id)["state"] == "Running"
    monkeypatch.setenv("LONG_STEP_SECONDS", "0")
    result = cli("resume", run_id, "--json")
    assert result.exit_code == 0, result.output
    assert '"o0": 104' in result.output
    # first ran once; long_step ran again (it never finished); last ran once
    assert marks(project) == ["first", "long_step", "long_step", "last"]
    assert next(r for r in store.runs() if r["run_id"] == run_id)["state"] == "Succeeded"
    # the job the killed runner left behind was stopped, not left running
    leftover = [a for a in store.attempts(run_id) if a.task.endswith("long_step")]
    pids = [
        int(line.split()[2])
        for line in (project / "marks.txt").read_text().splitlines()
        if line.startswith("long_step")
    ]
    assert leftover
    for pid in pids:
        assert not process_running(pid)


@pytest.mark.slow
def test_resume_refuses_a_changed_flow(project):
    run_id = killed_run(project)
    flow = project / "fanin.py"
    # a different definition: the last task's interface changes
    flow.write_text(
        flow.read_text().replace("def last(x: int) -> int:", "def last(x: int, y: int = 0) -> int:")
    )
    result = cli("resume", run_id)
    assert result.exit_code == 2
    assert f"run {run_id} cannot be resumed" in result.output
    assert "changed since the run started" in result.output


def test_resume_of_an_unknown_run(project):
    result = cli("resume", "no-such-run")
    assert result.exit_code == 2
    assert "no run 'no-such-run' was started with domino-flows run" in result.output
