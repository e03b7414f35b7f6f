"""The runner's commands: run, resume, runs, show, logs, lineage, graph, cache."""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import rich_click as click

from domino_flows.errors import DominoFlowsError
from domino_flows.project import BACKEND_NAMES


def _fail(error: Exception) -> NoReturn:
    from domino_flows.redaction import redact

    click.echo(redact(f"error: {error}"), err=True)
    raise SystemExit(2)


def _emit_result(result: Any, backend: str, as_json: bool) -> None:
    from domino_flows.runner.progress import summary

    if as_json:
        click.echo(json.dumps(result_document(result), indent=2, sort_keys=True))
    else:
        from domino_flows.redaction import redact

        click.echo(redact(summary(result, backend)), err=not result.success)
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


@click.command("run")
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
def run_command(
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
) -> None:
    """Run WORKFLOW (or a launch plan) from FILE, each task as a job, independent tasks at once.

    Gates: approve() asks in a terminal (or takes --approve/--approve-all), wait_for_input()
    asks (or takes --gate-input), sleep() does not wait."""

    def go(reporter: Any) -> tuple[Any, str]:
        from domino_flows.runner import inputs as flow_inputs
        from domino_flows.runner import run as runs
        from domino_flows.runner.engine import RunOptions
        from domino_flows.runner.gates import GateOptions

        request = runs.RunRequest(
            file=file,
            workflow=workflow,
            assignments=flow_inputs.parse_assignments(list(assignments)),
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
        )
        return runs.start(request, reporter)

    # before the run started: nothing ran, nothing to resume
    _drive_and_report(go, as_json, "interrupted before the run started; nothing was run")


@click.command("resume")
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON result object instead.")
def resume_command(run_id: str, as_json: bool) -> None:
    """Continue a failed or killed run without re-running the tasks that finished."""

    def go(reporter: Any) -> tuple[Any, str]:
        from domino_flows.runner import run as runs

        _store().require_writable()  # a resume records every job it starts: check first
        return runs.resume(run_id, reporter)

    # before the run went on: its record is unchanged
    _drive_and_report(go, as_json, f"interrupted before run {run_id} went on; resume it again")


def _drive_and_report(
    go: Callable[[Any], tuple[Any, str]], as_json: bool, interrupted_early: str
) -> None:
    """``run`` and ``resume``: drive the run, then print its result, its interruption (exit
    130/143/129) or its error in one line. Everything, imports included, is inside the handlers,
    so a Ctrl-C at any moment gets the right words and exit code."""
    try:
        from domino_flows.redaction import redact
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
        from domino_flows.paths import disk_full_problem, is_disk_full

        if not is_disk_full(error):
            raise
        _fail(DominoFlowsError(f"{disk_full_problem(error)} and run again."))
    except KeyboardInterrupt:
        click.echo(interrupted_early, err=True)
        raise SystemExit(130) from None
    _emit_result(result, backend_name, as_json)


def _store() -> Any:
    """The project's run store, for commands that only read it (and ``cache clear``): a project
    without one reads as having no runs, and a read-only one is read without being changed."""
    from domino_flows.paths import default_project_root
    from domino_flows.records import RunStore

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


def _run_or_fail(store: Any, run_id: str) -> dict[str, Any]:
    runs = store.runs()
    for run in runs:
        if run["run_id"] == run_id:
            return run
    recent = ", ".join(r["run_id"] for r in runs[-5:]) or "none yet"
    _fail(DominoFlowsError(f"no run {run_id!r} in {store.path}; recent runs: {recent}."))


@click.command("runs")
@click.option("--limit", type=click.IntRange(min=1), default=20, help="Show this many runs.")
@click.option("--json", "as_json", is_flag=True)
@_errors_to_one_line
def runs_command(limit: int, as_json: bool) -> None:
    """List recent runs, newest last."""
    from domino_flows.runner.lease import runner_note
    from domino_flows.runner.show import stopping_note

    store = _store()
    runs = store.runs()[-limit:]
    root = store.path.parent.parent
    for (
        run
    ) in runs:  # a run recorded Running whose runner was killed says so, and unconfirmed stops
        notes = (runner_note(root, run), stopping_note(store, run["run_id"]))
        run["note"] = "; ".join(note for note in notes if note)
    if as_json:
        click.echo(json.dumps(runs, indent=2, default=str))
        return
    if not runs:
        click.echo("no runs yet: start one with domino-flows run FILE WORKFLOW")
        return
    for run in runs:
        note = f"  ({run['note']})" if run["note"] else ""
        click.echo(
            f"{run['run_id']}  {run['state']:<9}  {run['flow']}  {run['backend']}  "
            f"{run['started_at']}{note}"
        )


@click.command("show")
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
    notes = (runner_note(store.path.parent.parent, run), stopping_note(store, run_id))
    run["note"] = "; ".join(note for note in notes if note)
    document = show_document(store, run, task)  # short task names work when unique
    if as_json:
        click.echo(json.dumps(document, indent=2, default=str))
        return
    click.echo(show_text(document))


@click.command("logs")
@click.argument("run_id")
@click.argument("task")
@click.option("--attempt", type=int, default=None, help="Which attempt (default: the last).")
@click.option("--tail", type=click.IntRange(min=1), default=None, help="Only the last N lines.")
@_errors_to_one_line
def logs_command(run_id: str, task: str, attempt: int | None, tail: int | None) -> None:
    """Print a task's job log (stdout and stderr)."""
    from domino_flows.backends import get_backend
    from domino_flows.paths import default_project_root
    from domino_flows.runner.task_names import resolve_task

    store = _store()
    run = _run_or_fail(store, run_id)
    try:  # short names (`train` for `flows.pipeline.train`) work when unique
        task = resolve_task(task, [a.task for a in store.attempts(run_id)], f"run {run_id}")
    except DominoFlowsError as error:
        _fail(error)
    attempts = [
        a for a in store.attempts(run_id) if a.task == task or a.task.startswith(task + "@")
    ]
    nodes = sorted({a.task for a in attempts})
    if len(nodes) > 1:  # one task used by several nodes: each node has its own jobs and logs
        _fail(
            DominoFlowsError(
                f"task {task!r} ran as {len(nodes)} nodes of run {run_id}: {', '.join(nodes)}. "
                f"Name one: domino-flows logs {run_id} {nodes[0]}"
            )
        )
    chosen = [a for a in attempts if attempt is None or a.attempt == attempt]
    if not chosen:
        _fail(DominoFlowsError(f"task {task!r} of run {run_id} has no attempt {attempt}."))
    last = chosen[-1]
    if not last.job_id:  # nothing to ask a backend for: say why there is no log
        why = (last.error or "").strip().splitlines()
        _fail(
            DominoFlowsError(
                f"task {last.task} attempt {last.attempt} of run {run_id} has no log: its job "
                f"never started ({last.state}" + (f": {why[0][:300]}" if why else "") + ")."
            )
        )
    root = default_project_root()
    backend = get_backend(run["backend"] or None, root)
    try:
        text = backend.logs(
            backend.handle_for(last.run_id, last.task, last.attempt, last.job_id, last.url),
            tail=tail,
        )
    finally:
        backend.close()
    if not text:
        # Printing nothing would look like a broken command; say what was found.
        click.echo(
            f"task {last.task}'s log is empty (job {last.job_id}, attempt {last.attempt}, "
            f"{last.state}): the job wrote nothing to stdout or stderr.",
            err=True,
        )
        return
    click.echo(text, nl=not text.endswith("\n"))


@click.command("lineage")
@click.argument("run_id")
@click.option(
    "--json", "as_json", is_flag=True, help="The OpenLineage events, one JSON object per line."
)
@_errors_to_one_line
def lineage_command(run_id: str, as_json: bool) -> None:
    """Upstream and downstream of each output and artifact of a run."""
    from domino_flows.runner.lineage_view import describe

    store = _store()
    _run_or_fail(store, run_id)
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
def graph_command(file: str, workflow: str, fmt: str) -> None:
    """Draw WORKFLOW's graph with each task's environment and hardware tier."""
    from domino_flows.loading import load_entity
    from domino_flows.runner.drawing import draw

    try:
        entity = load_entity(file, workflow)
        click.echo(draw(getattr(entity, "workflow", entity), fmt))
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
