"""Writes of one step in one commit while a run keeps the store open: another connection sees
none of them until the group ends, a failure inside leaves none, and recording an attempt's start
or end groups its row with its lineage event."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from domino_flows.backends.base import JobState, JobStatus, ResolvedJob
from domino_flows.core.errors import RunStoreError
from domino_flows.execution import recording
from domino_flows.execution.attempt import AttemptRecord
from domino_flows.records.lineage import DatasetRef
from domino_flows.records.store import RunStore

RESOLVED = ResolvedJob("env-1", "Python 3.11", None, "tier-1", "Small")


def rows(store: RunStore, table: str) -> int:
    with sqlite3.connect(store.path) as db:  # another connection: sees committed rows only
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_grouped_writes_commit_together(tmp_path: Path) -> None:
    store = RunStore.for_project(tmp_path)
    with store.kept_open():
        with store.grouped():
            store.start_run("run-1", "flow", "local")
            store.add_lineage_event("run-1", "START", "{}")
            with store.grouped():  # nested: the same group
                store.add_lineage_event("run-1", "OTHER", "{}")
            assert (rows(store, "runs"), rows(store, "lineage_events")) == (0, 0)
        assert (rows(store, "runs"), rows(store, "lineage_events")) == (1, 2)


def test_a_failure_in_a_group_leaves_none_of_its_writes(tmp_path: Path) -> None:
    store = RunStore.for_project(tmp_path)
    with store.kept_open():
        with pytest.raises(RunStoreError), store.grouped():
            store.start_run("run-1", "flow", "local")
            with store.connect() as db:
                db.execute("INSERT INTO no_such_table VALUES (1)")
        store.add_lineage_event("run-1", "START", "{}")  # the store is usable again
    assert (rows(store, "runs"), rows(store, "lineage_events")) == (0, 1)


def test_without_a_kept_open_store_each_write_commits_alone(tmp_path: Path) -> None:
    store = RunStore.for_project(tmp_path)
    with store.grouped():
        store.start_run("run-1", "flow", "local")
        assert rows(store, "runs") == 1


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    return tmp_path


def attempt(root: Path) -> AttemptRecord:
    return AttemptRecord(
        backend="local",
        job_id="run-1/train/1",
        run_id="run-1",
        task="train",
        attempt=1,
        flow="pipeline",
        url="file:///job",
        project_root=str(root),
        command="python -m domino_flows.entrypoint flows/p.py:train",
        started_at="2026-01-01T00:00:00Z",
        input_datasets=json.dumps([{"name": "rows", "kind": "int", "sha256": "0" * 64}]),
    )


def failing_events(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> str:
        raise RunStoreError("the run store cannot grow: the disk is full")

    monkeypatch.setattr(RunStore, "add_lineage_event", refuse)


def test_an_attempt_start_whose_event_fails_is_not_recorded_running(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = RunStore.for_project(root)
    with store.kept_open():
        store.start_attempt("run-1", "train", 1, "", state="Starting")
        failing_events(monkeypatch)
        with pytest.raises(RunStoreError):
            recording.task_started(attempt(root), RESOLVED)
    (row,) = RunStore.for_project(root).attempts("run-1")
    assert (row.state, row.job_id) == ("Starting", "")


def test_an_attempt_end_whose_event_fails_is_not_recorded_ended(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = RunStore.for_project(root)
    with store.kept_open():
        recording.task_started(attempt(root), RESOLVED)
        failing_events(monkeypatch)
        output = DatasetRef("count", "int", "1" * 64)
        with pytest.raises(RunStoreError):
            recording.task_ended(attempt(root), JobStatus(JobState.SUCCEEDED), [output])
    (row,) = RunStore.for_project(root).attempts("run-1")
    assert (row.state, row.finished_at) == ("Running", None)  # ended again when resumed
    monkeypatch.undo()
    assert recording.task_ended(attempt(root), JobStatus(JobState.SUCCEEDED), [output])
    events = [e["event_type"] for e in RunStore.for_project(root).lineage_events("run-1")]
    assert events == ["START", "COMPLETE"]
