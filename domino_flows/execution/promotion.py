"""Promotion of a succeeded attempt's artifacts: ``Artifact(..., DATA, register=...)`` outputs
become dataset snapshots and ``Artifact(..., MODEL, register=...)`` outputs registered model
versions. Made after the job and before the attempt's end is recorded, so that its COMPLETE
lineage event names them; what was made is kept (``promoted``) so a status read twice makes
nothing again. Apart from ``tracking.py``, which writes the MLflow runs these hang off."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from domino_flows.backends.base import JobBackend
from domino_flows.contract import tracking_job
from domino_flows.core.errors import DominoFlowsError
from domino_flows.execution import dataset_snapshots, tracking
from domino_flows.records.store import RunStore
from domino_flows.records.tracking import (
    MLFLOW_RUN,
    MODEL_VERSIONS,
    PLAN,
    PROMOTED,
    TrackingRecords,
)


def promote(
    backend: JobBackend, record: Any, outputs: list[Any]
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """A succeeded attempt's DATA artifacts as dataset snapshots and MODEL artifacts as
    registered model versions, made before its end is recorded so that its COMPLETE lineage
    event names them (``lineage.registered_outputs``); what it made, kept so a second call
    (a status read twice) makes nothing again. Also the attempt's tracking records as they
    stand after it, for ``tracking.ended`` (None when they must be read again: snapshots were
    recorded)."""
    store = RunStore.for_project(Path(record.project_root))
    records = TrackingRecords(store)
    key = (record.run_id, record.task, record.attempt)
    kept = records.of_attempt(*key)
    plan = kept.get(PLAN)
    if not plan or PROMOTED in kept:
        return list(kept.get(PROMOTED) or []), kept
    made = [
        {"kind": "dataset_snapshot", **s}
        for s in dataset_snapshots.promote(backend, record, plan, outputs, records)
    ]
    if backend.records_in_job():  # the job wrote its MLflow run, and reported its id
        run_id = (
            backend.job_records(record.handle).get("mlflow_run_id", "") if record.job_id else ""
        )
        uri = os.environ.get(tracking_job.TRACKING_URI_VARIABLE)
    else:
        run_id = (kept.get(MLFLOW_RUN) or {}).get("run_id", "")
        uri = tracking.runner_store(Path(record.project_root), backend)
    if run_id and (uri or backend.records_in_job()):
        made += [
            {"kind": "model_version", **v}
            for v in _register_models(backend, record, plan, run_id, uri, records)
        ]
    records.put(*key, PROMOTED, made)
    if dataset_snapshots.datasets_of(plan):
        return made, None  # what was recorded of each snapshot is read back
    return made, {**kept, PROMOTED: made}


def _register_models(
    backend: JobBackend,
    record: Any,
    plan: dict[str, Any],
    run_id: str,
    uri: str | None,
    records: TrackingRecords,
) -> list[dict[str, Any]]:
    """``Artifact(..., MODEL, register=...)`` outputs as new registered model versions."""
    versions: list[dict[str, Any]] = []
    for artifact in plan.get("artifact_outputs", {}).values():
        name = artifact.get("register")
        if not name:
            continue
        path = f"artifacts/{artifact['name']}"
        if uri:
            tracking.client_ready(uri)
        errors: tuple[type[BaseException], ...] = (DominoFlowsError,)
        if tracking_job.mlflow_available():  # the runner may lack MLflow on the domino backend
            errors += tracking_job.mlflow_errors()
        try:
            version = backend.register_model(record.handle, name, run_id, path, uri)
        except errors as error:
            tracking.warn_unrecorded(f"model {name!r} from task {record.task!r}", error)
            continue
        versions.append(
            {"model": name, "version": version, "artifact": artifact["name"], "mlflow_run": run_id}
        )
    if versions:
        records.put(record.run_id, record.task, record.attempt, MODEL_VERSIONS, versions)
    return versions
