"""One job node's attempts on a backend: stage, start, wait, collect, retry, time out, record.

Runs in a worker thread of the engine; it sees plain Python values (the engine converts literals)
and talks to the backend only through the JobBackend protocol. Every attempt is recorded through
``recording`` exactly as the connector records it, so ``runs``/``show``/``lineage`` read one format.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from domino_flows import lineage, recording
from domino_flows.artifacts_store import artifact_specs
from domino_flows.backends.base import JobBackend, JobHandle, JobSpec, JobState, JobStatus
from domino_flows.connector import DominoJobMetadata, failure_message
from domino_flows.errors import DominoFlowsError

LOG_TAIL_LINES = 20


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
    job_id: str = ""
    url: str = ""
    log_path: str = ""
    error: str = ""
    log_tail: str = ""
    error_file: str = ""
    artifacts: list[str] = field(default_factory=list)


class JobRunner:
    """Runs job attempts for one run; shared by the engine's worker threads."""

    def __init__(
        self,
        backend: JobBackend,
        project_root: Path,
        on_event: Callable[[AttemptEvent], None],
        stop_requested: threading.Event,
    ) -> None:
        self.backend = backend
        self.project_root = project_root
        self.on_event = on_event
        self.stop_requested = stop_requested
        self._active: dict[str, JobHandle] = {}
        self._lock = threading.Lock()

    def stop_all(self) -> None:
        with self._lock:
            handles = list(self._active.values())
        for handle in handles:
            # best effort while shutting down; the job's own status tells the rest
            with contextlib.suppress(DominoFlowsError):
                self.backend.stop(handle)

    def run(
        self,
        key: str,
        spec: JobSpec,
        values: dict[str, Any],
        output_variables: dict[str, Any],
        retries: int,
        timeout: _dt.timedelta | None,
        first_attempt: int = 1,
    ) -> JobOutcome:
        """Attempts ``first_attempt`` onwards (a resumed run continues its numbering, so no
        attempt reuses the job of one the killed runner left behind)."""
        outcome = JobOutcome(key=key, succeeded=False)
        input_refs = [
            lineage.dataset_ref(name, values[name], spec.input_types[name]) for name in values
        ]
        last = first_attempt + retries
        for attempt in range(first_attempt, last + 1):
            if self.stop_requested.is_set():
                outcome.error = outcome.error or "stopped before it started"
                return outcome
            attempt_spec = replace(spec, attempt=attempt)
            outcome.attempts = attempt
            self._attempt(attempt_spec, values, output_variables, timeout, input_refs, outcome)
            if outcome.succeeded or self.stop_requested.is_set():
                return outcome
            if attempt < last:
                self.on_event(
                    AttemptEvent(key, "retrying", attempt, outcome.job_id, message=outcome.error)
                )
        return outcome

    def _attempt(
        self,
        spec: JobSpec,
        values: dict[str, Any],
        output_variables: dict[str, Any],
        timeout: _dt.timedelta | None,
        input_refs: list[Any],
        outcome: JobOutcome,
    ) -> None:
        resolved = self.backend.resolve(spec)
        handle = self.backend.start(spec, self.backend.stage_inputs(spec, values))
        meta = DominoJobMetadata.for_attempt(
            self.backend.name, spec, handle, resolved, self.project_root, input_refs
        )
        recording.task_started(meta, self.backend, resolved)
        outcome.job_id, outcome.url = handle.job_id, handle.url
        outcome.log_path = handle.details.get("stdout", handle.url)
        with self._lock:
            self._active[outcome.key] = handle
        self.on_event(
            AttemptEvent(
                outcome.key,
                "running",
                spec.attempt,
                handle.job_id,
                handle.url,
                outcome.log_path,
                meta.environment,
                meta.hardware_tier,
            )
        )
        try:
            status = self._wait(handle, timeout)
        finally:
            with self._lock:
                self._active.pop(outcome.key, None)
        if status.state is JobState.SUCCEEDED:
            try:
                outcome.values = self.backend.collect_outputs(handle, spec)
            except DominoFlowsError as error:
                status = JobStatus(JobState.FAILED, str(error))
            else:
                artifacts = artifact_specs(output_variables)
                refs = [
                    lineage.dataset_ref(name, value, spec.output_types[name], artifacts.get(name))
                    for name, value in outcome.values.items()
                ]
                recording.task_ended(meta, status, refs)
                outcome.succeeded = True
                outcome.artifacts = sorted(a["name"] for a in artifacts.values())
                self.on_event(AttemptEvent(outcome.key, "succeeded", spec.attempt, handle.job_id))
                return
        tail = self.backend.logs(handle, tail=LOG_TAIL_LINES)
        outcome.error = status.message or f"job ended {status.state.value}"
        outcome.log_tail = tail
        outcome.error_file = _error_text(handle)
        recording.task_ended(meta, JobStatus(status.state, failure_message(status, tail)), [])
        state = "stopped" if status.state is JobState.STOPPED else "failed"
        self.on_event(
            AttemptEvent(outcome.key, state, spec.attempt, handle.job_id, message=outcome.error)
        )

    def _wait(self, handle: JobHandle, timeout: _dt.timedelta | None) -> JobStatus:
        """Until the job ends, the task's timeout passes, or the run is stopped."""
        deadline = time.monotonic() + timeout.total_seconds() if timeout else None
        wait = getattr(self.backend, "wait", None)
        delay = 0.05
        while True:
            if self.stop_requested.is_set():
                self.backend.stop(handle)
                return self.backend.status(handle)
            if deadline is not None and time.monotonic() >= deadline:
                self.backend.stop(handle)
                return JobStatus(
                    JobState.FAILED,
                    f"task {handle.task!r} timed out after {timeout}; it was stopped. Raise the "
                    "task's timeout or make it faster.",
                )
            slice_ = 0.5 if deadline is None else max(0.0, min(0.5, deadline - time.monotonic()))
            if callable(wait):
                status = wait(handle, slice_)
            else:
                status = self.backend.status(handle)
                if not status.is_terminal:
                    # remote backends: back off, with jitter, up to a few seconds
                    time.sleep(min(delay, slice_ or delay) * random.uniform(0.8, 1.2))
                    delay = min(delay * 2, 5.0)
            if status.is_terminal:
                return status


def _error_text(handle: JobHandle) -> str:
    job_dir = handle.details.get("job_dir")
    if not job_dir:
        return ""
    path = Path(job_dir) / "outputs" / "_ERROR"
    return path.read_text(encoding="utf-8", errors="replace").strip() if path.is_file() else ""
