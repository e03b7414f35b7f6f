"""One task attempt: resolve, stage, start, (the caller waits,) collect, record.

Every end of an attempt is recorded, however it ends: a job that failed, outputs that broke the
contract, a backend call that failed before or after the job started. A job this attempt started
is never left running unrecorded: failures after the start stop it.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domino_flows.backends.base import (
    JobBackend,
    JobHandle,
    JobSpec,
    JobState,
    JobStatus,
    ResolvedJob,
)
from domino_flows.core.clock import now
from domino_flows.core.errors import DominoFlowsError
from domino_flows.core.redaction import redact
from domino_flows.execution import promotion, recording, stopping, tracking
from domino_flows.execution.attempt_record import LOG_TAIL_LINES, AttemptRecord, failure_message
from domino_flows.records import lineage
from domino_flows.records.artifacts_store import artifact_specs
from domino_flows.records.store import RunStore

logger = logging.getLogger(__name__)


@dataclass
class AttemptResult:
    """How an attempt ended, for the driver (the runner's worker, the connector's ``get``)."""

    record: AttemptRecord
    state: JobState
    values: dict[str, Any] = field(default_factory=dict)
    outputs: list[Any] = field(default_factory=list)  # lineage.DatasetRef of each output
    error: str = ""  # the job's own message (or the failure's), short
    message: str = ""  # what was recorded: the error and the end of the job's log
    error_file: str = ""
    log_tail: str = ""
    artifacts: list[str] = field(default_factory=list)
    # the job's stop was not seen taking effect (recorded Stopping): it may still run, so the
    # task must not start another attempt beside it
    job_may_run: bool = False

    @property
    def succeeded(self) -> bool:
        return self.state is JobState.SUCCEEDED


def new_record(backend: JobBackend, spec: JobSpec, project_root: Path) -> AttemptRecord:
    return AttemptRecord(
        backend=backend.name,
        job_id="",
        run_id=spec.run_id,
        task=spec.task,
        attempt=spec.attempt,
        flow=spec.flow,
        project_root=str(project_root),
        output_paths=dict(spec.output_paths),
        command=spec.config.Command,
        environment=spec.config.EnvironmentName or spec.config.EnvironmentId or "",
        hardware_tier=spec.config.HardwareTierName or spec.config.HardwareTierId or "",
        started_at=now(),
        job_settings=_settings_text(spec.config),
    )


_SETTINGS_KEPT = 64
_settings_texts: dict[int, tuple[Any, str]] = {}  # config id -> (config, its settings' JSON)
_settings_lock = threading.Lock()


def _settings_text(config: Any) -> str:
    """The JSON of a config's job settings, worked out once per config (the nodes of one task
    share it; a run's recent configs are kept, and with them their ids)."""
    with _settings_lock:
        known = _settings_texts.get(id(config))
        if known is not None and known[0] is config:
            return known[1]
    text = json.dumps(config.to_custom(), sort_keys=True)
    with _settings_lock:
        if len(_settings_texts) >= _SETTINGS_KEPT:
            _settings_texts.pop(next(iter(_settings_texts)))
        _settings_texts[id(config)] = (config, text)
    return text


def start(
    backend: JobBackend,
    spec: JobSpec,
    values: dict[str, Any],
    project_root: Path,
    record: AttemptRecord | None = None,
) -> AttemptRecord:
    """Resolve, stage and start the attempt's job, recording it before the start request goes
    out (a runner killed mid-request leaves a row that ``resume`` reconciles) and after.

    Raises DominoFlowsError; the attempt is then already recorded as failed (see :func:`fail`).
    """
    record = record or new_record(backend, spec, project_root)
    store = RunStore.for_project(project_root)
    store.start_attempt(
        spec.run_id,
        spec.task,
        spec.attempt,
        "",
        state="Starting",
        environment=record.environment or None,
        hardware_tier=record.hardware_tier or None,
        job_settings=record.job_settings,
    )
    try:
        resolved = backend.resolve(spec)
        _apply_resolution(record, resolved)
        record.input_datasets = json.dumps(
            [
                lineage.dataset_ref(
                    name, values[name], spec.input_types[name], source=spec.input_sources.get(name)
                ).to_dict()
                for name in values
            ]
        )
        spec = tracking.prepare(backend, spec, record, values, project_root)
        staging = backend.stage_inputs(spec, values)
        handle = backend.start(spec, staging)
    except DominoFlowsError as error:
        fail(backend, record, error, stop_job=False)
        raise
    record.job_id, record.url, record.details = handle.job_id, handle.url, dict(handle.details)
    try:
        recording.task_started(record, resolved)
    except DominoFlowsError as error:  # a job nobody could follow: stop it rather than lose it
        fail(backend, record, error)
        raise
    tracking.started(backend, spec, record, project_root)
    return record


def _apply_resolution(record: AttemptRecord, resolved: ResolvedJob) -> None:
    record.environment = resolved.environment_name or resolved.environment_id or ""
    record.hardware_tier = resolved.hardware_tier_name or resolved.hardware_tier_id or ""
    record.environment_id = resolved.environment_id or ""
    record.environment_revision = resolved.environment_revision or ""
    record.hardware_tier_id = resolved.hardware_tier_id or ""


def finish(
    backend: JobBackend,
    record: AttemptRecord,
    status: JobStatus,
    spec: JobSpec,
    output_variables: dict[str, Any],
) -> AttemptResult:
    """Collect a finished job's outputs (or explain its failure) and record the attempt's end."""
    if status.state is JobState.SUCCEEDED:
        try:
            values = backend.collect_outputs(record.handle, spec)
        except DominoFlowsError as error:
            status = JobStatus(JobState.FAILED, str(error))
        else:
            artifacts = artifact_specs(output_variables)
            refs = [
                lineage.dataset_ref(name, value, spec.output_types[name], artifacts.get(name))
                for name, value in values.items()
            ]
            # made before the end is recorded: the COMPLETE event names them
            registered, kept = promotion.promote(backend, record, refs)
            recording.task_ended(record, status, refs, registered)
            tracking.ended(backend, record, True, values, kept)
            names = sorted({a["name"] for a in artifacts.values()})
            return AttemptResult(record, status.state, values, refs, artifacts=names)
    tail = _log_tail(backend, record.handle)
    message = failure_message(status, tail)
    recording.task_ended(record, JobStatus(status.state, message), [])
    tracking.ended(backend, record, False, {})
    return AttemptResult(
        record,
        status.state,
        error=redact(status.message or f"the job ended {status.state.value}") or "",
        message=message,
        error_file=_error_text(backend, record.handle),
        log_tail=tail,
    )


def fail(
    backend: JobBackend,
    record: AttemptRecord,
    error: BaseException,
    stop_job: bool = True,
    confirm_seconds: float = stopping.CONFIRM_SECONDS,
) -> AttemptResult:
    """An attempt that failed outside its job (a backend call, a broken record): stop the job if
    one was started, and record the failure with the task and what to do."""
    message = redact(f"task {record.task!r}: {error}") or ""
    if stop_job and record.job_id:
        RunStore.for_project(Path(record.project_root)).set_attempt_job(
            record.run_id, record.task, record.attempt, record.job_id, record.url
        )
        outcome = stopping.stop_and_confirm(backend, record.handle, confirm_seconds)
        if not outcome.ended:  # its job may run on: on record as such, for resume to handle
            message = stopping.record_stopping(
                Path(record.project_root),
                record.run_id,
                record.task,
                record.attempt,
                message,
                outcome.note,
            )
            tracking.ended(backend, record, False, {})
            return AttemptResult(
                record, JobState.FAILED, error=message, message=message, job_may_run=True
            )
        message += f" (its job {record.job_id} was stopped)"
    recording.task_ended(record, JobStatus(JobState.FAILED, message), [])
    tracking.ended(backend, record, False, {})
    return AttemptResult(record, JobState.FAILED, error=message, message=message)


def stop(
    backend: JobBackend,
    record: AttemptRecord,
    why: str,
    confirm_seconds: float = stopping.CONFIRM_SECONDS,
) -> AttemptResult:
    """Stop an attempt's job (an interrupt, a timeout, the run ending): recorded Stopped once
    the backend reports the job ended, else Stopping with what is known (see ``stopping``)."""
    if record.job_id:
        outcome = stopping.stop_and_confirm(backend, record.handle, confirm_seconds)
        if not outcome.ended:
            message = stopping.record_stopping(
                Path(record.project_root),
                record.run_id,
                record.task,
                record.attempt,
                why,
                outcome.note,
            )
            return AttemptResult(
                record, JobState.STOPPED, error=message, message=message, job_may_run=True
            )
    stopping.record_stopped(record, why)
    tracking.ended(backend, record, False, {})
    return AttemptResult(record, JobState.STOPPED, error=why, message=why)


def _log_tail(backend: JobBackend, handle: JobHandle) -> str:
    try:
        return backend.logs(handle, tail=LOG_TAIL_LINES)
    except DominoFlowsError as error:
        return f"(the job's log could not be read: {error})"


def _error_text(backend: JobBackend, handle: JobHandle) -> str:
    try:
        return backend.error_text(handle)
    except DominoFlowsError:
        return ""
