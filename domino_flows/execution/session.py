"""A run: its id, its attempt numbers, the attempts still open, and its own lineage.

Both drivers hold one: the runner one per ``domino-flows run``/``resume``, the connector one per
process (flytekit's local execution never says when a run ends; the process ending is the closest
thing). Closing a session stops and records every attempt still open, then records the run's end
with the state the driver says, so a run is Succeeded only when its driver saw it succeed.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from domino_flows.backends.base import JobBackend, JobState
from domino_flows.core.project import ProjectSettings
from domino_flows.execution import attempt as attempts
from domino_flows.execution import reconcile as leftovers
from domino_flows.execution import recording, run_context, tracking
from domino_flows.execution.attempt import AttemptRecord
from domino_flows.records.store import RunStore

logger = logging.getLogger(__name__)


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
        # how long resume waits for a stopped job to end, and how often it looks (tests shorten)
        self.stop_wait_seconds = leftovers.STOP_WAIT_SECONDS
        self.look_interval = leftovers.LOOK_INTERVAL_SECONDS

    # --- the run -------------------------------------------------------------------------------

    def begin(self) -> None:
        """Record the run as running (again, for a resumed run) and its START event."""
        with self._lock:
            if self._begun:
                return
            self._begun = True
        # first: a wrong [tool.domino_flows.tracking] stops the run before anything is recorded
        tracking.run_started(self.project_root, self.run_id, self.flow, self.backend)
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
        self.stop_open("the run ended before this task did")
        recording.run_ended(self.project_root, self.run_id, self.flow, state, error)
        tracking.run_ended(self.project_root, self.run_id, state is JobState.SUCCEEDED)

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
        """Stop the jobs of attempts still open: recorded Stopped once seen ending, else
        Stopping with what is known (``stopping``)."""
        for record in self.open_attempts():
            try:
                attempts.stop(self.backend, record, why)
            except (sqlite3.Error, OSError) as error:
                logger.warning(
                    "domino-flows could not record the stop of %s: %s", record.task, error
                )
            self.closed(record)

    # --- what an earlier process left ----------------------------------------------------------

    def reconcile(self, say: Callable[[str], None] | None = None) -> list[str]:
        """Attempts an interrupted runner left open (started, stopping, or with a start in
        flight): find their jobs, stop them and wait for them to end, and record them Stopped,
        so a task never runs twice at once. ``say`` hears a line before each wait. Returns a
        line per attempt closed; raises JobStillRunning (recording the attempt Stopping) when
        a job could not be stopped or did not end in time, before anything starts again."""
        return leftovers.reconcile(self, say or (lambda line: None))
