"""The execution core's failure paths: every way an attempt can end is on record, with its
lineage, and a run is closed with the state its driver saw (never a hopeful one)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from domino_flows.authoring.config import DominoJobConfig
from domino_flows.backends.base import (
    JobHandle,
    JobSpec,
    JobState,
    JobStatus,
    ResolvedJob,
)
from domino_flows.core.errors import ConfigurationError, DominoFlowsError
from domino_flows.execution import attempt
from domino_flows.execution.session import RunSession
from domino_flows.records.store import RunStore

CANARY = "sk-CORE-CANARY-5b1d2e"


class ScriptedBackend:
    """A backend that does what the test says, implementing the whole protocol."""

    name = "scripted"

    def __init__(self) -> None:
        self.fail_on: dict[str, Exception] = {}
        self.state = JobState.RUNNING
        self.stopped: list[str] = []
        self.started: list[str] = []
        self.found: JobHandle | None = None

    def _maybe_fail(self, step: str) -> None:
        if step in self.fail_on:
            raise self.fail_on[step]

    def resolve(self, spec: JobSpec) -> ResolvedJob:
        self._maybe_fail("resolve")
        return ResolvedJob("env-1", "Python", None, "tier-1", "Small")

    def stage_inputs(self, spec: JobSpec, values: dict[str, Any]) -> str:
        self._maybe_fail("stage")
        return "staged"

    def start(self, spec: JobSpec, staging: str) -> JobHandle:
        self._maybe_fail("start")
        job_id = f"job-{spec.task}-{spec.attempt}"
        self.started.append(job_id)
        return JobHandle(self.name, job_id, spec.run_id, spec.task, f"https://x/{job_id}")

    def status(self, handle: JobHandle) -> JobStatus:
        self._maybe_fail("status")
        if handle.job_id in self.stopped:
            return JobStatus(JobState.STOPPED)
        return JobStatus(self.state, "")

    def wait(self, handle: JobHandle, timeout: float) -> JobStatus:
        return self.status(handle)

    def stop(self, handle: JobHandle) -> None:
        self._maybe_fail("stop")
        self.stopped.append(handle.job_id)

    def collect_outputs(self, handle: JobHandle, spec: JobSpec) -> dict[str, Any]:
        self._maybe_fail("collect")
        return {"n": 3}

    def logs(self, handle: JobHandle, tail: int | None = None) -> str:
        return f"working\nkey was {CANARY}\n"

    def error_text(self, handle: JobHandle) -> str:
        return ""

    def scheduling_slots(self, spec: JobSpec) -> int:
        return 1

    def default_capacity(self) -> int:
        return 4

    def handle_for(self, run_id: str, task: str, attempt: int, job_id: str, url: str) -> JobHandle:
        return JobHandle(self.name, job_id, run_id, task, url)

    def find_attempt_job(self, spec: JobSpec) -> JobHandle | None:
        return self.found

    def interrupt(self) -> None:
        self.interrupted = True

    start_settle_seconds = 0.0

    def records_in_job(self) -> bool:
        return False

    def tag_job(self, handle: JobHandle, tags: list[str]) -> None:
        self.tags = tags

    def job_records(self, handle: JobHandle) -> dict[str, str]:
        return {}


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'core'\n")
    monkeypatch.setenv("DOMINO_USER_API_KEY", CANARY)
    return tmp_path


def spec(task: str = "train", number: int = 1) -> JobSpec:
    return JobSpec(
        "run-1",
        "flow",
        task,
        DominoJobConfig(Command="python train.py"),
        output_types={"n": int},
        attempt=number,
    )


def lineage(root: Path, task: str | None) -> list[str]:
    events = RunStore.for_project(root).lineage_events("run-1")
    return [e["event_type"] for e in events if e["task"] == task]


@pytest.mark.parametrize("step", ["resolve", "stage", "start"])
def test_a_failure_before_the_job_started_is_recorded(root: Path, step: str) -> None:
    backend = ScriptedBackend()
    backend.fail_on[step] = ConfigurationError(f"{step} failed, key {CANARY}")
    with pytest.raises(ConfigurationError):
        attempt.start(backend, spec(), {}, root)
    (row,) = RunStore.for_project(root).attempts("run-1")
    assert (row.state, row.job_id) == ("Failed", "")
    assert f"task 'train': {step} failed" in row.error
    assert CANARY not in row.error
    assert lineage(root, "train") == ["FAIL"]
    assert backend.stopped == []  # no job to stop


def test_outputs_that_cannot_be_collected_fail_the_attempt(root: Path) -> None:
    backend = ScriptedBackend()
    backend.fail_on["collect"] = DominoFlowsError("output 'n' is missing")
    record = attempt.start(backend, spec(), {}, root)
    result = attempt.finish(backend, record, JobStatus(JobState.SUCCEEDED), spec(), {})
    assert result.state is JobState.FAILED and "output 'n' is missing" in result.message
    assert CANARY not in result.message and "working" in result.message
    (row,) = RunStore.for_project(root).attempts("run-1")
    assert row.state == "Failed"
    assert lineage(root, "train") == ["START", "FAIL"]


def test_a_failure_after_the_start_stops_the_job(root: Path) -> None:
    backend = ScriptedBackend()
    record = attempt.start(backend, spec(), {}, root)
    result = attempt.fail(backend, record, DominoFlowsError("status polls failed"))
    assert backend.stopped == ["job-train-1"]
    assert "was stopped" in result.message
    (row,) = RunStore.for_project(root).attempts("run-1")
    assert row.state == "Failed" and row.job_id == "job-train-1"


@pytest.mark.parametrize(
    ("state", "recorded", "event"),
    [
        (JobState.SUCCEEDED, "Succeeded", "COMPLETE"),
        (JobState.FAILED, "Failed", "FAIL"),
        (JobState.STOPPED, "Stopped", "ABORT"),
    ],
)
def test_closing_a_run_stops_what_is_open_and_records_the_drivers_state(
    root: Path, state: JobState, recorded: str, event: str
) -> None:
    backend = ScriptedBackend()
    session = RunSession(root, "run-1", "flow", backend)
    session.begin()
    record = attempt.start(backend, spec(), {}, root)
    session.opened(record)
    session.close(state, None if state is JobState.SUCCEEDED else "why")
    assert backend.stopped == ["job-train-1"]
    store = RunStore.for_project(root)
    (row,) = store.attempts("run-1")
    assert row.state == "Stopped"
    (run,) = store.runs()
    assert run["state"] == recorded
    assert lineage(root, None) == ["START", event]
    session.close(JobState.SUCCEEDED)  # once only
    assert store.runs()[0]["state"] == recorded


def test_attempt_numbers_continue_across_sessions(root: Path) -> None:
    backend = ScriptedBackend()
    first = RunSession(root, "run-1", "flow", backend)
    first.begin()
    for number in (first.next_attempt("train"), first.next_attempt("train")):
        attempt.start(backend, spec(number=number), {}, root)
    second = RunSession(root, "run-1", "flow", backend)
    second.begin()
    assert second.next_attempt("train") == 3
    assert second.next_attempt("evaluate") == 1


def test_reconcile_stops_left_jobs_and_finds_a_start_in_flight(root: Path) -> None:
    backend = ScriptedBackend()
    store = RunStore.for_project(root)
    store.start_run("run-1", "flow", backend.name)
    attempt.start(backend, spec("train"), {}, root)  # started; its runner was killed
    store.start_attempt("run-1", "evaluate", 1, "", state="Starting")  # killed mid-request
    store.start_attempt("run-1", "report", 1, "", state="Starting")  # killed before the request
    backend.found = JobHandle(backend.name, "job-evaluate-1", "run-1", "evaluate", "u")
    original = backend.find_attempt_job

    def find(job_spec: JobSpec) -> JobHandle | None:
        return original(job_spec) if job_spec.task == "evaluate" else None

    backend.find_attempt_job = find  # type: ignore[method-assign]
    said = RunSession(root, "run-1", "flow", backend).reconcile()
    assert len(said) == 3
    assert sorted(backend.stopped) == ["job-evaluate-1", "job-train-1"]
    rows = {row.task: row for row in store.attempts("run-1")}
    assert {task: row.state for task, row in rows.items()} == {
        "train": "Stopped",
        "evaluate": "Stopped",
        "report": "Stopped",
    }
    assert rows["evaluate"].job_id == "job-evaluate-1"
    assert "before this attempt's job started" in rows["report"].error
    for event in store.lineage_events("run-1"):
        assert CANARY not in event["event"]
        json.loads(event["event"])


def test_a_started_job_that_cannot_be_recorded_is_stopped(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from domino_flows.core.errors import RunStoreError
    from domino_flows.execution import recording

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise RunStoreError("the run store is read-only")

    monkeypatch.setattr(recording, "task_started", refuse)
    backend = ScriptedBackend()
    with pytest.raises(RunStoreError):
        attempt.start(backend, spec(), {}, root)
    assert backend.started == backend.stopped == ["job-train-1"]
    (row,) = RunStore.for_project(root).attempts("run-1")
    assert (row.state, row.job_id) == ("Failed", "job-train-1")  # on record, with its job


def test_a_task_whose_job_may_still_run_gets_no_second_attempt(root: Path) -> None:
    import threading

    from domino_flows.runner.jobs import JobRunner

    backend = ScriptedBackend()
    backend.fail_on["status"] = DominoFlowsError("status polls failed")
    backend.fail_on["stop"] = DominoFlowsError("Domino does not answer")
    session = RunSession(root, "run-1", "flow", backend)
    session.begin()
    runner = JobRunner(session, lambda event: None, threading.Event())

    outcome = runner.run("n0", spec(), {}, {}, retries=2, timeout=None)

    assert backend.started == ["job-train-1"]  # its retries would start a job beside it
    assert outcome.job_may_run and not outcome.succeeded
    assert "could not be sent" in outcome.error and "was stopped" not in outcome.error
    (row,) = RunStore.for_project(root).attempts("run-1")
    assert (row.state, row.job_id) == ("Stopping", "job-train-1")
