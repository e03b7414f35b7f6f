"""``Artifact(name, DATA, register=...)``: the files a task writes become a dataset snapshot.

Checked before the task's job starts (an unknown dataset fails the task with nothing written);
made once the task succeeded, from the artifact files the run store kept for it; recorded as
``dataset_snapshots`` in ``records_tracking`` for ``show``. A snapshot that cannot be written is a
warning, like every other record made for Domino's users.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from domino_flows.backends.base import JobBackend
from domino_flows.core.errors import DominoFlowsError
from domino_flows.core.redaction import redact
from domino_flows.records.store import RunStore
from domino_flows.records.tracking import DATASET_SNAPSHOTS, TrackingRecords

logger = logging.getLogger(__name__)


def _datasets(plan: dict[str, Any]) -> dict[str, str]:
    """Artifact name -> the dataset its files become snapshots of."""
    return {
        a["name"]: a["dataset"]
        for a in plan.get("artifact_outputs", {}).values()
        if a.get("dataset")
    }


def check(backend: JobBackend, task: str, plan: dict[str, Any]) -> None:
    for dataset in sorted(set(_datasets(plan).values())):
        backend.check_dataset(task, dataset)


def promote(
    backend: JobBackend, record: Any, plan: dict[str, Any], store: RunStore
) -> list[dict[str, Any]]:
    """One snapshot per dataset named, of the files the succeeded attempt wrote to it."""
    wanted = _datasets(plan)
    if not wanted:
        return []
    files: dict[str, list[tuple[Path, str]]] = {}
    for a in store.artifacts(record.run_id):
        if a.task == record.task and a.artifact_name in wanted and Path(a.path).is_file():
            files.setdefault(wanted[a.artifact_name], []).append((Path(a.path), a.file_name))
    snapshots = []
    for dataset, paths in sorted(files.items()):
        try:
            made = backend.snapshot_dataset(record.handle, dataset, paths)
        except DominoFlowsError as error:
            logger.warning(
                "domino-flows: the snapshot of dataset %r from task %r was not made: %s",
                dataset,
                record.task,
                (redact(str(error)) or "")[:300],
            )
            continue
        artifacts = sorted(n for n, d in wanted.items() if d == dataset)
        snapshots.append({**made, "artifact": ", ".join(artifacts)})
    if snapshots:
        TrackingRecords(store).put(
            record.run_id, record.task, record.attempt, DATASET_SNAPSHOTS, snapshots
        )
    return snapshots
