"""The run store: what ran, how it ended, its lineage and its artifacts, in one SQLite file.

``<project>/.domino-flows/runs.sqlite`` is written as things happen (a row when a task attempt
starts, an update when it ends), so a crashed or interrupted run leaves an accurate record that
``domino-flows runs``/``show``/``resume`` can read. WAL mode lets a reader (the CLI) look while a
run writes. Each call opens its own short connection: the store is used from the connector's
polling thread and from signal handlers, and SQLite connections must not cross threads.

Nothing secret is written: messages pass through :func:`redact` first.

Tables: ``runs``, ``task_attempts``, ``lineage_events`` (OpenLineage JSON), ``artifacts``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from domino_flows.core.clock import now
from domino_flows.core.errors import RunStoreError
from domino_flows.core.paths import STORE_FILE, state_dir
from domino_flows.core.redaction import redact
from domino_flows.records.sqlite import StoreFile


@dataclass(frozen=True)
class TaskAttempt:
    run_id: str
    task: str
    attempt: int
    state: str
    job_id: str
    url: str
    environment: str | None
    hardware_tier: str | None
    started_at: str
    finished_at: str | None
    error: str | None
    # the job settings its task gave (``DominoJobConfig.to_custom`` JSON); None in older stores
    job_settings: str | None = None


@dataclass(frozen=True)
class ArtifactRecord:
    run_id: str
    task: str
    output: str
    artifact_name: str
    artifact_type: str
    file_name: str
    path: str
    sha256: str
    created_at: str = ""


class RunStore:
    """The project's run store. Cheap to construct; the file is created on first write.

    ``create=False`` is for commands that only read: a project without a store then reads as
    one without runs, and nothing is created. A store this process cannot write is opened
    read-only (see ``records.sqlite``); every SQLite failure is a ``RunStoreError``.
    """

    def __init__(self, path: Path, create: bool = True) -> None:
        self.path = path
        self._file = StoreFile(path, create)

    @classmethod
    def for_project(cls, project_root: Path, create: bool = True) -> RunStore:
        return cls(state_dir(project_root) / STORE_FILE, create)

    @property
    def read_only(self) -> bool:
        """True when the store exists and this process cannot write it."""
        return self.path.exists() and bool(self._file.unwritable())

    def require_writable(self) -> None:
        """Fail now, before anything starts, when the store exists but cannot be written."""
        if self.read_only:
            raise RunStoreError(self._file.read_only_message())

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A short-lived connection in a transaction (committed on success)."""
        with self._file.connection() as connection:
            yield connection

    @contextmanager
    def grouped(self) -> Iterator[None]:
        """Several writes of one step (an attempt's row and its lineage event) in one commit,
        while the store is kept open: each commit costs a write-ahead log append and its locks.
        Only store calls inside: other threads' writes wait for it."""
        with self._file.grouped():
            yield

    @contextmanager
    def kept_open(self) -> Iterator[None]:
        """Hold the store open while many short writes follow (a run). Meanwhile each thread of
        this process reuses one connection, through whichever ``RunStore`` it writes, and the
        tables are checked once: opening, checking and closing the store cost about 1.5 ms of
        CPU per row, and the last connection to close folds the write-ahead log into the file
        (a disk flush, about 10 ms on a busy disk). The connections close when it ends."""
        with self._file.kept_open():
            yield

    # --- runs -----------------------------------------------------------------------------------

    def start_run(self, run_id: str, flow: str = "", backend: str = "") -> bool:
        """Record a run's start; False if it was already recorded (tasks of one run share it)."""
        with self.connect() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO runs (run_id, flow, backend, started_at) VALUES (?,?,?,?)",
                (run_id, flow, backend, now()),
            )
            return cursor.rowcount == 1

    def finish_run(self, run_id: str, state: str, error: str | None = None) -> None:
        with self.connect() as db:
            db.execute(
                "UPDATE runs SET state = ?, finished_at = ?, error = ? WHERE run_id = ?",
                (state, now(), redact(error), run_id),
            )

    def reopen_run(self, run_id: str) -> None:
        """A resumed run is running again until its driver records how it ended."""
        with self.connect() as db:
            db.execute(
                "UPDATE runs SET state = 'Running', finished_at = NULL, error = NULL "
                "WHERE run_id = ?",
                (run_id,),
            )

    def runs(self) -> list[dict[str, Any]]:
        with self.connect() as db:
            rows = db.execute("SELECT * FROM runs ORDER BY started_at, run_id").fetchall()
        return [dict(row) for row in rows]

    # --- task attempts --------------------------------------------------------------------------

    def start_attempt(
        self,
        run_id: str,
        task: str,
        attempt: int,
        job_id: str,
        url: str = "",
        environment: str | None = None,
        hardware_tier: str | None = None,
        state: str = "Running",
        job_settings: str | None = None,
    ) -> None:
        """An attempt's row: ``Starting`` before its start request, ``Running`` once started."""
        row = (run_id, task, attempt, state, job_id, url, environment, hardware_tier, now())
        with self.connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO task_attempts (run_id, task, attempt, state, job_id, url, "
                "environment, hardware_tier, started_at, job_settings) "
                "VALUES (?,?,?,?,?,?,?,?,?,?)",
                (*row, redact(job_settings)),
            )

    def set_attempt_job(self, run_id: str, task: str, attempt: int, job_id: str, url: str) -> None:
        """The job of an attempt whose start answer never arrived, once it is found."""
        with self.connect() as db:
            db.execute(
                "UPDATE task_attempts SET job_id = ?, url = ? "
                "WHERE run_id = ? AND task = ? AND attempt = ?",
                (job_id, url, run_id, task, attempt),
            )

    def finish_attempt(
        self, run_id: str, task: str, attempt: int, state: str, error: str | None = None
    ) -> bool:
        """Record the end of an attempt once; False if it had already ended (polling repeats)."""
        with self.connect() as db:
            cursor = db.execute(
                "UPDATE task_attempts SET state = ?, finished_at = ?, error = ? "
                "WHERE run_id = ? AND task = ? AND attempt = ? AND finished_at IS NULL",
                (state, now(), redact(error), run_id, task, attempt),
            )
            return cursor.rowcount == 1

    def mark_stopping(self, run_id: str, task: str, attempt: int, note: str) -> None:
        """An attempt whose job was asked to stop and not yet seen ending: not an end (its
        ``finished_at`` stays empty, so ``resume`` deals with the job first)."""
        with self.connect() as db:
            db.execute(
                "UPDATE task_attempts SET state = 'Stopping', error = ? "
                "WHERE run_id = ? AND task = ? AND attempt = ? AND finished_at IS NULL",
                (redact(note), run_id, task, attempt),
            )

    def attempts(self, run_id: str | None = None) -> list[TaskAttempt]:
        query = "SELECT * FROM task_attempts"
        args: tuple[Any, ...] = ()
        if run_id is not None:
            query, args = query + " WHERE run_id = ?", (run_id,)
        with self.connect() as db:
            rows = db.execute(query + " ORDER BY started_at, task, attempt", args).fetchall()
        return [TaskAttempt(**dict(row)) for row in rows]

    # --- lineage --------------------------------------------------------------------------------

    def add_lineage_event(
        self,
        run_id: str,
        event_type: str,
        event_json: str,
        task: str | None = None,
        attempt: int | None = None,
    ) -> str:
        """Keep one event, credentials masked; the text kept."""
        kept = redact(event_json) or ""
        with self.connect() as db:
            db.execute(
                "INSERT INTO lineage_events (run_id, task, attempt, event_type, event_time, "
                "event) VALUES (?,?,?,?,?,?)",
                (run_id, task, attempt, event_type, now(), kept),
            )
        return kept

    def lineage_events(self, run_id: str, task: str | None = None) -> list[dict[str, Any]]:
        """Events of a run (or of one of its tasks) in the order they were recorded."""
        query = "SELECT * FROM lineage_events WHERE run_id = ?"
        args: tuple[str, ...] = (run_id,)
        if task is not None:
            query, args = query + " AND task = ?", (run_id, task)
        with self.connect() as db:
            rows = db.execute(query + " ORDER BY id", args).fetchall()
        return [dict(row) for row in rows]

    # --- artifacts ------------------------------------------------------------------------------

    def add_artifact(self, record: ArtifactRecord) -> None:
        with self.connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO artifacts (run_id, task, output, artifact_name, "
                "artifact_type, file_name, path, sha256, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    record.run_id,
                    record.task,
                    record.output,
                    record.artifact_name,
                    record.artifact_type,
                    record.file_name,
                    record.path,
                    record.sha256,
                    record.created_at or now(),
                ),
            )

    def artifacts(self, run_id: str | None = None) -> list[ArtifactRecord]:
        query = "SELECT * FROM artifacts"
        args: tuple[Any, ...] = ()
        if run_id is not None:
            query, args = query + " WHERE run_id = ?", (run_id,)
        with self.connect() as db:
            rows = db.execute(query + " ORDER BY id", args).fetchall()
        records = [dict(row) for row in rows]
        return [ArtifactRecord(**{k: v for k, v in r.items() if k != "id"}) for r in records]
