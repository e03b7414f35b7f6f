"""A run's recorded state is a promise: never Succeeded unless it succeeded.

Each engine error a user meets on the Domino backend (an unreachable host, a refused key, a
missing project, a status call that keeps failing) ends as a recorded failed attempt and a Failed
run that ``resume`` accepts, never as Succeeded with zero attempts."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from domino_flows.backends import domino as domino_module
from domino_flows.backends.domino_client import RetryPolicy
from domino_flows.backends.domino_polling import PollPolicy
from domino_flows.cli import main
from domino_flows.records.store import RunStore

pytest_plugins = ["domino_flows.testing.fixtures"]

FLOW = textwrap.dedent(
    """
    from flytekit import workflow

    from domino_flows import domino_task


    @domino_task(retries=1)
    def add_one(x: int) -> int:
        return x + 1


    @domino_task
    def double(x: int) -> int:
        return x * 2


    @workflow
    def pair(x: int = 1) -> tuple[int, int]:
        return add_one(x=x), double(x=x)


    @workflow
    def single(x: int = 1) -> int:
        return add_one(x=x)
    """
)


@pytest.fixture
def project_files():
    return {"pyproject.toml": '[project]\nname = "states"\n', "flow.py": FLOW}


@pytest.fixture
def project(project, domino_env, monkeypatch):
    """The project, committed to the fake Domino of ``domino_env``."""
    domino_env.add_tree(project)
    monkeypatch.setattr(
        domino_module, "PollPolicy", lambda: PollPolicy(initial=0.05, max_interval=0.2)
    )
    # the same tries as by default, with short waits (an unreachable host is retried)
    monkeypatch.setattr(
        domino_module, "RetryPolicy", lambda: RetryPolicy(base_delay=0.01, max_delay=0.05)
    )
    return project


def run(*args: str, workflow: str = "pair"):
    return CliRunner().invoke(main, ["run", "flow.py", workflow, *args], catch_exceptions=False)


def the_run(root: Path) -> tuple[dict, list]:
    store = RunStore.for_project(root)
    (run_row,) = store.runs()
    return run_row, store.attempts(run_row["run_id"])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("setting", "value", "said"),
    [
        ("DOMINO_API_HOST", "http://127.0.0.1:9", "DOMINO_API_HOST"),
        ("DOMINO_USER_API_KEY", "not-the-right-key", "401"),
        ("DOMINO_PROJECT_NAME", "no-such-project", "404"),
    ],
    ids=["unreachable-host", "refused-key", "missing-project"],
)
def test_a_run_that_cannot_reach_its_project_is_failed(project, monkeypatch, setting, value, said):
    with monkeypatch.context() as wrong:
        wrong.setenv(setting, value)
        result = run()
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "2 job tasks, 0 jobs started" in result.output  # three attempts, no job ever started
    run_row, attempts = the_run(project)
    assert run_row["state"] == "Failed"
    assert attempts, "the failed attempts are on record"
    assert {a.state for a in attempts} == {"Failed"}
    assert any(said in (a.error or "") for a in attempts), [a.error for a in attempts]
    assert {a.task.rsplit(".", 1)[-1] for a in attempts} == {"add_one", "double"}
    # add_one's retry applied: two attempts
    assert sorted(a.attempt for a in attempts if a.task.endswith("add_one")) == [1, 2]
    # with the setting right again, resume runs the failed run to the end, in its project
    result = CliRunner().invoke(main, ["resume", run_row["run_id"]], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert the_run(project)[0]["state"] == "Succeeded"


@pytest.mark.slow
def test_a_status_call_that_keeps_failing_is_an_attempt_failure_and_retries_apply(
    project, domino_env
):
    # one status call's whole retry budget fails: that attempt fails, its job is stopped, and
    # the task's retry runs a second job, which succeeds. Polls ride out an outage of
    # poll_outage_minutes: here a budget shorter than one failed call.
    (project / "pyproject.toml").write_text(
        '[project]\nname = "states"\n\n[tool.domino_flows.domino]\npoll_outage_minutes = 1e-6\n'
    )
    domino_env.fail_next("job_status", times=1, status=503)
    result = run("--json", workflow="single")
    assert result.exit_code == 0, result.output
    run_row, attempts = the_run(project)
    assert run_row["state"] == "Succeeded"
    assert [(a.attempt, a.state) for a in attempts] == [(1, "Failed"), (2, "Succeeded")]
    assert "GET /v4/jobs/{jobId}" in attempts[0].error and "was stopped" in attempts[0].error
    # every job the run started is on record, and none is left running
    assert sorted(domino_env.jobs) == sorted(a.job_id for a in attempts)
    assert domino_env.jobs[attempts[0].job_id].status in ("Stopped", "Succeeded")
