"""Recording attempts and runs: rows, OpenLineage events and artifacts, each written once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from domino_flows.backends.base import JobState, JobStatus, ResolvedJob
from domino_flows.execution import recording
from domino_flows.execution.attempt import AttemptRecord
from domino_flows.records.lineage import DatasetRef
from domino_flows.records.store import RunStore

RESOLVED = ResolvedJob("env-1", "Python 3.11", "rev-2", "tier-3", "Small")


def attempt(root: Path, task: str = "train", number: int = 1) -> AttemptRecord:
    return AttemptRecord(
        backend="local",
        job_id=f"run-1/{task}/{number}",
        run_id="run-1",
        task=task,
        attempt=number,
        flow="pipeline",
        url="file:///job",
        project_root=str(root),
        command="python -m domino_flows.entrypoint flows/p.py:train",
        environment="Python 3.11",
        hardware_tier="Small",
        started_at="2026-01-01T00:00:00Z",
        environment_id="env-1",
        input_datasets=json.dumps([{"name": "rows", "kind": "int", "sha256": "0" * 64}]),
    )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.domino_flows.domino]\nproject = "alice/churn"\n'
    )
    return tmp_path


def events(root: Path) -> list[tuple[str | None, str]]:
    return [
        (e["task"], e["event_type"]) for e in RunStore.for_project(root).lineage_events("run-1")
    ]


def test_an_attempt_from_start_to_end(root: Path) -> None:
    recording.run_started(root, "run-1", "pipeline", "local")
    recording.task_started(attempt(root), RESOLVED)
    recording.task_started(attempt(root, "evaluate"), RESOLVED)
    model = root / "model.json"
    model.write_text("{}")
    outputs = [
        DatasetRef(
            "model",
            "file",
            "a" * 64,
            path=str(model),
            artifact={"name": "Churn model", "type": "MODEL", "file": "model.json"},
        )
    ]
    succeeded = JobStatus(JobState.SUCCEEDED)
    assert recording.task_ended(attempt(root), succeeded, outputs) is True
    assert recording.task_ended(attempt(root), succeeded, outputs) is False
    assert events(root) == [
        (None, "START"),
        ("train", "START"),
        ("evaluate", "START"),
        ("train", "COMPLETE"),
    ]
    store = RunStore.for_project(root)
    complete = json.loads(store.lineage_events("run-1", "train")[-1]["event"])
    assert complete["job"]["namespace"] == "domino://alice/churn"
    assert complete["run"]["facets"]["dominoJob"]["environmentId"] == "env-1"
    assert complete["inputs"][0]["name"] == "train/inputs/rows"
    (artifact,) = store.artifacts("run-1")
    assert Path(artifact.path).read_text() == "{}"
    assert artifact.path.endswith("artifacts/run-1/Churn model/model.json")


@pytest.mark.parametrize(
    ("states", "run_state", "event"),
    [
        ({"train": JobState.SUCCEEDED, "evaluate": JobState.SUCCEEDED}, "Succeeded", "COMPLETE"),
        ({"train": JobState.SUCCEEDED, "evaluate": JobState.FAILED}, "Failed", "FAIL"),
        ({"train": JobState.STOPPED, "evaluate": JobState.SUCCEEDED}, "Stopped", "ABORT"),
        ({"train": None, "evaluate": JobState.SUCCEEDED}, "Stopped", "ABORT"),
        ({}, "Succeeded", "COMPLETE"),
    ],
)
def test_a_run_ends_as_its_tasks_did(
    root: Path, states: dict[str, JobState | None], run_state: str, event: str
) -> None:
    RunStore.for_project(root).start_run("run-1", "pipeline")
    for task, state in states.items():
        recording.task_started(attempt(root, task), RESOLVED)
        if state is not None:
            recording.task_ended(attempt(root, task), JobStatus(state, "why"), [])
    assert recording.run_ended(root, "run-1", "pipeline") is True
    assert recording.run_ended(root, "run-1", "pipeline") is False
    (run,) = RunStore.for_project(root).runs()
    assert run["state"] == run_state
    assert events(root)[-1] == (None, event)


def test_a_retry_that_succeeds_makes_the_run_succeed(root: Path) -> None:
    recording.run_started(root, "run-1", "pipeline", "local")
    recording.task_started(attempt(root, "train", 1), RESOLVED)
    recording.task_ended(attempt(root, "train", 1), JobStatus(JobState.FAILED, "x"), [])
    recording.task_started(attempt(root, "train", 2), RESOLVED)
    recording.task_ended(attempt(root, "train", 2), JobStatus(JobState.SUCCEEDED), [])
    recording.run_ended(root, "run-1")
    assert RunStore.for_project(root).runs()[0]["state"] == "Succeeded"


def test_the_caller_can_say_how_a_run_ended(root: Path) -> None:
    recording.run_started(root, "run-1", "pipeline", "local")
    recording.task_started(attempt(root), RESOLVED)
    recording.run_ended(root, "run-1", state=JobState.FAILED, error="could not resolve inputs")
    (run,) = RunStore.for_project(root).runs()
    assert (run["state"], run["error"]) == ("Failed", "could not resolve inputs")
    fail = json.loads(RunStore.for_project(root).lineage_events("run-1")[-1]["event"])
    assert fail["run"]["facets"]["errorMessage"]["message"] == "could not resolve inputs"


def test_a_resumed_run_is_running_again_until_it_ends(root: Path) -> None:
    recording.run_started(root, "run-1", "pipeline", "local")
    recording.run_ended(root, "run-1", "pipeline", JobState.STOPPED, "interrupted")
    recording.run_started(root, "run-1", "pipeline", "local")
    (run,) = RunStore.for_project(root).runs()
    assert (run["state"], run["finished_at"], run["error"]) == ("Running", None, None)
    recording.run_ended(root, "run-1", "pipeline", JobState.SUCCEEDED)
    assert [t for t in events(root) if t[0] is None] == [
        (None, "START"),
        (None, "ABORT"),
        (None, "START"),
        (None, "COMPLETE"),
    ]
