"""Where a run was recorded outside the run store, kept in it so ``show`` can name it.

Table ``tracking_records`` (in the run store, ``records.schema`` version 3): per run, task and
attempt, what the kit left where Domino users look: the MLflow run (``mlflow_run``: its id,
experiment and store), the job's tags (``job_tags``), its ``dominostats.json`` (``job_stats``), a
registered model version or dataset snapshot made from an artifact, and what was skipped and why
(``skipped``). The run's own parent MLflow run is kept with task ``""`` and attempt 0. Values are
JSON; nothing here is a credential (tracking store addresses are kept without user or password).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from domino_flows.core.clock import now
from domino_flows.core.redaction import redact
from domino_flows.records.store import RunStore

MLFLOW_RUN = "mlflow_run"
JOB_TAGS = "job_tags"
JOB_STATS = "job_stats"
SKIPPED = "skipped"
MODEL_VERSIONS = "model_versions"  # [{model, version, artifact}]
# [{dataset, snapshot (Domino id or local folder), version, artifact, ...}]; or {dataset,
# artifact, error} for a snapshot that was not made
DATASET_SNAPSHOTS = "dataset_snapshots"
PROMOTED = "promoted"  # what an attempt's COMPLETE event names (execution/promotion.promote)
PLAN = "plan"  # what the attempt's MLflow run holds (tracking_job's plan), for its end


@dataclass(frozen=True)
class TrackingRecord:
    run_id: str
    task: str
    attempt: int
    kind: str
    value: Any
    recorded_at: str


def store_address(uri: str | None) -> str:
    """A tracking store's address without user or password (``https://u:p@host`` -> ``host``)."""
    if not uri:
        return ""
    parts = urlsplit(uri)
    if parts.hostname and (parts.username or parts.password):
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        uri = urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    return redact(uri) or ""


class TrackingRecords:
    def __init__(self, store: RunStore) -> None:
        self.store = store

    def put(self, run_id: str, task: str, attempt: int, kind: str, value: Any) -> None:
        self.put_many(run_id, task, attempt, {kind: value})

    def put_many(self, run_id: str, task: str, attempt: int, values: dict[str, Any]) -> None:
        """Several kinds of one attempt in one transaction (each write costs a commit)."""
        stamp = now()
        rows = [
            (run_id, task, attempt, kind, redact(json.dumps(value, sort_keys=True)) or "", stamp)
            for kind, value in values.items()
        ]
        with self.store.connect() as db:
            db.executemany(
                "INSERT OR REPLACE INTO tracking_records (run_id, task, attempt, kind, value, "
                "recorded_at) VALUES (?,?,?,?,?,?)",
                rows,
            )

    def of_attempt(self, run_id: str, task: str, attempt: int) -> dict[str, Any]:
        """Every kind kept for one attempt (or, with task "" and attempt 0, for the run)."""
        with self.store.connect() as db:
            rows = db.execute(
                "SELECT kind, value FROM tracking_records WHERE run_id = ? AND task = ? AND "
                "attempt = ?",
                (run_id, task, attempt),
            ).fetchall()
        return {row[0]: json.loads(row[1]) for row in rows}

    def get(self, run_id: str, task: str, attempt: int, kind: str) -> Any:
        with self.store.connect() as db:
            row = db.execute(
                "SELECT value FROM tracking_records WHERE run_id = ? AND task = ? AND attempt = ? "
                "AND kind = ?",
                (run_id, task, attempt, kind),
            ).fetchone()
        return json.loads(row[0]) if row else None

    def of_run(self, run_id: str) -> list[TrackingRecord]:
        with self.store.connect() as db:
            rows = db.execute(
                "SELECT run_id, task, attempt, kind, value, recorded_at FROM tracking_records "
                "WHERE run_id = ? ORDER BY task, attempt, kind",
                (run_id,),
            ).fetchall()
        return [TrackingRecord(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5]) for r in rows]
