"""One job node's attempts: the execution core's attempt lifecycle, with retries and a timeout.

Runs in a worker thread of the engine; it sees plain Python values (the engine converts literals)
and talks to the backend only through the JobBackend protocol. Starting, collecting and recording
an attempt is the execution core's (``execution/attempt.py``), exactly as for the connector.
Any failure of a backend call is a failed attempt: the task's retries apply.
"""

from __future__ import annotations

import datetime as _dt
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from domino_flows.backends.base import JobHandle, JobSpec, JobState, JobStatus
from domino_flows.core.errors import DominoFlowsError
from domino_flows.core.paths import disk_full_problem, is_disk_full
from domino_flows.core.redaction import redact
from domino_flows.execution import attempt as attempts
from domino_flows.execution.attempt import AttemptResult
from domino_flows.execution.session import RunSession
from domino_flows.runner.slots import Lease

# How long one wait on a job lasts before the worker looks at the stop flag and the deadline.
WAIT_SLICE_SECONDS = 0.25


@dataclass
class AttemptEvent:
    """What the progress display hears about a job: one per state change."""

    key: str
    state: str  # "running", "retrying", "succeeded", "failed", "stopped"
    attempt: int
    job_id: str = ""
    url: str = ""
    log_path: str = ""
    environment: str = ""
    hardware_tier: str = ""
    message: str = ""


@dataclass
class JobOutcome:
    key: str
    succeeded: bool
    values: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0
    jobs_started: int = 0  # attempts whose job really started (a refused start has none)
    job_id: str = ""
    url: str = ""
    log_path: str = ""
    error: str = ""
    log_tail: str = ""
    error_file: str = ""
    artifacts: list[str] = field(default_factory=list)
    stopped: bool = False
    job_may_run: bool = False  # the last attempt's job was not seen stopping: no retry


class JobRunner:
    """Runs job attempts for one run; shared by the engine's worker threads."""

    def __init__(
        self,
        session: RunSession,
        on_event: Callable[[AttemptEvent], None],
        stop_requested: threading.Event,
    ) -> None:
        self.session = session
        self.backend = session.backend
        self.on_event = on_event
        self.stop_requested = stop_requested

    def run(
        self,
        key: str,
        spec: JobSpec,
        values: dict[str, Any],
        output_variables: dict[str, Any],
        retries: int,
        timeout: _dt.timedelta | None,
        lease: Lease | None = None,
    ) -> JobOutcome:
        """The task's attempts until one succeeds, its retries run out or the run stops.
        Attempt numbers come from the run session, so a resumed run continues them. ``lease``
        holds the job's scheduling slots: given back as each job's process ends, taken again
        before a retry's job starts."""
        outcome = JobOutcome(key=key, succeeded=False)
        for remaining in range(retries, -1, -1):
            if lease is not None:
                lease.take_again(self.stop_requested)  # refused only once the run is stopping
            if self.stop_requested.is_set():
                outcome.stopped = True
                outcome.error = outcome.error or "the run was stopped before this task started"
                return outcome
            attempt_spec = replace(spec, attempt=self.session.next_attempt(spec.task))
            outcome.attempts += 1
            try:
                self._attempt(attempt_spec, values, output_variables, timeout, outcome, lease)
            except (DominoFlowsError, OSError, sqlite3.Error) as error:
                # recording the attempt's end failed (a full disk, a locked store): the node
                # fails with that, rather than the worker thread with a traceback
                failure = error if isinstance(error, DominoFlowsError) else _unexpected(error)
                outcome.error = redact(f"task {spec.task!r}: {failure}") or ""
                return outcome
            if outcome.succeeded or outcome.stopped or outcome.job_may_run:
                return outcome  # a job that may still run gets no second job beside it
            if remaining:
                self.on_event(
                    AttemptEvent(
                        key, "retrying", attempt_spec.attempt, outcome.job_id, message=outcome.error
                    )
                )
        return outcome

    def _attempt(
        self,
        spec: JobSpec,
        values: dict[str, Any],
        output_variables: dict[str, Any],
        timeout: _dt.timedelta | None,
        outcome: JobOutcome,
        lease: Lease | None = None,
    ) -> None:
        record = attempts.new_record(self.backend, spec, self.session.project_root)
        try:
            attempts.start(self.backend, spec, values, self.session.project_root, record)
        except DominoFlowsError as error:  # start() recorded the failure
            self._ended(outcome, spec, AttemptResult(record, JobState.FAILED, error=str(error)))
            return
        except Exception as error:
            # The worker thread's boundary: whatever went wrong is this attempt's failure, on
            # record, rather than an exception that leaves the attempt "Starting" forever.
            self._ended(outcome, spec, attempts.fail(self.backend, record, _unexpected(error)))
            return
        self.session.opened(record)
        outcome.jobs_started += 1
        handle = record.handle
        outcome.job_id, outcome.url = handle.job_id, handle.url
        outcome.log_path = handle.details.get("stdout", handle.url)
        self.on_event(
            AttemptEvent(
                outcome.key,
                "running",
                spec.attempt,
                handle.job_id,
                handle.url,
                outcome.log_path,
                record.environment,
                record.hardware_tier,
            )
        )
        try:
            status = self._wait(handle, timeout)
            if status.state is JobState.STOPPED and self.stop_requested.is_set():
                result = attempts.stop(self.backend, record, "the run was stopped")
            else:
                if lease is not None:
                    lease.give_back()  # the job's process has ended: recording it is ours
                result = attempts.finish(self.backend, record, status, spec, output_variables)
        except DominoFlowsError as error:
            if self.stop_requested.is_set():  # a call cut short by the stop (see interrupt)
                result = attempts.stop(self.backend, record, "the run was stopped")
            else:
                result = attempts.fail(self.backend, record, error)
        except Exception as error:  # the thread's boundary (see above)
            result = attempts.fail(self.backend, record, _unexpected(error))
        finally:
            self.session.closed(record)
        self._ended(outcome, spec, result)

    def _ended(self, outcome: JobOutcome, spec: JobSpec, result: AttemptResult) -> None:
        if result.succeeded:
            outcome.succeeded = True
            outcome.values = result.values
            outcome.artifacts = result.artifacts
            self.on_event(AttemptEvent(outcome.key, "succeeded", spec.attempt, outcome.job_id))
            return
        outcome.error = redact(result.error) or ""  # shown on the console and in the summary
        outcome.job_may_run = result.job_may_run
        outcome.log_tail = result.log_tail
        outcome.error_file = result.error_file
        outcome.stopped = result.state is JobState.STOPPED and self.stop_requested.is_set()
        state = "stopped" if result.state is JobState.STOPPED else "failed"
        self.on_event(
            AttemptEvent(outcome.key, state, spec.attempt, outcome.job_id, message=outcome.error)
        )

    def _wait(self, handle: JobHandle, timeout: _dt.timedelta | None) -> JobStatus:
        """Until the job ends, the task's timeout passes, or the run is stopped."""
        deadline = time.monotonic() + timeout.total_seconds() if timeout else None
        while True:
            if self.stop_requested.is_set():  # attempts.stop sends the stop and records it
                return JobStatus(JobState.STOPPED, "the run was stopped")
            if deadline is not None and time.monotonic() >= deadline:
                # attempts.fail stops the job and says whether it was seen ending
                raise TaskTimedOut(
                    f"timed out after {timeout}. Raise the task's timeout or make it faster."
                )
            slice_ = WAIT_SLICE_SECONDS
            if deadline is not None:
                slice_ = max(0.0, min(slice_, deadline - time.monotonic()))
            status = self.backend.wait(handle, slice_)
            if status.is_terminal:
                return status


class TaskTimedOut(DominoFlowsError):
    """A job ran past its task's timeout."""


def _unexpected(error: Exception) -> DominoFlowsError:
    if is_disk_full(error):
        assert isinstance(error, OSError)
        return DominoFlowsError(f"{disk_full_problem(error)}, then resume the run.")
    return DominoFlowsError(
        f"{type(error).__name__}: {error}. This is a failure of domino-flows or of the backend, "
        "not of the task: run again, and report it if it repeats."
    )
