"""Promotion hands the attempt's tracking records on to ``tracking.ended`` (one read of them per
attempt end), except when snapshots were recorded: those are read back as kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from domino_flows.core.errors import DominoFlowsError
from domino_flows.execution import promotion
from domino_flows.execution.attempt import AttemptRecord
from domino_flows.records.store import RunStore
from domino_flows.records.tracking import DATASET_SNAPSHOTS, PLAN, PROMOTED, TrackingRecords


class NoSnapshots:
    name = "local"

    def records_in_job(self) -> bool:
        return False

    def snapshot_dataset(self, handle: Any, name: str, files: list[Any]) -> dict[str, Any]:
        raise DominoFlowsError(f"dataset {name!r} cannot be snapshotted here")


def attempt(root: Path) -> AttemptRecord:
    return AttemptRecord("local", "job-1", "run-1", "train", project_root=str(root))


def plan(root: Path, artifacts: dict[str, Any]) -> TrackingRecords:
    records = TrackingRecords(RunStore.for_project(root))
    records.put("run-1", "train", 1, PLAN, {"artifact_outputs": artifacts, "stats": True})
    return records


def test_the_records_after_promotion_are_handed_on(tmp_path: Path) -> None:
    records = plan(tmp_path, {})
    made, kept = promotion.promote(NoSnapshots(), attempt(tmp_path), [])  # type: ignore[arg-type]
    assert made == [] and kept == records.of_attempt("run-1", "train", 1)
    again, kept_again = promotion.promote(NoSnapshots(), attempt(tmp_path), [])  # type: ignore[arg-type]
    assert again == [] and kept_again == kept  # a second end: nothing made again


def test_records_of_snapshots_are_read_back(tmp_path: Path) -> None:
    records = plan(tmp_path, {"o0": {"name": "Sales", "dataset": "sales"}})
    made, kept = promotion.promote(NoSnapshots(), attempt(tmp_path), [])  # type: ignore[arg-type]
    assert made == [] and kept is None
    stored = records.of_attempt("run-1", "train", 1)
    assert stored[PROMOTED] == [] and stored[DATASET_SNAPSHOTS][0]["dataset"] == "sales"
