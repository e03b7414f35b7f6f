"""``Artifact(name, DATA, register=...)``: the files a task writes become a dataset snapshot.

Checked before the run's first job starts (the preflight) and again before the task's job starts:
an unknown dataset fails with nothing written. Made once the task succeeded and before its end is
recorded, so the task's OpenLineage COMPLETE event names the snapshot: locally from the output
files themselves, on Domino from the files the job wrote into the dataset's read-write folder
(``backends/domino_records.py``). Recorded as ``dataset_snapshots`` in ``records_tracking`` for
``show``: each made snapshot (dataset, snapshot id or folder, version, artifact), or the dataset
and why its snapshot was not made. A snapshot that cannot be made is a warning, never a failed
task, like every other record made for Domino's users; nothing then claims a snapshot.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from domino_flows.backends.base import JobBackend
from domino_flows.core.errors import DominoFlowsError
from domino_flows.core.redaction import redact
from domino_flows.records.tracking import DATASET_SNAPSHOTS, TrackingRecords

logger = logging.getLogger(__name__)


def datasets_of(plan: dict[str, Any]) -> dict[str, str]:
    """Artifact name -> the dataset its files become snapshots of."""
    return {
        a["name"]: a["dataset"]
        for a in plan.get("artifact_outputs", {}).values()
        if a.get("dataset")
    }


def check(backend: JobBackend, task: str, plan: dict[str, Any]) -> None:
    for dataset in sorted(set(datasets_of(plan).values())):
        backend.check_dataset(task, dataset)


def promote(
    backend: JobBackend,
    record: Any,
    plan: dict[str, Any],
    outputs: list[Any],
    records: TrackingRecords,
) -> list[dict[str, Any]]:
    """One snapshot per dataset named, of the files the succeeded attempt wrote to it
    (``outputs``: its ``lineage.DatasetRef``s); every entry recorded, the made ones returned."""
    wanted = datasets_of(plan)
    if not wanted:
        return []
    files: dict[str, list[tuple[Path, str]]] = {}
    for ref in outputs:
        artifact = ref.artifact or {}
        if artifact.get("name") in wanted and ref.path and Path(ref.path).is_file():
            name = artifact.get("file") or Path(ref.path).name
            files.setdefault(wanted[artifact["name"]], []).append((Path(ref.path), name))
    entries = []
    for dataset in sorted(set(wanted.values())):
        artifacts = ", ".join(sorted(n for n, d in wanted.items() if d == dataset))
        try:
            made = backend.snapshot_dataset(record.handle, dataset, files.get(dataset, []))
        except DominoFlowsError as error:
            why = (redact(str(error)) or "")[:500]
            logger.warning(
                "domino-flows: the snapshot of dataset %r from task %r was not made: %s",
                dataset,
                record.task,
                why,
            )
            entries.append({"dataset": dataset, "artifact": artifacts, "error": why})
            continue
        entries.append({**made, "dataset": dataset, "artifact": artifacts})
    records.put(record.run_id, record.task, record.attempt, DATASET_SNAPSHOTS, entries)
    return [e for e in entries if not e.get("error")]
