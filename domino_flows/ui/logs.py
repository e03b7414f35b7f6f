"""A task's log tail for the pages, without a Domino connection.

A local job's log is read from its job folder through the local backend (the owner of where logs
live). A job that ran on Domino keeps its log on Domino: the page links to the job there rather
than asking Domino. Log text passes through ``redact``: a script may print its environment.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from domino_flows.core.errors import DominoFlowsError
from domino_flows.core.project import DOMINO_BACKEND
from domino_flows.core.redaction import redact
from domino_flows.records.store import TaskAttempt

TAIL_LINES = 200


@dataclass(frozen=True)
class LogTail:
    text: str
    note: str  # why there is no text, or ""
    url: str  # the job on Domino, when it ran there


def domino_url(attempt: TaskAttempt) -> str:
    """The attempt's job page on Domino (local jobs have a ``file:`` folder instead: no link)."""
    return attempt.url if attempt.url.startswith(("https://", "http://")) else ""


@functools.lru_cache(maxsize=8)
def _local_backend(root: Path) -> Any:
    """One per project: where job folders are does not change while pages are served, and a
    report reads the logs of every task."""
    from domino_flows.backends.local import LocalBackend

    return LocalBackend(root)


def log_tail(root: Path, backend: str, attempt: TaskAttempt, lines: int = TAIL_LINES) -> LogTail:
    url = domino_url(attempt)
    if backend == DOMINO_BACKEND or url:
        return LogTail(
            "",
            f"job {attempt.job_id} ran on Domino: its log is on Domino's job page",
            url,
        )
    if not attempt.job_id:
        return LogTail("", "the job has not started yet", "")
    try:
        backend_ = _local_backend(root)
        handle = backend_.handle_for(
            attempt.run_id, attempt.task, attempt.attempt, attempt.job_id, attempt.url
        )
        text = backend_.logs(handle, tail=lines)
    except (DominoFlowsError, OSError) as error:
        return LogTail("", f"the log of job {attempt.job_id} cannot be read: {error}", "")
    if not text:
        said = "wrote nothing to stdout or stderr" if attempt.finished_at else "wrote nothing yet"
        return LogTail("", f"job {attempt.job_id} {said}", "")
    return LogTail(redact(text) or "", "", "")
