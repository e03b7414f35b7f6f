"""What the runner's commands share: one-line errors (exit 2), the project's run store as the
commands that only read it open it, and a run looked up by the id as typed (``last``, ``-1``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NoReturn

import rich_click as click

from domino_flows.core.errors import DominoFlowsError

# `show -1`: a run id counted back from the newest reads like an option; let it through.
RUN_ID_ARGS = {"ignore_unknown_options": True}


def fail(error: Exception) -> NoReturn:
    from domino_flows.core.redaction import redact

    click.echo(redact(f"error: {error}"), err=True)
    raise SystemExit(2)


def run_store() -> Any:
    """The project's run store, for commands that only read it (and ``cache clear``): a project
    without one reads as having no runs, and a read-only one is read without being changed."""
    from domino_flows.core.paths import default_project_root
    from domino_flows.records.store import RunStore

    return RunStore.for_project(default_project_root(), create=False)


def errors_to_one_line(command: Callable[..., None]) -> Callable[..., None]:
    """A damaged or locked run store (or any typed error) ends the command with one line."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except DominoFlowsError as error:
            fail(error)

    return wrapper


def run_or_fail(store: Any, run_id: str) -> dict[str, Any]:
    from domino_flows.runner.everyday import resolve_run_id

    runs = store.runs()
    run_id = resolve_run_id(run_id, runs, str(store.path))
    for run in runs:
        if run["run_id"] == run_id:
            return run
    recent = ", ".join(r["run_id"] for r in runs[-5:]) or "none yet"
    fail(DominoFlowsError(f"no run {run_id!r} in {store.path}; recent runs: {recent}."))
