"""Start a run, or resume one: load the flow, prepare inputs, open the run session, drive the
engine, and close the run with the state it really reached.

A run is Succeeded only when the engine saw every node finish with its outputs; any task failure
or engine error makes it Failed; an interrupt (Ctrl-C, SIGTERM) makes it Stopped. Whatever ends
the run, its open attempts are stopped and recorded first (``RunSession.close``).
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domino_flows.authoring import serialize
from domino_flows.authoring.decorators import DominoFunctionTask
from domino_flows.authoring.loading import load_entity
from domino_flows.backends import get_backend, local_warm
from domino_flows.backends.base import JobBackend, JobState
from domino_flows.backends.local import LocalBackend
from domino_flows.core.clock import new_run_id
from domino_flows.core.errors import DominoFlowsError
from domino_flows.core.git_state import commit_and_dirty
from domino_flows.core.paths import (
    default_project_root,
    disk_full_problem,
    is_disk_full,
    project_of_file,
    state_dir,
)
from domino_flows.core.project import ProjectSettings, load_settings
from domino_flows.execution.session import RunSession
from domino_flows.execution.stopping import STOPPING
from domino_flows.records.store import RunStore
from domino_flows.runner import inputs as flow_inputs
from domino_flows.runner import interrupts, lease, notices, preflight, reuse, values
from domino_flows.runner.engine import Engine, RunOptions, RunResult
from domino_flows.runner.graph import FlowNode, NodeKind, walk
from domino_flows.runner.graph_record import record_graph
from domino_flows.runner.log_view import NODE_TASKS
from domino_flows.runner.progress import Reporter
from domino_flows.runner.state import RunMeta, RunnerState

__all__ = ["ResumeError", "RunInterrupted", "RunRequest", "check", "new_run_id", "resume", "start"]

# Signals that stop a run, and the exit codes of a process they ended, as shells report them.
# SIGHUP is what a closed terminal or a dropped ssh session sends: it stops the run like SIGTERM
# (left to its default, it killed the runner and orphaned its jobs).
SIGNAL_EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}
if hasattr(signal, "SIGHUP"):  # not on Windows
    SIGNAL_EXIT[signal.SIGHUP] = 129


class ResumeError(DominoFlowsError):
    """A run cannot be resumed (unknown, finished, or its flow changed since)."""


class RunInterrupted(DominoFlowsError):
    """The run was stopped by Ctrl-C, SIGTERM or SIGHUP; its jobs were stopped and recorded."""

    def __init__(self, run_id: str, signum: int, unconfirmed: tuple[str, ...] = ()) -> None:
        name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
        if unconfirmed:  # recorded Stopping: say so rather than claim they stopped
            jobs = ", ".join(unconfirmed)
            what = (
                f"the stop of job(s) {jobs} was not confirmed, so they may still be running "
                "(resume stops them, or waits for them, first)"
            )
        else:
            what = "its running jobs were stopped"
        super().__init__(
            f"run {run_id} stopped ({name}): {what}. Continue it with domino-flows resume {run_id}"
        )
        self.run_id = run_id
        self.exit_code = SIGNAL_EXIT.get(signal.Signals(signum), 128 + signum)


class DiskFull(DominoFlowsError):
    """The disk filled up before or during a run: named as such, never as a permissions problem
    or a traceback."""


@dataclass
class RunRequest:
    file: str
    workflow: str
    assignments: dict[str, str] = field(default_factory=dict)
    file_values: dict[str, Any] = field(default_factory=dict)
    backend: str | None = None
    options: RunOptions = field(default_factory=RunOptions)
    reuse: str | None = None  # --reuse RUN: keep RUN's unchanged finished nodes
    # the flow's project's settings when the command line read them already (start_early)
    settings: ProjectSettings | None = None


def check(file: str, workflow_name: str, backend_name: str | None) -> preflight.Preflight:
    """``run --check``: the preflight alone; nothing is recorded or started."""
    with _ctrl_c_held():
        entity = load_entity(file, workflow_name)
    workflow = getattr(entity, "workflow", entity)
    backend = get_backend(backend_name, project_of_file(file))
    return preflight.check(workflow, file, backend)


def _preflight(workflow: Any, file: str, backend: JobBackend) -> list[str]:
    """Every problem a run would meet later, found before its first job (all at once); returns
    the notes, for ``_say_notes`` once the run is on record."""
    found = preflight.check(workflow, file, backend)
    found.raise_if_problems(workflow.name)
    return [f"note: {note}" for note in found.notes]


def _say_notes(root: Path, notes: list[str], reporter: Reporter) -> None:
    for note in notices.first_time(root, notes):  # once per project; run --check says them all
        reporter.note(note)


def start(request: RunRequest, reporter: Reporter) -> tuple[RunResult, str]:
    """Run a flow; returns the result and the backend's name."""
    with _ctrl_c_held():
        entity = load_entity(request.file, request.workflow)
    root = project_of_file(request.file)  # jobs run from the flow's own project
    source = _reuse_source(root, request.reuse) if request.reuse else None
    carried = _carried_inputs(source, request)
    workflow, python_values = flow_inputs.workflow_inputs(
        entity, request.assignments, request.file_values, frozenset(carried)
    )
    # once per run: the backend and the recording share them
    given = request.settings
    settings = given if given is not None and given.root == root else load_settings(root)
    backend = get_backend(request.backend, root, settings)
    notes = _preflight(workflow, request.file, backend)
    nodes = walk(workflow)  # refuse constructs the runner cannot run before anything starts
    _warm_up(backend, nodes)
    run_id = new_run_id()
    state = RunnerState(RunStore.for_project(root))
    _say_notes(root, notes, reporter)
    data_dir = state_dir(root) / "data" / run_id
    with values.run_context(data_dir) as ctx:
        literals = values.to_literals(ctx, python_values, _input_types(workflow, python_values))
    literals.update(flow_inputs.launch_plan_literals(entity, python_values))
    literals.update(carried)
    flow_hash = serialize.flow_hash(workflow)
    kept = None
    if source is not None:
        finished = state.nodes(source.run_id)
        kept = reuse.plan(workflow, request.workflow, flow_hash, literals, source, finished)
    commit, dirty = commit_and_dirty(root)
    state.save_meta(
        RunMeta(
            run_id=run_id,
            flow_file=str(Path(request.file).resolve()),
            workflow=request.workflow,
            inputs=values.encode(literals),
            flow_hash=flow_hash,
            git_commit=commit,
            git_dirty=dirty,
            options={
                "backend": backend.name,
                "max_parallel": request.options.max_parallel,
                "use_cache": request.options.use_cache,
                "fail_fast": request.options.fail_fast,
                reuse.TASK_DIGESTS: reuse.task_digests(workflow),
                NODE_TASKS: reuse.node_tasks(workflow),  # `logs RUN n3`
                **({"reused_from": kept.source_run} if kept else {}),
            },
        )
    )
    record_graph(state.store, run_id, workflow)  # for pages that draw the run's DAG
    session = RunSession(root, run_id, workflow.name, backend, settings)
    if kept is not None:
        reporter.note(kept.describe())
    with contextlib.closing(backend), lease.hold(root, run_id):
        return _drive(
            session,
            workflow,
            literals,
            reporter,
            state,
            request.options,
            kept.nodes if kept else {},
            kept.source_run if kept else "",
        )


def _warm_up(backend: JobBackend, nodes: list[tuple[str, FlowNode]]) -> None:
    """A local run with ``@domino_task`` jobs starts its warm launcher as soon as it knows it will
    run (see ``LocalBackend.warm_up``), or takes over the one started before its flow loaded;
    any other run ends that one."""
    if isinstance(backend, LocalBackend):
        for _, node in nodes:
            if node.kind not in (NodeKind.JOB, NodeKind.FAN_OUT):
                continue
            if isinstance(node.task, DominoFunctionTask):
                backend.warm_up()
                return
    local_warm.discard_early()


def _reuse_source(root: Path, run_id: str) -> RunMeta:
    """The run ``--reuse`` names, from the flow's own project's store."""
    state = RunnerState(RunStore.for_project(root))
    source = state.meta(run_id)
    if source is None:
        known = ", ".join(r["run_id"] for r in state.store.runs()[-5:]) or "none yet"
        raise reuse.ReuseError(
            f"--reuse {run_id}: no such run in {state.store.path}; recent runs: {known}."
        )
    return source


def _carried_inputs(source: RunMeta | None, request: RunRequest) -> dict[str, Any]:
    """The reused run's inputs that the command line does not give again (as literals)."""
    if source is None:
        return {}
    given = {*request.assignments, *request.file_values}
    return {k: v for k, v in values.decode(source.inputs).items() if k not in given}


def resume(
    run_id: str, reporter: Reporter, backend_name: str | None = None
) -> tuple[RunResult, str]:
    """Continue a failed, stopped or killed run without re-running the nodes that finished.

    The definition check compares the serialized flow (graph, each task's command, config and
    interface) only: the code inside a task is not part of it, so the usual fix-and-resume loop
    (a task failed, fix its code, resume) works."""
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
    if run is not None and run["state"] == JobState.SUCCEEDED.value:
        raise ResumeError(f"run {run_id} already succeeded; there is nothing to resume.")
    with _ctrl_c_held():
        entity = load_entity(meta.flow_file, meta.workflow)
    workflow = getattr(entity, "workflow", entity)
    if serialize.flow_hash(workflow) != meta.flow_hash:
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
    settings = load_settings(root)
    backend = get_backend(backend_name or meta.options.get("backend"), root, settings)
    _say_notes(root, _preflight(workflow, meta.flow_file, backend), reporter)
    record_graph(store, run_id, workflow)  # kept if the run already has one
    session = RunSession(root, run_id, workflow.name, backend, settings)
    with contextlib.closing(backend), lease.hold(root, run_id):  # a live runner keeps its run
        for line in session.reconcile(reporter.note):  # never two jobs of one task at once
            reporter.note(line)
        finished = state.nodes(run_id)
        literals = values.decode(meta.inputs)
        return _drive(session, workflow, literals, reporter, state, options, finished)


def _drive(
    session: RunSession,
    workflow: Any,
    literals: dict[str, Any],
    reporter: Reporter,
    state: RunnerState,
    options: RunOptions,
    finished: dict[str, bytes],
    reused_from: str = "",
) -> tuple[RunResult, str]:
    engine = Engine(session, reporter, state, options, finished)
    engine.reused_from = reused_from
    session.begin()
    reporter.start(session.run_id, workflow.name, session.backend.name)
    result: RunResult | None = None
    caught = _Caught()
    try:
        with _stop_on_signals(engine, reporter, caught, session):
            result = engine.run(workflow, literals)
        if result.success and result.outputs:  # on record before the run is Succeeded
            state.save_outputs(session.run_id, values.encode(result.outputs))
    except OSError as error:
        if not is_disk_full(error):
            raise
        result = None  # recorded Failed below, with the disk named
        raise DiskFull(
            f"run {session.run_id} failed: {disk_full_problem(error)}, then continue it with "
            f"domino-flows resume {session.run_id}"
        ) from None
    finally:
        reporter.stop()
        _close(session, engine, result, caught.signum)
    if caught.signum is not None:
        raise RunInterrupted(session.run_id, caught.signum, stopping_jobs(session))
    assert result is not None  # engine.run returned
    return result, session.backend.name


def _close(
    session: RunSession, engine: Engine, result: RunResult | None, signum: int | None
) -> None:
    """Record how the run ended: the state it reached, never a hopeful one."""
    if signum is not None or (result is not None and result.stopped):
        session.close(JobState.STOPPED, "the run was interrupted")
    elif result is None:
        error = sys.exc_info()[1]
        session.close(JobState.FAILED, f"the run ended on an error: {error}")
    elif result.success:
        session.close(JobState.SUCCEEDED)
    else:
        failed = sorted({v.task for v in engine.views.values() if v.state == "failed"})
        session.close(JobState.FAILED, f"tasks failed: {', '.join(failed) or result.error}")


@contextlib.contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Ctrl-C while the flow loads is held until the load is over, then raised as
    KeyboardInterrupt (the command says nothing ran and exits 130).

    Loading a flow imports flytekit, and importing flytekit installs a SIGINT handler that calls
    ``exit(1)``: a Ctrl-C that landed there ended the command with status 1 and no word. Blocked
    meanwhile, the signal waits; Python's own handler is put back before it is let through."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "pthread_sigmask"
    ):
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


@dataclass
class _Caught:
    signum: int | None = None


@contextlib.contextmanager
def _stop_on_signals(
    engine: Engine, reporter: Reporter, caught: _Caught, session: RunSession
) -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP stop the run: the first asks the engine to stop its jobs and
    record them, and cuts short the backend's waits and retries (a deployment that does not
    answer must not hold the command for its outage budget); a second one ends the process at
    once, recording the jobs not yet seen stopping as Stopping (``interrupts.exit_now``). The
    first handler never raises, so an interrupt never leaves a task half-recorded or prints a
    traceback. Only the main thread can set handlers.

    Once a signal was caught the process is on its way out (the command records the run's end,
    prints how to resume and exits), so from then on the signals are ignored rather than given
    back: a Ctrl-C pressed again then would raise KeyboardInterrupt in the middle of recording, or
    kill the interpreter while it exits (Python hands its own handlers back to the system's
    default when it shuts down; an ignored signal stays ignored)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        if caught.signum is None:
            caught.signum = signum
            engine.stop()
            session.backend.interrupt()
            _say(
                reporter,
                "stopping: running jobs are being stopped and recorded (press Ctrl-C again to "
                "exit at once; jobs not yet seen stopping are recorded so)...",
            )
        else:
            stopped = RunInterrupted(session.run_id, caught.signum)
            interrupts.exit_now(session, str(stopped), stopped.exit_code, reporter.stop)

    previous = {sig: signal.signal(sig, handler) for sig in SIGNAL_EXIT}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old if caught.signum is None else signal.SIG_IGN)


def _say(reporter: Reporter, line: str) -> None:
    """A note from a signal handler, which must not raise: after SIGHUP the terminal may be gone
    (writing to it fails with EIO)."""
    with contextlib.suppress(OSError, ValueError):
        reporter.note(line)


def stopping_jobs(session: RunSession) -> tuple[str, ...]:
    """The jobs of the run whose stop was asked for and not seen taking effect."""
    rows = session.store.attempts(session.run_id)
    return tuple(r.job_id for r in rows if r.state == STOPPING and r.job_id)


def _input_types(workflow: Any, python_values: dict[str, Any]) -> dict[str, Any]:
    declared = workflow.python_interface.inputs
    return {name: declared[name] for name in python_values}
