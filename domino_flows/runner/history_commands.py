"""The commands on a project's recorded runs: runs (and runs prune), show, logs, lineage. They
read the run store and never import flytekit; their logic lives in run_list.py, prune.py,
log_view.py and the records package."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import rich_click as click

from domino_flows.core.errors import DominoFlowsError
from domino_flows.runner.command_support import (
    RUN_ID_ARGS,
    errors_to_one_line,
    fail,
    run_or_fail,
    run_store,
)


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
@errors_to_one_line
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

    store = run_store()
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
@errors_to_one_line
def runs_prune(older_than: str | None, keep: int | None, dry_run: bool) -> None:
    """Forget old runs and delete their job folders and data; a running run is never removed."""
    from domino_flows.runner import prune

    store = run_store()
    chosen = prune.choose(store.runs() if store.path.exists() else [], older_than, keep)
    if dry_run:
        for run_id in chosen.removed:
            click.echo(run_id)
        click.echo(f"would remove {len(chosen.removed)} runs (dry run).", err=True)
        return
    prune.prune(store, chosen.removed)
    click.echo(chosen.message(store.path))


@click.command("show", context_settings=RUN_ID_ARGS)
@click.argument("run_id")
@click.argument("task", required=False)
@click.option("--json", "as_json", is_flag=True)
@errors_to_one_line
def show_command(run_id: str, task: str | None, as_json: bool) -> None:
    """A run's inputs and outputs; its tasks (or only TASK): jobs, cached and reused results,
    artifacts, errors."""
    from domino_flows.runner.lease import runner_note
    from domino_flows.runner.show import show_document, show_text, stopping_note

    store = run_store()
    run = run_or_fail(store, run_id)
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


@click.command("logs", context_settings=RUN_ID_ARGS)
@click.argument("run_id")
@click.argument("task", required=False)
@click.option("--attempt", type=int, default=None, help="Which attempt (default: the last).")
@click.option("--tail", type=click.IntRange(min=1), default=None, help="Only the last N lines.")
@click.option(
    "--follow", "-f", is_flag=True, help="Keep printing the task's log until its job ends."
)
@click.option("--json", "as_json", is_flag=True, help="The logs as a JSON list, one per task.")
@errors_to_one_line
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

    store = run_store()
    run = run_or_fail(store, run_id)
    run_id = run["run_id"]
    attempts = store.attempts(run_id)
    if task is None:
        if follow:
            fail(DominoFlowsError("logs -f follows one task: name it, e.g. logs -f RUN n1"))
        rows = log_view.last_attempts(attempts)
        if not rows:
            fail(DominoFlowsError(f"run {run_id} has started no job yet; nothing has a log."))
    else:
        task = _task_of_node(store, run_id, task)
        rows = [log_view.choose(attempts, task, attempt, run_id)[-1]]
        if not rows[0].job_id:  # nothing to ask a backend for: say why there is no log
            fail(DominoFlowsError(log_view.never_started(rows[0], run_id)))
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


@click.command("lineage", context_settings=RUN_ID_ARGS)
@click.argument("run_id")
@click.option(
    "--json", "as_json", is_flag=True, help="The OpenLineage events, one JSON object per line."
)
@errors_to_one_line
def lineage_command(run_id: str, as_json: bool) -> None:
    """Upstream and downstream of each output and artifact of a run."""
    from domino_flows.runner.lineage_view import describe

    store = run_store()
    run_id = run_or_fail(store, run_id)["run_id"]
    events = store.lineage_events(run_id)
    if as_json:
        # NDJSON: one OpenLineage RunEvent object per line, as stored (what a transport sends).
        for row in events:
            click.echo(json.dumps(json.loads(row["event"]), sort_keys=True))
        return
    click.echo(describe(events, store.artifacts(run_id)))
