"""The runner's commands that run or draw flows: run, resume, graph, cache (the commands on
recorded runs are in history_commands.py)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import rich_click as click

from domino_flows.core.errors import DominoFlowsError
from domino_flows.core.project import BACKEND_NAMES, ProjectSettings
from domino_flows.runner.command_support import (
    RUN_ID_ARGS,
    errors_to_one_line,
    fail,
    run_store,
)


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
        fail(error)
    if check:
        check_and_report(file, workflow, backend, as_json)
        return

    def go(reporter: Any, settings: ProjectSettings | None) -> tuple[Any, str]:
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
            settings=settings,
        )
        return runs.start(request, reporter)

    # before the run started: nothing ran, nothing to resume
    _drive_and_report(
        go, as_json, "interrupted before the run started; nothing was run", file, backend
    )


@click.command("resume", context_settings=RUN_ID_ARGS)
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON result object instead.")
def resume_command(run_id: str, as_json: bool) -> None:
    """Continue a failed or killed run without re-running the tasks that finished."""

    def go(reporter: Any, _: ProjectSettings | None) -> tuple[Any, str]:
        from domino_flows.runner import run as runs

        run_store().require_writable()  # a resume records every job it starts: check first
        return runs.resume(_resolve_run_id(run_id), reporter)

    # before the run went on: its record is unchanged
    _drive_and_report(go, as_json, f"interrupted before run {run_id} went on; resume it again")


def _drive_and_report(
    go: Callable[[Any, ProjectSettings | None], tuple[Any, str]],
    as_json: bool,
    interrupted_early: str,
    root_file: str | None = None,
    backend: str | None = None,
) -> None:
    """``run`` and ``resume``: drive the run, then print its result, its interruption (exit
    130/143/129) or its error in one line. Everything, imports included, is inside the handlers,
    so a Ctrl-C at any moment gets the right words and exit code. A run of ``root_file`` starts
    its backend's helpers first (see ``backends.start_early``), before flytekit's import."""
    try:
        with _started_early(root_file, backend) as settings:
            result, backend_name = _drive(go, as_json, settings)
    except DominoFlowsError as error:
        fail(error)
    except OSError as error:  # before the run went on (during it, the run names it itself)
        from domino_flows.core.paths import disk_full_problem, is_disk_full

        if not is_disk_full(error):
            raise
        fail(DominoFlowsError(f"{disk_full_problem(error)} and run again."))
    except KeyboardInterrupt:
        click.echo(interrupted_early, err=True)
        raise SystemExit(130) from None
    _emit_result(result, backend_name, as_json, root_file)


@contextlib.contextmanager
def _started_early(root_file: str | None, backend: str | None) -> Iterator[ProjectSettings | None]:
    """The project settings of a run of ``root_file``, read as its backend's helpers start."""
    if root_file is None:
        yield None
        return
    from domino_flows import backends
    from domino_flows.backends import local_warm
    from domino_flows.core.paths import project_of_file

    try:
        yield backends.start_early(backend, project_of_file(root_file))
    finally:
        local_warm.discard_early()  # when the run took none (it failed before its first job)


def _drive(
    go: Callable[[Any, ProjectSettings | None], tuple[Any, str]],
    as_json: bool,
    settings: ProjectSettings | None,
) -> tuple[Any, str]:
    from domino_flows.core.redaction import redact
    from domino_flows.runner.progress import reporter_for
    from domino_flows.runner.run import RunInterrupted

    try:
        return go(reporter_for(quiet=as_json), settings)
    except RunInterrupted as stopped:
        with contextlib.suppress(OSError):  # after SIGHUP the terminal may be gone
            click.echo(redact(str(stopped)), err=True)
        raise SystemExit(stopped.exit_code) from None


def _resolve_run_id(text: str) -> str:
    """``last``, ``-1``, ``-2`` to a run id of this project's store; other words as given."""
    from domino_flows.runner.everyday import resolve_run_id

    store = run_store()
    return resolve_run_id(text, store.runs(), str(store.path))


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
        fail(error)


@click.group("cache")
def cache_group() -> None:
    """Clear cached task results (domino-flows run's and flytekit's local ones)."""


@cache_group.command("clear")
@click.option("--task", default=None, help="Only this task's entries (`train` is enough).")
@errors_to_one_line
def cache_clear(task: str | None) -> None:
    """Forget cached results, so the next run runs every task again.

    Clears both caches: the run store's (domino-flows run) and flytekit's local cache
    (python flow.py, pyflyte run), which lives in ~/.flyte/local-cache.
    """
    from domino_flows.runner.caches import clear_caches

    try:
        click.echo(clear_caches(run_store(), task).message())
    except DominoFlowsError as error:
        fail(error)
