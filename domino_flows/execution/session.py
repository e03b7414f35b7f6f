"""A run: its id, its attempt numbers, the attempts still open, and its own lineage.

Both drivers hold one: the runner one per ``domino-flows run``/``resume``, the connector one per
process (flytekit's local execution never says when a run ends; the process ending is the closest
thing). Closing a session stops and records every attempt still open, then records the run's end
with the state the driver says, so a run is Succeeded only when its driver saw it succeed.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from dataclasses import replace
from pathlib import Path

from domino_flows.backends.base import JobBackend, JobHandle, JobSpec, JobState, JobStatus
from domino_flows.config import DominoJobConfig
from domino_flows.errors import DominoFlowsError
from domino_flows.execution import attempt as attempts
from domino_flows.execution import recording, run_context
from domino_flows.execution.attempt import AttemptRecord
from domino_flows.project import ProjectSettings
from domino_flows.records import RunStore

logger = logging.getLogger(__name__)

# How long closing a run waits for a stopped job to say it ended before recording it Stopped.
STOP_WAIT_SECONDS = 3.0


class RunSession:
    def __init__(
        self,
        project_root: Path,
        run_id: str,
        flow: str,
        backend: JobBackend,
        settings: ProjectSettings | None = None,
    ) -> None:
        self.project_root = project_root
        self.run_id = run_id
        self.flow = flow
        self.backend = backend
        # The run's settings and lineage emitter, for every attempt and event of the run.
        self.context = run_context.open_run(project_root, run_id, settings)
        self.store = RunStore.for_project(project_root)
        self._lock = threading.Lock()
        self._numbers: dict[str, int] = {}
        self._open: dict[tuple[str, str, int], AttemptRecord] = {}
        self._begun = False
        self._closed = False

    # --- the run -------------------------------------------------------------------------------

    def begin(self) -> None:
        """Record the run as running (again, for a resumed run) and its START event."""
        with self._lock:
            if self._begun:
                return
            self._begun = True
        recording.run_started(self.project_root, self.run_id, self.flow, self.backend.name)
        for attempt in self.store.attempts(self.run_id):
            known = self._numbers.get(attempt.task, 0)
            self._numbers[attempt.task] = max(known, attempt.attempt)

    def close(self, state: JobState, error: str | None = None) -> None:
        """Stop and record every attempt still open, then record the run's end once."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self.stop_open("the run ended before this task did; its job was stopped")
        recording.run_ended(self.project_root, self.run_id, self.flow, state, error)

    # --- attempts ------------------------------------------------------------------------------

    def next_attempt(self, task: str) -> int:
        """The next attempt number of ``task``: numbering continues across resumes, so no attempt
        reuses the job of one an interrupted runner left behind."""
        with self._lock:
            self._numbers[task] = self._numbers.get(task, 0) + 1
            return self._numbers[task]

    def reserve(self, task: str, first: int) -> None:
        """Make the next number at least ``first`` (flytekit passes its own retry numbers)."""
        with self._lock:
            self._numbers[task] = max(self._numbers.get(task, 0), first - 1)

    def opened(self, record: AttemptRecord) -> None:
        with self._lock:
            self._open[record.key] = record

    def closed(self, record: AttemptRecord) -> None:
        with self._lock:
            self._open.pop(record.key, None)

    def open_attempts(self) -> list[AttemptRecord]:
        with self._lock:
            return list(self._open.values())

    def stop_open(self, why: str) -> None:
        """Stop the jobs of attempts still open and record them Stopped."""
        for record in self.open_attempts():
            try:
                attempts.stop(self.backend, record, why)
            except (sqlite3.Error, OSError) as error:
                logger.warning(
                    "domino-flows could not record the stop of %s: %s", record.task, error
                )
            self.closed(record)

    # --- what an earlier process left ----------------------------------------------------------

    def reconcile(self) -> list[str]:
        """Attempts an interrupted runner left open (started, or with a start in flight): stop
        their jobs, wait briefly for them to end, and record them Stopped, so a task never runs
        twice at once. Returns a line per attempt closed."""
        said = []
        for row in self.store.attempts(self.run_id):
            if row.finished_at is not None:
                continue
            handle: JobHandle | None
            if row.job_id:
                handle = self.backend.handle_for(
                    row.run_id, row.task, row.attempt, row.job_id, row.url
                )
            else:  # the runner died while the start request was in flight
                spec = JobSpec(self.run_id, self.flow, row.task, DominoJobConfig(Command=""))
                handle = self.backend.find_attempt_job(replace(spec, attempt=row.attempt))
                if handle is not None:
                    self.store.set_attempt_job(
                        row.run_id, row.task, row.attempt, handle.job_id, handle.url
                    )
            record = AttemptRecord(
                backend=self.backend.name,
                job_id=handle.job_id if handle else "",
                run_id=row.run_id,
                task=row.task,
                attempt=row.attempt,
                flow=self.flow,
                url=handle.url if handle else row.url,
                project_root=str(self.project_root),
                details=dict(handle.details) if handle else {},
                environment=row.environment or "",
                hardware_tier=row.hardware_tier or "",
                started_at=row.started_at,
            )
            if handle is not None:
                with contextlib.suppress(DominoFlowsError):
                    self.backend.stop(handle)
                    self.backend.wait(handle, STOP_WAIT_SECONDS)
                why = (
                    f"the runner that started job {handle.job_id} was interrupted; the job was "
                    "stopped before the run went on"
                )
            else:
                why = "the runner was interrupted before this attempt's job started"
            recording.task_ended(record, JobStatus(JobState.STOPPED, why), [])
            said.append(f"{row.task} attempt {row.attempt}: {why}")
        return said
