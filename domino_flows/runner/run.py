"""Start a run, or resume one: load the flow, prepare inputs, record the run, drive the engine."""

from __future__ import annotations

import datetime as _dt
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domino_flows import recording, serialize
from domino_flows.backends import get_backend
from domino_flows.errors import DominoFlowsError
from domino_flows.loading import load_entity
from domino_flows.paths import default_project_root, project_root
from domino_flows.records import RunStore
from domino_flows.runner import inputs as flow_inputs
from domino_flows.runner import values
from domino_flows.runner.engine import Engine, RunOptions, RunResult
from domino_flows.runner.graph import walk
from domino_flows.runner.progress import Reporter
from domino_flows.runner.state import RunMeta, RunnerState, git_state


class ResumeError(DominoFlowsError):
    """A run cannot be resumed (unknown, finished, or its flow changed since)."""


@dataclass
class RunRequest:
    file: str
    workflow: str
    assignments: dict[str, str] = field(default_factory=dict)
    file_values: dict[str, Any] = field(default_factory=dict)
    backend: str | None = None
    options: RunOptions = field(default_factory=RunOptions)


def new_run_id() -> str:
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{secrets.token_hex(3)}"


def start(request: RunRequest, reporter: Reporter) -> tuple[RunResult, str]:
    """Run a flow; returns the result and the backend's name."""
    entity = load_entity(request.file, request.workflow)
    workflow, python_values = flow_inputs.workflow_inputs(
        entity, request.assignments, request.file_values
    )
    walk(workflow)  # refuse constructs the runner cannot run before anything starts
    # jobs run from the flow's own project, wherever the command was typed
    root = project_root(Path(request.file).resolve().parent) or default_project_root()
    backend = get_backend(request.backend, root)
    run_id = new_run_id()
    store = RunStore.for_project(root)
    state = RunnerState(store)
    data_dir = root / ".domino-flows" / "data" / run_id
    with values.run_context(data_dir) as ctx:
        literals = values.to_literals(ctx, python_values, _input_types(workflow, python_values))
    literals.update(flow_inputs.launch_plan_literals(entity, python_values))
    commit, dirty = git_state(root)
    state.save_meta(
        RunMeta(
            run_id=run_id,
            flow_file=str(Path(request.file).resolve()),
            workflow=request.workflow,
            inputs=values.encode(literals),
            flow_hash=definition_hash(workflow, request.file),
            git_commit=commit,
            git_dirty=dirty,
            options={
                "backend": backend.name,
                "max_parallel": request.options.max_parallel,
                "use_cache": request.options.use_cache,
                "fail_fast": request.options.fail_fast,
            },
        )
    )
    store.start_run(run_id, workflow.name, backend.name)
    return _drive(backend, root, run_id, workflow, literals, reporter, state, request.options, {})


def resume(
    run_id: str, reporter: Reporter, backend_name: str | None = None
) -> tuple[RunResult, str]:
    """Continue a failed or killed run without re-running the nodes that finished."""
    root = default_project_root()
    store = RunStore.for_project(root)
    state = RunnerState(store)
    meta = state.meta(run_id)
    if meta is None:
        known = ", ".join(r["run_id"] for r in store.runs()[-5:]) or "none yet"
        raise ResumeError(
            f"no run {run_id!r} was started with domino-flows run in {root}; recent runs: {known}."
        )
    run = next((r for r in store.runs() if r["run_id"] == run_id), None)
    if run is not None and run["state"] == "Succeeded":
        raise ResumeError(f"run {run_id} already succeeded; there is nothing to resume.")
    entity = load_entity(meta.flow_file, meta.workflow)
    workflow = getattr(entity, "workflow", entity)
    current = definition_hash(workflow, meta.flow_file)
    if current != meta.flow_hash:
        raise ResumeError(
            f"run {run_id} cannot be resumed: {meta.workflow} in {meta.flow_file} changed since "
            "the run started (its serialized definition differs), so finished tasks' results may "
            "not fit. Start a new run with `domino-flows run`."
        )
    options = RunOptions(
        max_parallel=meta.options.get("max_parallel"),
        use_cache=bool(meta.options.get("use_cache", True)),
        fail_fast=bool(meta.options.get("fail_fast", False)),
    )
    backend = get_backend(backend_name or meta.options.get("backend"), root)
    finished = state.nodes(run_id)
    _stop_leftovers(backend, store, run_id)
    return _drive(
        backend,
        root,
        run_id,
        workflow,
        values.decode(meta.inputs),
        reporter,
        state,
        options,
        finished,
    )


def _drive(
    backend: Any,
    root: Path,
    run_id: str,
    workflow: Any,
    literals: dict[str, Any],
    reporter: Reporter,
    state: RunnerState,
    options: RunOptions,
    finished: dict[str, bytes],
) -> tuple[RunResult, str]:
    engine = Engine(backend, root, run_id, workflow.name, reporter, state, options, finished)
    reporter.start(run_id, workflow.name, backend.name)
    try:
        result = engine.run(workflow, literals)
    finally:
        reporter.stop()
        _close_run(root, run_id, workflow.name, engine)
    return result, backend.name


def _close_run(root: Path, run_id: str, flow: str, engine: Engine) -> None:
    store = RunStore.for_project(root)
    if engine.stop_requested.is_set() and not engine.failure:
        store.finish_run(run_id, "Stopped", "the run was interrupted")
        return
    failed = [v for v in engine.views.values() if v.state in ("failed", "stopped")]
    if failed or engine.failure:
        names = ", ".join(sorted({v.task for v in failed})) or engine.failure
        store.finish_run(run_id, "Failed", f"tasks failed: {names}")
        return
    if not recording.run_ended(root, run_id, flow):
        store.finish_run(run_id, "Succeeded")


def _stop_leftovers(backend: Any, store: RunStore, run_id: str) -> None:
    """Local jobs a killed runner left running are stopped before their nodes run again."""
    if getattr(backend, "jobs_root", None) is None:
        return
    for attempt in store.attempts(run_id):
        if attempt.finished_at is None and attempt.job_id:
            backend.stop(attempt_handle(backend, attempt))


def attempt_handle(backend: Any, attempt: Any) -> Any:
    """The handle of a recorded attempt's job (the local backend also needs its folder)."""
    from domino_flows.backends.base import JobHandle

    details = {}
    jobs_root = getattr(backend, "jobs_root", None)
    if jobs_root is not None:
        details["job_dir"] = str(Path(jobs_root) / attempt.job_id)
    return JobHandle(
        backend.name, attempt.job_id, attempt.run_id, attempt.task, attempt.url, details
    )


def definition_hash(workflow: Any, flow_file: str | Path) -> str:
    """The flow's definition as Domino Flows sees it: the serialized workflow, its tasks' commands,
    configs and interfaces, and its graph. The code inside a task is not part of it, so the usual
    fix-and-resume loop (a task failed, fix its code, resume) works; changing what a task is, or
    how the flow is wired, makes earlier results unfit and is refused."""
    del flow_file  # the serialized form already names the tasks' files in their commands
    return serialize.flow_hash(workflow)


def _input_types(workflow: Any, python_values: dict[str, Any]) -> dict[str, Any]:
    declared = workflow.python_interface.inputs
    return {name: declared[name] for name in python_values}
