"""Writing what happens to the run store: attempts, their lineage events and artifacts.

One place turns "a task attempt started/ended" into rows and OpenLineage events, so the connector
(``python flow.py``, ``pyflyte run``) and the runner record runs the same way. Each function is
safe to call again for the same attempt: only the first end of an attempt is recorded, however
often a status is polled. Every event goes through :func:`record_event`, which keeps it in the
store and then sends it, as kept, through the OpenLineage transport the project configures.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any, Protocol

from domino_flows.backends.base import JobState, JobStatus, ResolvedJob
from domino_flows.execution import run_context
from domino_flows.records import artifacts_store, lineage
from domino_flows.records.lineage import DatasetRef, RunState, TaskContext
from domino_flows.records.store import RunStore

_END_EVENTS = {
    JobState.SUCCEEDED: RunState.COMPLETE,
    JobState.STOPPED: RunState.ABORT,
}


class AttemptInfo(Protocol):
    """What recording needs to know about an attempt (the connector's resource metadata)."""

    backend: str
    job_id: str
    run_id: str
    task: str
    attempt: int
    flow: str
    url: str
    project_root: str
    details: dict[str, str]
    command: str
    environment: str
    hardware_tier: str
    started_at: str
    input_datasets: str
    job_settings: str


def record_event(
    store: RunStore,
    project_root: Path,
    run_id: str,
    event: dict[str, Any],
    task: str | None = None,
    attempt: int | None = None,
) -> None:
    """Keep one OpenLineage event in the run store, then send what was kept (credentials
    masked) to the consumer OpenLineage's configuration names, if any (``lineage_transport``)."""
    send_event(project_root, run_id, keep_event(store, run_id, event, task, attempt))


def keep_event(
    store: RunStore,
    run_id: str,
    event: dict[str, Any],
    task: str | None = None,
    attempt: int | None = None,
) -> str:
    """The event in the run store (in the caller's group of writes, if any); the text kept."""
    text = lineage.to_json(event)
    return store.add_lineage_event(run_id, event["eventType"], text, task=task, attempt=attempt)


def send_event(project_root: Path, run_id: str, kept: str) -> None:
    """A kept event to the configured OpenLineage consumer: never inside a group of writes
    (a transport may wait on the network)."""
    run_context.open_run(project_root, run_id).emitter.emit(kept)


def _namespace(root: Path, run_id: str) -> str:
    return run_context.open_run(root, run_id).namespace


def _context(info: AttemptInfo, resolved: ResolvedJob | None = None) -> TaskContext:
    root = Path(info.project_root)
    url, path, version = lineage.source_location(root, info.command)
    details = info.details
    return TaskContext(
        namespace=_namespace(root, info.run_id),
        run_id=info.run_id,
        flow=info.flow,
        task=info.task,
        attempt=info.attempt,
        job_id=info.job_id,
        job_url=info.url,
        backend=info.backend,
        command=info.command,
        environment_id=_known(resolved, info, "environment_id"),
        environment_name=info.environment or None,
        environment_revision=_known(resolved, info, "environment_revision"),
        hardware_tier_id=_known(resolved, info, "hardware_tier_id"),
        hardware_tier_name=info.hardware_tier or None,
        input_commit=details.get("input_commit"),
        output_commit=details.get("output_commit"),
        source_url=url,
        source_path=path,
        source_version=version,
        inputs=[DatasetRef.from_dict(item) for item in json.loads(info.input_datasets)],
        job_settings=json.loads(info.job_settings or "{}"),
    )


def _known(resolved: ResolvedJob | None, info: AttemptInfo, name: str) -> str | None:
    """A resolved id: from the resolution if at hand, else as the attempt recorded it."""
    if resolved is not None:
        return getattr(resolved, name)
    return getattr(info, name, None) or info.details.get(name) or None


def run_started(project_root: Path, run_id: str, flow: str, backend: str) -> None:
    """The run's row (reopened when a stopped or failed run is resumed) and its START event."""
    store = RunStore.for_project(project_root)
    if not store.start_run(run_id, flow, backend):
        store.reopen_run(run_id)
    event = lineage.run_event(RunState.START, _namespace(project_root, run_id), run_id, flow)
    record_event(store, project_root, run_id, event)


def task_started(info: AttemptInfo, resolved: ResolvedJob) -> None:
    """The attempt's row and START event."""
    root = Path(info.project_root)
    store = RunStore.for_project(root)
    event = lineage.task_event(RunState.START, _context(info, resolved), started_at=info.started_at)
    with store.grouped():  # the row and its event: one commit
        store.start_attempt(
            info.run_id,
            info.task,
            info.attempt,
            info.job_id,
            info.url,
            environment=info.environment or None,
            hardware_tier=info.hardware_tier or None,
            job_settings=info.job_settings,
        )
        kept = keep_event(store, info.run_id, event, task=info.task, attempt=info.attempt)
    send_event(root, info.run_id, kept)


def task_ended(
    info: AttemptInfo,
    status: JobStatus,
    outputs: list[DatasetRef],
    registered: list[dict[str, Any]] | None = None,
) -> bool:
    """The attempt's end, its COMPLETE/FAIL/ABORT event and its artifacts; False if already
    recorded. ``registered``: the dataset snapshots and model versions it made (outputs too)."""
    root = Path(info.project_root)
    store = RunStore.for_project(root)
    succeeded = status.state is JobState.SUCCEEDED
    error = None if succeeded else status.message
    # The end, its artifacts and its event in one commit, unless artifact files are copied
    # (other threads' writes would wait for the copies).
    copies = succeeded and any(ref.artifact and ref.path for ref in outputs)
    with contextlib.nullcontext() if copies else store.grouped():
        if not store.finish_attempt(
            info.run_id, info.task, info.attempt, status.state.value, error
        ):
            return False
        if succeeded:
            artifacts_store.collect(store, root, info.run_id, info.task, outputs)
        state = _END_EVENTS.get(status.state, RunState.FAIL)
        event = lineage.task_event(
            state,
            _context(info),
            outputs=outputs,
            error=error,
            started_at=info.started_at,
            registered=registered,
        )
        kept = keep_event(store, info.run_id, event, task=info.task, attempt=info.attempt)
    send_event(root, info.run_id, kept)
    return True


def run_ended(
    project_root: Path,
    run_id: str,
    flow: str = "",
    state: JobState | None = None,
    error: str | None = None,
) -> bool:
    """Close a run: its row and its COMPLETE/FAIL/ABORT event. ``state`` says how it ended when
    the caller knows; otherwise the last attempt of every task decides (a run whose results all
    came from the cache has no attempts, and succeeded). False if the run was already closed."""
    store = RunStore.for_project(project_root)
    if any(run["run_id"] == run_id and run["finished_at"] for run in store.runs()):
        return False
    if state is None:
        state, error = state_from_attempts(store, run_id)
    store.finish_run(run_id, state.value, error)
    end = _END_EVENTS.get(state, RunState.FAIL)
    event = lineage.run_event(end, _namespace(project_root, run_id), run_id, flow, error)
    record_event(store, project_root, run_id, event)
    run_context.close_run(project_root, run_id)
    return True


def state_from_attempts(store: RunStore, run_id: str) -> tuple[JobState, str | None]:
    last: dict[str, str] = {}
    for attempt in store.attempts(run_id):  # in start order: the last attempt of a task wins
        last[attempt.task] = attempt.state
    unfinished = {JobState.STOPPED.value, JobState.RUNNING.value, "Starting", "Stopping"}
    if unfinished & set(last.values()):
        return JobState.STOPPED, "the run was interrupted before all its tasks ended"
    failed = sorted(task for task, s in last.items() if s != JobState.SUCCEEDED.value)
    if failed:
        return JobState.FAILED, f"tasks failed: {', '.join(failed)}"
    return JobState.SUCCEEDED, None
