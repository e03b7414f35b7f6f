"""Stopping an attempt's job, and recording only what is known about it.

A stop is a request: Domino stops a job's container asynchronously, a request can fail to reach
a deployment that is down, and a job whose stop was never confirmed may still run (and succeed).
So an attempt is recorded ``Stopped`` only once its backend reports the job ended; until then it
is ``Stopping``, with the job id and what happened to the stop request, and ``resume`` stops that
job, or waits for it to end, before the task starts again (``RunSession.reconcile``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from domino_flows.backends.base import JobBackend, JobHandle, JobState, JobStatus
from domino_flows.core.errors import DominoFlowsError
from domino_flows.core.redaction import redact
from domino_flows.execution import recording
from domino_flows.records.store import RunStore

# The recorded state of an attempt whose job was asked to stop and was not seen ending.
STOPPING = "Stopping"

# How long a runner that stops waits for a stopped job to be reported ended before it records
# the attempt Stopping and goes on (Ctrl-C must end the command within seconds).
CONFIRM_SECONDS = 3.0


@dataclass
class StopOutcome:
    """What became of one stop: ``ended`` once the backend reported the job's end (``status``);
    else ``note`` says what is known (the request failed, or the job had not ended yet)."""

    ended: bool
    note: str
    status: JobStatus | None = None


def stop_and_confirm(backend: JobBackend, handle: JobHandle, confirm_seconds: float) -> StopOutcome:
    """Send the stop, then wait at most ``confirm_seconds`` for the job to be reported ended."""
    job = handle.job_id
    try:
        backend.stop(handle)
    except DominoFlowsError as error:
        return StopOutcome(False, f"the stop request for job {job} could not be sent ({error})")
    try:
        status = backend.wait(handle, confirm_seconds)
    except DominoFlowsError as error:
        return StopOutcome(
            False,
            f"a stop was sent to job {job}, and whether it ended could not be seen ({error})",
        )
    if status.is_terminal:
        return StopOutcome(True, "", status)
    return StopOutcome(
        False,
        f"a stop was sent to job {job}, which had not ended {confirm_seconds:g} s later",
    )


def record_stopping(
    project_root: Path, run_id: str, task: str, attempt: int, why: str, note: str
) -> str:
    """Record an attempt ``Stopping`` (its job may still run) and return the sentence kept."""
    text = (
        f"{why}; {note}. It may still be running: `domino-flows resume {run_id}` stops it, or "
        "waits for it to end, before the task runs again"
    )
    RunStore.for_project(project_root).mark_stopping(run_id, task, attempt, text)
    return redact(text) or ""


def record_stopped(info: recording.AttemptInfo, why: str) -> None:
    recording.task_ended(info, JobStatus(JobState.STOPPED, why), [])
