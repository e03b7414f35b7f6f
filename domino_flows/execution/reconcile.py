"""What an interrupted runner left open, dealt with before a resumed run starts anything.

An attempt with no finished time is open: ``Starting`` (the runner died before or during its
start request), ``Running``, or ``Stopping`` (a stop was asked for and not seen to take effect).
Before any task runs again:

- an attempt without a job id may have a start still in flight: its job can appear on Domino
  seconds later, so its marker is looked for through the backend's settle window, the same one a
  live runner gives a start whose answer was lost;
- every job found is asked to stop, and the resume waits (bounded, saying so) until the backend
  reports it ended; only then is the attempt recorded Stopped.

A job that cannot be stopped (the deployment does not answer) or does not end in time leaves its
attempt ``Stopping`` and ends the resume with :class:`JobStillRunning`: two jobs of one task
never run at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from domino_flows.authoring.config import DominoJobConfig
from domino_flows.backends.base import JobHandle, JobSpec, JobStatus
from domino_flows.core.errors import DominoFlowsError
from domino_flows.execution import stopping
from domino_flows.execution.attempt import AttemptRecord
from domino_flows.records.store import TaskAttempt

if TYPE_CHECKING:
    from domino_flows.execution.session import RunSession

# How long resume waits for the jobs it stopped to end before it gives up (and starts nothing).
STOP_WAIT_SECONDS = 120.0
# How often resume looks again for a late job, and at a stopping job's status.
LOOK_INTERVAL_SECONDS = 1.0


class JobStillRunning(DominoFlowsError):
    """A job an interrupted runner left could not be stopped, or had not ended in time: the
    resumed run starts nothing, so the task never has two jobs at once."""


@dataclass
class _Open:
    row: TaskAttempt
    handle: JobHandle | None


def reconcile(session: RunSession, say: Callable[[str], None]) -> list[str]:
    rows = [r for r in session.store.attempts(session.run_id) if r.finished_at is None]
    if not rows:
        return []
    open_ = [_Open(row, _recorded_handle(session, row)) for row in rows]
    _find_late_jobs(session, [o for o in open_ if o.handle is None], say)
    said = []
    for item in open_:
        if item.handle is None:
            why = "the runner was interrupted before this attempt's job started"
            stopping.record_stopped(_record(session, item.row, None), why)
            said.append(f"{item.row.task} attempt {item.row.attempt}: {why}")
    jobs = [o for o in open_ if o.handle is not None]
    if jobs:
        said.extend(_stop_and_wait(session, jobs, say))
    return said


def _recorded_handle(session: RunSession, row: TaskAttempt) -> JobHandle | None:
    if not row.job_id:
        return None
    return session.backend.handle_for(row.run_id, row.task, row.attempt, row.job_id, row.url)


def _find_late_jobs(session: RunSession, pending: list[_Open], say: Callable[[str], None]) -> None:
    """Look for the jobs of starts that were in flight, through the backend's settle window."""
    if not pending:
        return
    settle = session.backend.start_settle_seconds
    if settle > 0:
        names = ", ".join(f"{o.row.task} attempt {o.row.attempt}" for o in pending)
        say(
            f"looking for jobs whose start was in flight when the runner was interrupted "
            f"({names}), for up to {settle:g} s, before anything starts again..."
        )
    deadline = time.monotonic() + settle
    while True:
        for item in pending:
            if item.handle is not None:
                continue
            spec = JobSpec(session.run_id, session.flow, item.row.task, DominoJobConfig(Command=""))
            handle = session.backend.find_attempt_job(replace(spec, attempt=item.row.attempt))
            if handle is not None:
                item.handle = handle
                session.store.set_attempt_job(
                    item.row.run_id, item.row.task, item.row.attempt, handle.job_id, handle.url
                )
        if all(o.handle is not None for o in pending) or time.monotonic() >= deadline:
            return
        time.sleep(min(session.look_interval, max(0.0, deadline - time.monotonic())))


def _stop_and_wait(session: RunSession, jobs: list[_Open], say: Callable[[str], None]) -> list[str]:
    backend = session.backend
    failed: list[str] = []
    waiting: list[_Open] = []
    for item in jobs:
        assert item.handle is not None
        try:
            backend.stop(item.handle)
        except DominoFlowsError as error:
            note = f"the stop request for job {item.handle.job_id} could not be sent ({error})"
            failed.append(_still_open(session, item, note))
        else:
            waiting.append(item)
    if waiting:
        listed = ", ".join(f"{o.handle.job_id} ({o.row.task})" for o in waiting if o.handle)
        say(
            f"waiting for the jobs an interrupted runner left to stop: {listed} "
            f"(up to {session.stop_wait_seconds:g} s)..."
        )
    deadline = time.monotonic() + session.stop_wait_seconds
    said = []
    for item in waiting:
        assert item.handle is not None
        left = max(0.0, deadline - time.monotonic())
        try:
            status = _wait_until_ended(session, item.handle, left)
        except DominoFlowsError as error:
            note = (
                f"a stop was sent to job {item.handle.job_id}; its end could not be seen ({error})"
            )
            failed.append(_still_open(session, item, note))
            continue
        if status is None:
            note = (
                f"a stop was sent to job {item.handle.job_id}, which had not ended "
                f"{session.stop_wait_seconds:g} s later"
            )
            failed.append(_still_open(session, item, note))
            continue
        why = (
            f"the runner that started job {item.handle.job_id} was interrupted; the job was "
            "stopped, and had ended, before the run went on"
        )
        stopping.record_stopped(_record(session, item.row, item.handle), why)
        said.append(f"{item.row.task} attempt {item.row.attempt}: {why}")
    if failed:
        raise JobStillRunning(
            f"run {session.run_id} was not resumed: " + "; ".join(failed) + ". Nothing was "
            f"started. Resume again once the job has ended (or Domino answers): "
            f"domino-flows resume {session.run_id}"
        )
    return said


def _wait_until_ended(session: RunSession, handle: JobHandle, seconds: float) -> JobStatus | None:
    """The job's final status once the backend reports it ended; None if not within
    ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        status = session.backend.wait(handle, min(session.look_interval, seconds))
        if status.is_terminal:
            return status
        if time.monotonic() >= deadline:
            return None


def _still_open(session: RunSession, item: _Open, note: str) -> str:
    why = "the runner that started this job was interrupted"
    stopping.record_stopping(
        session.project_root, item.row.run_id, item.row.task, item.row.attempt, why, note
    )
    return f"{item.row.task} attempt {item.row.attempt}: {note}"


def _record(session: RunSession, row: TaskAttempt, handle: JobHandle | None) -> AttemptRecord:
    return AttemptRecord(
        backend=session.backend.name,
        job_id=handle.job_id if handle else "",
        run_id=row.run_id,
        task=row.task,
        attempt=row.attempt,
        flow=session.flow,
        url=handle.url if handle else row.url,
        project_root=str(Path(session.project_root)),
        details=dict(handle.details) if handle else {},
        environment=row.environment or "",
        hardware_tier=row.hardware_tier or "",
        started_at=row.started_at,
    )
