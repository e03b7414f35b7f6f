"""Polling a Domino job: the backed-off schedule, and DOMINO_FLOWS_POLL_SECONDS, which shortens it
for a deployment that answers at once (the fake Domino's ``domino_env`` sets it)."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from runner_helpers import cli, domino_project

from domino_flows.backends.base import JobState, JobStatus
from domino_flows.backends.domino import DominoBackend
from domino_flows.backends.domino_client import DominoCredentials
from domino_flows.backends.domino_polling import POLL_VARIABLE, JobPoller, PollPolicy
from domino_flows.core.errors import ConfigurationError
from domino_flows.testing import FakeDomino

pytest_plugins = ["domino_flows.testing.fixtures"]


def test_polling_backs_off_with_jitter_up_to_a_cap():
    policy = PollPolicy(initial=1.0, factor=2.0, max_interval=10.0, random=lambda: 1.0)
    assert [policy.interval(n) for n in range(1, 7)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    low = PollPolicy(initial=1.0, factor=2.0, max_interval=10.0, random=lambda: 0.0)
    assert low.interval(3) == 3.0


def test_waiting_keeps_each_jobs_schedule_between_short_waits():
    now = [0.0]
    polls: list[float] = []

    def sleep(seconds: float) -> None:
        now[0] += seconds

    poller = JobPoller(
        PollPolicy(
            initial=1.0,
            factor=2.0,
            max_interval=8.0,
            sleep=sleep,
            random=lambda: 1.0,
            clock=lambda: now[0],
        )
    )

    def status() -> JobStatus:
        polls.append(now[0])
        return JobStatus(JobState.SUCCEEDED if now[0] >= 7 else JobState.RUNNING)

    for _ in range(20):
        if poller.wait("job", status, timeout=0.5).is_terminal:
            break
    assert polls == [0.0, 1.0, 3.0, 7.0]


def test_poll_seconds_sets_the_first_wait_and_the_cap_grows_with_it():
    policy = PollPolicy(random=lambda: 1.0).with_environment({POLL_VARIABLE: " 0.1 "})
    assert (policy.initial, policy.factor, policy.max_interval) == (0.1, 1.5, 2.0)
    assert [round(policy.interval(n), 4) for n in (1, 2, 3)] == [0.1, 0.15, 0.225]
    assert policy.interval(50) == 2.0


@pytest.mark.parametrize("environ", [{}, {POLL_VARIABLE: ""}, {POLL_VARIABLE: "  "}])
def test_without_poll_seconds_the_default_schedule_stays(environ):
    policy = PollPolicy()
    assert policy.with_environment(environ) is policy
    assert (policy.initial, policy.max_interval) == (1.0, 20.0)


@pytest.mark.parametrize("value", ["0", "-1", "soon", "nan", "inf", "1e999"])
def test_a_poll_seconds_that_is_not_a_positive_number_is_refused_naming_it(value):
    with pytest.raises(ConfigurationError) as caught:
        PollPolicy().with_environment({POLL_VARIABLE: value})
    message = str(caught.value)
    assert f"{POLL_VARIABLE}={value!r}" in message
    assert "positive number of seconds" in message and "unset it" in message


def test_the_domino_backend_takes_poll_seconds_from_its_environment(
    fake_domino: FakeDomino, tmp_path: Path
):
    environ = {
        "DOMINO_API_HOST": fake_domino.url,
        "DOMINO_PROJECT_OWNER": fake_domino.owner,
        "DOMINO_PROJECT_NAME": fake_domino.project_name,
    }
    credentials = DominoCredentials(api_key=fake_domino.api_key)
    default = DominoBackend(tmp_path, credentials=credentials, environ=environ)
    assert default._poller.policy.initial == 1.0
    fast = DominoBackend(
        tmp_path, credentials=credentials, environ={**environ, POLL_VARIABLE: "0.25"}
    )
    assert (fast._poller.policy.initial, fast._poller.policy.max_interval) == (0.25, 5.0)
    given = PollPolicy(initial=3.0)  # a policy passed in is used as it is
    chosen = DominoBackend(
        tmp_path, credentials=credentials, environ={**environ, POLL_VARIABLE: "0.25"}, poll=given
    )
    assert chosen._poller.policy is given


def test_domino_env_polls_the_fake_quickly(domino_env: FakeDomino):
    seconds = float(os.environ[POLL_VARIABLE])
    assert 0 < seconds < 1 and PollPolicy().with_environment().initial == seconds


FLOW = textwrap.dedent(
    """
    from flytekit import workflow

    from domino_flows import domino_task


    @domino_task
    def double(x: int) -> int:
        return x * 2


    @workflow
    def pipeline(x: int = 1) -> int:
        return double(x=x)
    """
)


def test_a_run_with_a_wrong_poll_seconds_stops_before_any_job_naming_the_variable(
    domino_env: FakeDomino, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    root = domino_project(domino_env, tmp_path / "project", "poll", FLOW, monkeypatch)
    monkeypatch.setenv(POLL_VARIABLE, "1s")
    result = cli("run", "flow.py", "pipeline")
    assert result.exit_code == 2, result.output
    assert f"{POLL_VARIABLE}='1s'" in result.stderr
    assert "Traceback" not in result.output
    assert domino_env.jobs == {}  # no job was started
    assert "pipeline" not in cli("runs").output  # nor a run recorded
    monkeypatch.setenv(POLL_VARIABLE, "0.05")
    again = cli("run", "flow.py", "pipeline")
    assert again.exit_code == 0, again.output
    assert root.is_dir() and len(domino_env.jobs) == 1
    assert "pipeline" in cli("runs").output
