"""A local job once started: the thread that waits for its exit and records how it ended, the
one watcher enforcing hardware tiers' memory, and stopping (see ``local.py`` for the layout).

Domino ends every process of a job with the job: when a job's first process exits, whatever it
left running in its session is killed before ``status.json`` is written.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from domino_flows.backends import lifecycle, local_mounts, local_warm
from domino_flows.backends import local_jobdir as jobdir
from domino_flows.backends import local_process as proc
from domino_flows.backends.base import JobHandle, JobState, JobStatus
from domino_flows.contract import formats
from domino_flows.core.project import HardwareTierSettings

KIT_PREFIX = "[domino-flows]"


@dataclass
class _Job:
    """A job started by this process."""

    handle: JobHandle
    directory: Path
    popen: subprocess.Popen[bytes]
    tier: HardwareTierSettings
    log_files: list[IO[bytes]]
    tags: frozenset[str] = frozenset()  # in its job.json since it started
    status: JobStatus | None = None  # as its status.json records it, once it ended
    done: threading.Event = field(default_factory=threading.Event)
    lock: threading.RLock = field(default_factory=threading.RLock)
    stop_requested: bool = False
    memory_exceeded: int | None = None  # bytes in use when the limit was crossed


class JobWatching:
    """Mixed into the local backend: its started jobs, watched until they end."""

    stop_grace: float
    poll_interval: float
    _jobs: dict[str, _Job]
    _lock: threading.Lock
    _monitor: threading.Thread | None
    _warm: local_warm.WarmLauncher | None

    if TYPE_CHECKING:  # the backend's own

        def close(self) -> None: ...

    def _track(self, job: _Job) -> None:
        """Watch a started job: a thread waits for its exit, another enforces tier memory."""
        with self._lock:
            self._jobs[job.handle.job_id] = job
            lifecycle.opened(self)  # again, in case it was closed and used anew
            limited = job.tier.memory_bytes is not None
            if limited and not proc.memory_monitoring_available():
                limited = False
                _kit_log(job, "memory limits need /proc (Linux); this job's is not enforced")
            if limited and (self._monitor is None or not self._monitor.is_alive()):
                self._monitor = threading.Thread(
                    target=self._watch_memory, name="domino-flows-job-memory", daemon=True
                )
                self._monitor.start()
        threading.Thread(
            target=lambda: self._finish(job, job.popen.wait()),
            name=f"domino-flows-job-{job.popen.pid}",
            daemon=True,
        ).start()

    def stop(self, handle: JobHandle) -> None:
        job = self._jobs.get(handle.job_id)
        if job is None:
            jobdir.stop_recorded(Path(handle.details["job_dir"]), self.stop_grace)
            return
        with job.lock:
            if job.done.is_set():
                return
            job.stop_requested = True
        _kit_log(job, "stop requested: terminating the job's processes")
        proc.terminate_session(job.popen.pid, self.stop_grace)
        self._finish(job, job.popen.wait())

    def _watch_memory(self) -> None:
        """One thread for all of this backend's jobs with a memory limit: a /proc scan a tick."""
        while True:
            with self._lock:
                limited = [
                    job
                    for job in self._jobs.values()
                    if not job.done.is_set() and job.tier.memory_bytes is not None
                ]
                if not limited:
                    self._monitor = None
                    return
            usage = proc.sessions_memory({job.popen.pid for job in limited})
            for job in limited:
                used, limit = usage.get(job.popen.pid, 0), job.tier.memory_bytes
                if limit is not None and used > limit and not job.stop_requested:
                    self._kill_for_memory(job, used)
            time.sleep(self.poll_interval)

    def _kill_for_memory(self, job: _Job, used: int) -> None:
        with job.lock:
            if job.done.is_set():
                return
            job.memory_exceeded = used
        _kit_log(
            job,
            f"job used {used / 1024**2:.0f} MiB, more than the {job.tier.memory_text} of "
            f"hardware tier {job.tier.name!r}: killing it",
        )
        proc.terminate_session(job.popen.pid, 0)
        self._finish(job, job.popen.wait())

    def stop_all(self) -> None:
        """Stop every job this backend started that still runs (at exit, or on request)."""
        for job in list(self._jobs.values()):
            if not job.done.is_set():
                self.stop(job.handle)
        if self._warm is not None:
            self._warm.close()  # ended and reaped, rather than left to outlive the runner

    def _finish(self, job: _Job, returncode: int) -> None:
        with job.lock:
            if job.done.is_set():
                return
            # Domino ends every process of a job with the job: so do we.
            proc.signal_session(job.popen.pid, signal.SIGKILL)
            task = job.handle.task
            if job.memory_exceeded is not None:
                state = JobState.FAILED
                message = (
                    f"task {task!r} exceeded hardware tier {job.tier.name!r} memory "
                    f"({job.tier.memory_text})"
                )
            elif job.stop_requested:
                state, message = JobState.STOPPED, f"task {task!r} was stopped"
            elif returncode == -signal.SIGTERM:  # stopped from outside: another process or user
                state, message = JobState.STOPPED, f"task {task!r} was stopped (SIGTERM)"
            elif returncode == 0:
                state, message = JobState.SUCCEEDED, ""
            else:
                state = JobState.FAILED
                message = _failure_message(task, returncode, job.directory)
            for handle in job.log_files:
                handle.close()
            jobdir.write_status(job.directory, state, message, returncode)
            job.status = JobStatus(state, message)
            job.done.set()


def _failure_message(task: str, returncode: int, directory: Path) -> str:
    hint = local_mounts.explain_failure(task, directory)
    if hint:
        return hint
    if returncode < 0:
        reason = f"was killed by signal {-returncode}"
    else:
        reason = f"exited with code {returncode}"
    message = f"task {task!r} failed: its command {reason}"
    error = formats.read_error_file(directory / "outputs")
    if error:
        message += f"; _ERROR: {error.strip()}"
    return message


def _kit_log(job: _Job, text: str) -> None:
    """A line of our own in the job's stderr log, so the log tells the whole story."""
    with (job.directory / "stderr.log").open("a", encoding="utf-8") as handle:
        handle.write(f"{KIT_PREFIX} {text}\n")
