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

from domino_flows import serialize
from domino_flows.backends import get_backend
from domino_flows.backends.base import JobState
from domino_flows.clock import new_run_id
from domino_flows.errors import DominoFlowsError
from domino_flows.execution.session import RunSession
from domino_flows.git_state import commit_and_dirty
from domino_flows.loading import load_entity
from domino_flows.paths import default_project_root, project_of_file, state_dir
from domino_flows.project import load_settings
from domino_flows.records import RunStore
from domino_flows.runner import inputs as flow_inputs
from domino_flows.runner import lease, values
from domino_flows.runner.engine import Engine, RunOptions, RunResult
from domino_flows.runner.graph import walk
from domino_flows.runner.progress import Reporter
from domino_flows.runner.state import RunMeta, RunnerState

__all__ = ["ResumeError", "RunInterrupted", "RunRequest", "new_run_id", "resume", "start"]

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

    def __init__(self, run_id: str, signum: int) -> None:
        name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
        super().__init__(
            f"run {run_id} stopped ({name}): its running jobs were stopped. Continue it with "
            f"domino-flows resume {run_id}"
        )
        self.run_id = run_id
        self.exit_code = SIGNAL_EXIT.get(signal.Signals(signum), 128 + signum)


@dataclass
class RunRequest:
    file: str
    workflow: str
    assignments: dict[str, str] = field(default_factory=dict)
    file_values: dict[str, Any] = field(default_factory=dict)
    backend: str | None = None
    options: RunOptions = field(default_factory=RunOptions)


def start(request: RunRequest, reporter: Reporter) -> tuple[RunResult, str]:
    """Run a flow; returns the result and the backend's name."""
    with _ctrl_c_held():
        entity = load_entity(request.file, request.workflow)
    workflow, python_values = flow_inputs.workflow_inputs(
        entity, request.assignments, request.file_values
    )
    walk(workflow)  # refuse constructs the runner cannot run before anything starts
    root = project_of_file(request.file)  # jobs run from the flow's own project
    settings = load_settings(root)  # once per run: the backend and the recording share them
    backend = get_backend(request.backend, root, settings)
    run_id = new_run_id()
    state = RunnerState(RunStore.for_project(root))
    data_dir = state_dir(root) / "data" / run_id
    with values.run_context(data_dir) as ctx:
        literals = values.to_literals(ctx, python_values, _input_types(workflow, python_values))
    literals.update(flow_inputs.launch_plan_literals(entity, python_values))
    commit, dirty = commit_and_dirty(root)
    state.save_meta(
        RunMeta(
            run_id=run_id,
            flow_file=str(Path(request.file).resolve()),
            workflow=request.workflow,
            inputs=values.encode(literals),
            flow_hash=serialize.flow_hash(workflow),
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
    session = RunSession(root, run_id, workflow.name, backend, settings)
    with contextlib.closing(backend), lease.hold(root, run_id):
        return _drive(session, workflow, literals, reporter, state, request.options, {})


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
    session = RunSession(root, run_id, workflow.name, backend, settings)
    with contextlib.closing(backend), lease.hold(root, run_id):  # a live runner keeps its run
        for line in session.reconcile():  # never two jobs of one task at once
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
) -> tuple[RunResult, str]:
    engine = Engine(session, reporter, state, options, finished)
    session.begin()
    reporter.start(session.run_id, workflow.name, session.backend.name)
    result: RunResult | None = None
    caught = _Caught()
    try:
        with _stop_on_signals(engine, reporter, caught):
            result = engine.run(workflow, literals)
        if result.success and result.outputs:  # on record before the run is Succeeded
            state.save_outputs(session.run_id, values.encode(result.outputs))
    finally:
        reporter.stop()
        _close(session, engine, result, caught.signum)
    if caught.signum is not None:
        raise RunInterrupted(session.run_id, caught.signum)
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
def _stop_on_signals(engine: Engine, reporter: Reporter, caught: _Caught) -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP stop the run: the first asks the engine to stop its jobs and
    record them; later ones only say that it is stopping. No handler raises, so an interrupt never
    leaves a task half-recorded or prints a traceback. Only the main thread can set handlers.

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
            _say(reporter, "stopping: running jobs are being stopped and recorded...")
        else:
            _say(reporter, "still stopping; the run ends as soon as its jobs have stopped")

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


def _input_types(workflow: Any, python_values: dict[str, Any]) -> dict[str, Any]:
    declared = workflow.python_interface.inputs
    return {name: declared[name] for name in python_values}
