"""A second Ctrl-C (or SIGTERM, SIGHUP) while a run is stopping: exit at once, on record.

The first signal stops the run the long way (each job is asked to stop and its end awaited, with
short budgets). Someone who presses Ctrl-C again wants the prompt back now: stop requests get a
second to go out, every attempt still open is recorded ``Stopping`` with its job id (its job may
still run, and ``resume`` deals with it first), the run is recorded Stopped, the usual line says
how to resume, and the process ends without waiting for anything more.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable

from domino_flows.backends.base import JobState
from domino_flows.core.errors import DominoFlowsError
from domino_flows.core.redaction import redact
from domino_flows.execution import recording, stopping
from domino_flows.execution.attempt import AttemptRecord
from domino_flows.execution.session import RunSession

# How long the second signal lets stop requests go out before the process ends: enough for a
# local job's SIGTERM or one answered request, short enough to feel immediate.
STOP_SEND_SECONDS = 1.0


def exit_now(
    session: RunSession, message: str, exit_code: int, stop_reporter: Callable[[], None]
) -> None:
    """Send what stops can go out within a second, record what is open as Stopping, the run as
    Stopped, say so, and end the process."""
    open_ = session.open_attempts()
    sender = threading.Thread(target=_send_stops, args=(session, open_), daemon=True)
    sender.start()
    sender.join(STOP_SEND_SECONDS)
    lines = []
    with contextlib.suppress(Exception):  # whatever fails here, the process still ends now
        for record in open_:
            if not record.job_id:
                continue
            note = f"the runner was ended before job {record.job_id} was seen stopping"
            stopping.record_stopping(
                session.project_root,
                record.run_id,
                record.task,
                record.attempt,
                "the run was stopped",
                note,
            )
            lines.append(f"job {record.job_id} ({record.task}) may still be running")
        recording.run_ended(
            session.project_root,
            session.run_id,
            session.flow,
            JobState.STOPPED,
            "the run was interrupted",
        )
    with contextlib.suppress(Exception):
        stop_reporter()
    with contextlib.suppress(OSError, ValueError):
        for line in lines:
            sys.stderr.write(f"{redact(line)}; resume stops it before the task runs again\n")
        sys.stderr.write((redact(message) or "") + "\n")
        sys.stderr.flush()
    os._exit(exit_code)


def _send_stops(session: RunSession, records: list[AttemptRecord]) -> None:
    for record in records:
        if record.job_id:
            with contextlib.suppress(DominoFlowsError, OSError):
                session.backend.stop(record.handle)
