"""The run's parent MLflow record is read from the run store once per run (every task's plan
names it), and read again after ``run_started`` writes it anew (a resumed run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from domino_flows.execution import run_context, tracking
from domino_flows.records.tracking import MLFLOW_RUN, TrackingRecords


class LocalLike:
    name = "local"

    def records_in_job(self) -> bool:
        return False


def test_the_parent_record_is_read_once_per_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    tracking.run_started(tmp_path, "run-1", "flow", LocalLike())  # type: ignore[arg-type]
    reads: list[str] = []
    real_get = TrackingRecords.get

    def counting(self: TrackingRecords, *key: object) -> object:
        reads.append(str(key[-1]))
        return real_get(self, *key)  # type: ignore[arg-type]

    monkeypatch.setattr(TrackingRecords, "get", counting)
    records = TrackingRecords(tracking.RunStore.for_project(tmp_path))
    first = tracking._parent(tmp_path, "run-1", records)
    assert first["mlflow"] is False and first["experiment"].endswith("/flow")
    first["experiment"] = "changed by a caller"  # each caller gets its own copy
    assert tracking._parent(tmp_path, "run-1", records)["experiment"].endswith("/flow")
    assert reads == [MLFLOW_RUN]

    tracking.run_started(tmp_path, "run-1", "flow", LocalLike())  # type: ignore[arg-type]
    reads.clear()
    assert tracking._parent(tmp_path, "run-1", records)["mlflow"] is False
    assert reads == [MLFLOW_RUN]  # written anew: read anew
    run_context.close_run(tmp_path, "run-1")
