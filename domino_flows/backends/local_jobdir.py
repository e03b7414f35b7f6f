"""A local job's folder as its record: ``job.json`` (what was started) and ``status.json`` (how
it ended).

The record, not the process object, is the truth: another process (the command line, a resumed
run) reads a job's status from it and can stop the job through the pid it names. Both files are
written aside and renamed into place, so a reader never sees half of one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
from pathlib import Path
from typing import Any

from domino_flows.backends import local_process as proc
from domino_flows.backends.base import JobState, JobStatus
from domino_flows.core.clock import now

JOB_FILE = "job.json"
STATUS_FILE = "status.json"


def slug(text: str) -> str:
    """A file-name-safe form of ``text``; a short hash keeps distinct names distinct."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "x"
    if cleaned != text:
        cleaned = f"{cleaned[:60]}-{hashlib.sha256(text.encode()).hexdigest()[:6]}"
    return cleaned


def write_json(path: Path, data: dict[str, Any]) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    temporary.write_text(json.dumps(data, indent=2, sort_keys=True))
    temporary.replace(path)


def started(directory: Path) -> bool:
    return (directory / JOB_FILE).exists()


def write_status(directory: Path, state: JobState, message: str, returncode: int | None) -> None:
    write_json(
        directory / STATUS_FILE,
        {"state": state.value, "message": message, "exit_code": returncode, "finished_at": now()},
    )


def recorded_status(directory: Path) -> JobStatus:
    """The status the folder records; a job whose starter vanished without recording an end
    is an Error, since nobody can collect it any more."""
    status_file = directory / STATUS_FILE
    if status_file.is_file():
        data = json.loads(status_file.read_text())
        return JobStatus(JobState(data["state"]), data.get("message", ""))
    job_file = directory / JOB_FILE
    if not job_file.is_file():
        return JobStatus(JobState.QUEUED, "the job has not been started")
    pid = json.loads(job_file.read_text()).get("pid")
    if pid and proc.pid_alive(pid):
        return JobStatus(JobState.RUNNING, "started by another process")
    return JobStatus(
        JobState.ERROR,
        f"the job's process ({pid}) ended without a recorded exit: the process that started it "
        "was interrupted. Run the task again.",
    )


def stop_recorded(directory: Path, grace: float) -> None:
    """Stop a job another process started (the command line stopping a run, for example)."""
    job_file = directory / JOB_FILE
    if (directory / STATUS_FILE).exists() or not job_file.is_file():
        return
    pid = json.loads(job_file.read_text()).get("pid")
    if pid and proc.session_alive(pid):
        proc.terminate_session(pid, grace)
        # the process that started the job records its end when it sees the exit
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            if (directory / STATUS_FILE).exists():
                return
            time.sleep(0.05)
    if not (directory / STATUS_FILE).exists():
        write_status(directory, JobState.STOPPED, "the job was stopped", None)
