"""The runner's commands: run, resume, runs, show, logs, lineage, graph, cache."""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import rich_click as click

from domino_flows.core.errors import DominoFlowsError
from domino_flows.core.project import BACKEND_NAMES

# `show -1`: a run id counted back from the newest reads like an option; let it through.
_RUN_ID_ARGS = {"ignore_unknown_options": True}


def _fail(error: Exception) -> NoReturn:
    from domino_flows.core.redaction import redact

    click.echo(redact(f"error: {error}"), err=True)
    raise SystemExit(2)


def _emit_result(result: Any, backend: str, as_json: bool, root_file: str | None = None) -> None:
    from domino_flows.runner.progress import summary

    if as_json:
        click.echo(json.dumps(result_document(result), indent=2, sort_keys=True))
    else:
        from domino_flows.core.paths import project_of_file
        from domino_flows.core.redaction import redact
        from domino_flows.runner.notices import once_per_project

        text = summary(result, backend)
        if root_file is not None:
            text = once_per_project(project_of_file(root_file), text)
        click.echo(redact(text), err=not result.success)
        if result.success:
            for name, value in _python_outputs(result).items():
                click.echo(f"{name} = {value}")
    if not result.success:
        raise SystemExit(1)


def _python_outputs(result: Any) -> dict[str, Any]:
    out = {}
    for name, value in result.python_outputs.items():
        path = getattr(value, "path", None)
        out[name] = str(path) if path is not None and not isinstance(value, str) else value
    return out


def result_document(result: Any) -> dict[str, Any]:
    return {
        "run_id": result.run_id,
        "success": result.success,
        "error": result.error,
        "outputs": {k: _jsonable(v) for k, v in _python_outputs(result).items()},
        "tasks": [view.to_dict() for view in result.nodes],
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    path = getattr(value, "path", None)
    return str(path) if path is not None else str(value)


@click.command(
    "run",
    # pyflyte's habit: workflow inputs as options (--rows 300), gathered by workflow_options
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
)
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("workflow")
@click.option(
    "--input",
    "-i",
    "assignments",
    multiple=True,
    metavar="NAME=VALUE",
    help="A workflow input, parsed by its declared type. Repeat for each input.",
)
@click.option(
    "--inputs-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Inputs as a JSON or YAML mapping; --input wins where both give a value.",
)
@click.option(
    "--backend",
    type=click.Choice(BACKEND_NAMES),
    default=None,
    help="Where jobs run (default: DOMINO_FLOWS_BACKEND, pyproject, then local).",
)
@click.option(
    "--max-parallel",
    type=click.IntRange(min=1),
    default=None,
    help="At most this many jobs at once (local default: the machine's cores).",
)
@click.option("--no-cache", is_flag=True, help="Run every task, even when a cached result exists.")
@click.option("--fail-fast", is_flag=True, help="Stop everything at the first failed task.")
@click.option(
    "--approve",
    "approve",
    multiple=True,
    metavar="GATE",
    help="Approve the approve() gate of this name (or node id) without asking. Repeatable.",
)
@click.option("--approve-all", is_flag=True, help="Approve every approve() gate without asking.")
@click.option(
    "--gate-input",
    "gate_inputs",
    multiple=True,
    metavar="NAME=VALUE",
    help="The value a wait_for_input() gate of this name waits for. Repeatable.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON result object instead.")
@click.option(
    "--check",
    is_flag=True,
    help="Only check: names, tiers, data sources, lint errors, notes. Exit 0 if it can start.",
)
@click.option(
    "--reuse",
    "reuse_run",
    metavar="RUN",
    default=None,
    help="Reuse the nodes of RUN whose task, config and inputs are unchanged; run the rest.",
)
@click.pass_context
def run_command(
    ctx: click.Context,
    file: str,
    workflow: str,
    assignments: tuple[str, ...],
    inputs_file: Path | None,
    backend: str | None,
    max_parallel: int | None,
    no_cache: bool,
    fail_fast: bool,
    approve: tuple[str, ...],
    approve_all: bool,
    gate_inputs: tuple[str, ...],
    as_json: bool,
    check: bool,
    reuse_run: str | None,
) -> None:
    """Run WORKFLOW (or a launch plan) from FILE, each task as a job, independent tasks at once.

    Inputs: --input rows=300, or as pyflyte takes them, --rows 300.

    Gates: approve() asks in a terminal (or takes --approve/--approve-all), wait_for_input()
    asks (or takes --gate-input), sleep() does not wait."""
    from domino_flows.runner.everyday import check_and_report, workflow_options

    try:
        given = [*assignments, *workflow_options(ctx.args)]
    except DominoFlowsError as error:
        _fail(error)
    if check:
        check_and_report(file, workflow, backend, as_json)
        return

    def go(reporter: Any) -> tuple[Any, str]:
        from domino_flows.runner import inputs as flow_inputs
        from domino_flows.runner import run as runs
        from domino_flows.runner.engine import RunOptions
        from domino_flows.runner.gates import GateOptions

        request = runs.RunRequest(
            file=file,
            workflow=workflow,
            assignments=flow_inputs.parse_assignments(given),
            file_values=flow_inputs.read_inputs_file(inputs_file) if inputs_file else {},
            backend=backend,
            options=RunOptions(
                max_parallel,
                not no_cache,
                fail_fast,
                GateOptions.from_command_line(
                    approve, approve_all, flow_inputs.parse_assignments(list(gate_inputs))
                ),
            ),
            reuse=_resolve_run_id(reuse_run) if reuse_run else None,
        )
        return runs.start(request, reporter)

    # before the run started: nothing ran, nothing to resume
    _drive_and_report(go, as_json, "interrupted before the run started; nothing was run", file)


@click.command("resume", context_settings=_RUN_ID_ARGS)
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON result object instead.")
def resume_command(run_id: str, as_json: bool) -> None:
    """Continue a failed or killed run without re-running the tasks that finished."""

    def go(reporter: Any) -> tuple[Any, str]:
        from domino_flows.runner import run as runs

        _store().require_writable()  # a resume records every job it starts: check first
        return runs.resume(_resolve_run_id(run_id), reporter)

    # before the run went on: its record is unchanged
    _drive_and_report(go, as_json, f"interrupted before run {run_id} went on; resume it again")


def _drive_and_report(
    go: Callable[[Any], tuple[Any, str]],
    as_json: bool,
    interrupted_early: str,
    root_file: str | None = None,
) -> None:
    """``run`` and ``resume``: drive the run, then print its result, its interruption (exit
    130/143/129) or its error in one line. Everything, imports included, is inside the handlers,
    so a Ctrl-C at any moment gets the right words and exit code."""
    try:
        from domino_flows.core.redaction import redact
        from domino_flows.runner.progress import reporter_for
        from domino_flows.runner.run import RunInterrupted

        try:
            result, backend_name = go(reporter_for(quiet=as_json))
        except RunInterrupted as stopped:
            with contextlib.suppress(OSError):  # after SIGHUP the terminal may be gone
                click.echo(redact(str(stopped)), err=True)
            raise SystemExit(stopped.exit_code) from None
    except DominoFlowsError as error:
        _fail(error)
    except OSError as error:  # before the run went on (during it, the run names it itself)
        from domino_flows.core.paths import disk_full_problem, is_disk_full

        if not is_disk_full(error):
            raise
        _fail(DominoFlowsError(f"{disk_full_problem(error)} and run again."))
    except KeyboardInterrupt:
        click.echo(interrupted_early, err=True)
        raise SystemExit(130) from None
    _emit_result(result, backend_name, as_json, root_file)


def _store() -> Any:
    """The project's run store, for commands that only read it (and ``cache clear``): a project
    without one reads as having no runs, and a read-only one is read without being changed."""
    from domino_flows.core.paths import default_project_root
    from domino_flows.records.store import RunStore

    return RunStore.for_project(default_project_root(), create=False)


def _errors_to_one_line(command: Callable[..., None]) -> Callable[..., None]:
    """A damaged or locked run store (or any typed error) ends the command with one line."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except DominoFlowsError as error:
            _fail(error)

    return wrapper


def _resolve_run_id(text: str) -> str:
    """``last``, ``-1``, ``-2`` to a run id of this project's store; other words as given."""
    from domino_flows.runner.everyday import resolve_run_id

    store = _store()
    return resolve_run_id(text, store.runs(), str(store.path))


def _run_or_fail(store: Any, run_id: str) -> dict[str, Any]:
    from domino_flows.runner.everyday import resolve_run_id

    runs = store.runs()
    run_id = resolve_run_id(run_id, runs, str(store.path))
    for run in runs:
        if run["run_id"] == run_id:
            return run
    recent = ", ".join(r["run_id"] for r in runs[-5:]) or "none yet"
    _fail(DominoFlowsError(f"no run {run_id!r} in {store.path}; recent runs: {recent}."))


@click.group("runs", invoke_without_command=True)
@click.option("--limit", type=click.IntRange(min=1), default=20, help="Show this many runs.")
@click.option("--flow", default=None, help="Only runs of this flow (its name, or a part of it).")
@click.option(
    "--state",
    default=None,
    help="Only runs in this state: Running, Succeeded, Failed, Stopped (any case).",
)
@click.option(
    "--since", default=None, metavar="AGE", help="Only runs started in the last AGE: 30m, 6h, 2d."
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@_errors_to_one_line
def runs_command(
    ctx: click.Context,
    limit: int,
    flow: str | None,
    state: str | None,
    since: str | None,
    as_json: bool,
) -> None:
    """List recent runs, newest first; `runs prune` forgets old ones."""
    if ctx.invoked_subcommand is not None:
        return
    from domino_flows.runner.lease import runner_note
    from domino_flows.runner.run_list import RunFilter, table
    from domino_flows.runner.show import stopping_note

    store = _store()
    chosen = RunFilter.parse(flow, state, since).apply(store.runs())[:limit]
    root = store.path.parent.parent
    if root.resolve() != Path.cwd().resolve() and not as_json:
        click.echo(f"runs of {root} (run store {store.path})", err=True)
    for run in chosen:  # a run whose runner was killed says so, and so do unconfirmed stops
        notes = (runner_note(root, run), stopping_note(store, run["run_id"]))
        run["note"] = "; ".join(note for note in notes if note)
    if as_json:
        click.echo(json.dumps(chosen, indent=2, default=str))
        return
    if not chosen:
        filtered = " matching those filters" if (flow or state or since) else " yet"
        click.echo(
            f"no runs{filtered} in {store.path}: start one with domino-flows run FILE WORKFLOW "
            "(a run of a flow in another project is in that project's store: domino-flows "
            "--project DIR runs)"
        )
        return
    click.echo(table(chosen))


@runs_command.command("prune")
@click.option(
    "--older-than", metavar="AGE", default=None, help="Runs started more than AGE ago: 7d, 12h."
)
@click.option("--keep", type=click.IntRange(min=0), default=None, help="Keep the newest N runs.")
@click.option("--dry-run", is_flag=True, help="Only list the runs that would be removed.")
@_errors_to_one_line
def runs_prune(older_than: str | None, keep: int | None, dry_run: bool) -> None:
    """Forget old runs and delete their job folders and data; a running run is never removed."""
    from domino_flows.runner import prune

    store = _store()
    chosen = prune.choose(store.runs() if store.path.exists() else [], older_than, keep)
    if dry_run:
        for run_id in chosen.removed:
            click.echo(run_id)
        click.echo(f"would remove {len(chosen.removed)} runs (dry run).", err=True)
        return
    prune.prune(store, chosen.removed)
    click.echo(chosen.message(store.path))


@click.command("show", context_settings=_RUN_ID_ARGS)
@click.argument("run_id")
@click.argument("task", required=False)
@click.option("--json", "as_json", is_flag=True)
@_errors_to_one_line
def show_command(run_id: str, task: str | None, as_json: bool) -> None:
    """A run's inputs and outputs; its tasks (or only TASK): jobs, cached and reused results,
    artifacts, errors."""
    from domino_flows.runner.lease import runner_note
    from domino_flows.runner.show import show_document, show_text, stopping_note

    store = _store()
    run = _run_or_fail(store, run_id)
    notes = (runner_note(store.path.parent.parent, run), stopping_note(store, run["run_id"]))
    run["note"] = "; ".join(note for note in notes if note)
    if task is not None:  # a node id as run prints it (n3) names its task
        task = _task_of_node(store, run["run_id"], task)
    document = show_document(store, run, task)  # short task names work when unique
    if store.path.parent.parent.resolve() != Path.cwd().resolve() and not as_json:
        click.echo(f"run store {store.path}", err=True)
    if as_json:
        click.echo(json.dumps(document, indent=2, default=str))
        return
    click.echo(show_text(document))


@click.command("logs", context_settings=_RUN_ID_ARGS)
@click.argument("run_id")
@click.argument("task", required=False)
@click.option("--attempt", type=int, default=None, help="Which attempt (default: the last).")
@click.option("--tail", type=click.IntRange(min=1), default=None, help="Only the last N lines.")
@click.option(
    "--follow", "-f", is_flag=True, help="Keep printing the task's log until its job ends."
)
@click.option("--json", "as_json", is_flag=True, help="The logs as a JSON list, one per task.")
@_errors_to_one_line
def logs_command(
    run_id: str,
    task: str | None,
    attempt: int | None,
    tail: int | None,
    follow: bool,
    as_json: bool,
) -> None:
    """Print a task's job log (stdout and stderr); without TASK, every task's last attempt.

    TASK is a task name (`train` is enough when unique) or a node id as run prints it (n3)."""
    from domino_flows.backends import get_backend
    from domino_flows.core.paths import default_project_root
    from domino_flows.runner import log_view

    store = _store()
    run = _run_or_fail(store, run_id)
    run_id = run["run_id"]
    attempts = store.attempts(run_id)
    if task is None:
        if follow:
            _fail(DominoFlowsError("logs -f follows one task: name it, e.g. logs -f RUN n1"))
        rows = log_view.last_attempts(attempts)
        if not rows:
            _fail(DominoFlowsError(f"run {run_id} has started no job yet; nothing has a log."))
    else:
        task = _task_of_node(store, run_id, task)
        rows = [log_view.choose(attempts, task, attempt, run_id)[-1]]
        if not rows[0].job_id:  # nothing to ask a backend for: say why there is no log
            _fail(DominoFlowsError(log_view.never_started(rows[0], run_id)))
    backend = get_backend(run["backend"] or None, default_project_root())
    try:
        if follow:
            row = rows[0]

            def still_running() -> bool:
                now = [
                    a
                    for a in store.attempts(run_id)
                    if (a.task, a.attempt) == (row.task, row.attempt)
                ]
                return bool(now) and now[0].state in ("Starting", "Running", "Pending", "Queued")

            log_view.follow(backend, row, still_running, lambda text: click.echo(text, nl=False))
            return
        entries = [log_view.entry(backend, row, tail) for row in rows]
    finally:
        backend.close()
    if as_json:
        click.echo(json.dumps([e.to_dict() for e in entries], indent=2))
        return
    for entry in entries:
        if len(entries) > 1:
            click.echo(
                f"==> {entry.task} (attempt {entry.attempt}, job {entry.job_id}, {entry.state}) <=="
            )
        if entry.note:
            click.echo(entry.note, err=True)
            continue
        if not entry.text:
            # Printing nothing would look like a broken command; say what was found.
            click.echo(
                f"task {entry.task}'s log is empty (job {entry.job_id}, attempt "
                f"{entry.attempt}, {entry.state}): the job wrote nothing to stdout or stderr.",
                err=True,
            )
            continue
        click.echo(entry.text, nl=not entry.text.endswith("\n"))


def _task_of_node(store: Any, run_id: str, given: str) -> str:
    """``n3`` to the task key that node's jobs are filed under; other names as given."""
    from domino_flows.runner import log_view
    from domino_flows.runner.state import RunnerState

    meta = RunnerState(store).meta(run_id)
    node_tasks = (meta.options.get(log_view.NODE_TASKS) or {}) if meta else {}
    return log_view.task_of_node(given, node_tasks, store.attempts(run_id))


@click.command("lineage", context_settings=_RUN_ID_ARGS)
@click.argument("run_id")
@click.option(
    "--json", "as_json", is_flag=True, help="The OpenLineage events, one JSON object per line."
)
@_errors_to_one_line
def lineage_command(run_id: str, as_json: bool) -> None:
    """Upstream and downstream of each output and artifact of a run."""
    from domino_flows.runner.lineage_view import describe

    store = _store()
    run_id = _run_or_fail(store, run_id)["run_id"]
    events = store.lineage_events(run_id)
    if as_json:
        # NDJSON: one OpenLineage RunEvent object per line, as stored (what a transport sends).
        for row in events:
            click.echo(json.dumps(json.loads(row["event"]), sort_keys=True))
        return
    click.echo(describe(events, store.artifacts(run_id)))


@click.command("graph")
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("workflow")
@click.option("--format", "fmt", type=click.Choice(["text", "mermaid", "dot"]), default="text")
@click.option("--json", "as_json", is_flag=True, help="Nodes and edges as a JSON object.")
def graph_command(file: str, workflow: str, fmt: str, as_json: bool) -> None:
    """Draw WORKFLOW's graph with each task's environment and hardware tier."""
    from domino_flows.authoring.loading import load_entity
    from domino_flows.runner.drawing import draw, graph_document

    try:
        entity = load_entity(file, workflow)
        flow = getattr(entity, "workflow", entity)
        if as_json:
            click.echo(json.dumps(graph_document(flow), indent=2))
            return
        click.echo(draw(flow, fmt))
    except DominoFlowsError as error:
        _fail(error)


@click.group("cache")
def cache_group() -> None:
    """Clear cached task results (domino-flows run's and flytekit's local ones)."""


@cache_group.command("clear")
@click.option("--task", default=None, help="Only this task's entries (`train` is enough).")
@_errors_to_one_line
def cache_clear(task: str | None) -> None:
    """Forget cached results, so the next run runs every task again.

    Clears both caches: the run store's (domino-flows run) and flytekit's local cache
    (python flow.py, pyflyte run), which lives in ~/.flyte/local-cache.
    """
    from domino_flows.runner.caches import clear_caches

    try:
        click.echo(clear_caches(_store(), task).message())
    except DominoFlowsError as error:
        _fail(error)
