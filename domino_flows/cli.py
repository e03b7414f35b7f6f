"""The ``domino-flows`` command line.

Start-up must stay fast: ``--help`` and ``--version`` never import flytekit (about a second on its
own). Each subcommand lives in its own module and is imported only when it is invoked; its one-line
help is kept here so that the group's help can be printed without importing it.
"""

from __future__ import annotations

import importlib
from typing import Any

import rich_click as click

from domino_flows._version import __version__

# name -> ("module:attribute", short help). Commands are loaded on first use.
COMMANDS: dict[str, tuple[str, str]] = {}


def register(name: str, target: str, short_help: str) -> None:
    COMMANDS[name] = (target, short_help)


class LazyGroup(click.RichGroup):
    """A click group whose subcommands are imported only when one is run or asked for help."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        if ctx.resilient_parsing or _only_listing(ctx):
            # Listing the group's commands: a placeholder carries the short help.
            return click.Command(cmd_name, short_help=COMMANDS[cmd_name][1])
        target, _ = COMMANDS[cmd_name]
        module_name, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command


def _only_listing(ctx: click.Context) -> bool:
    # click asks for every command while formatting the group's own help page.
    return bool(ctx.meta.get("domino_flows.listing"))


class _ListingGroup(LazyGroup):
    def format_help(self, ctx: Any, formatter: Any) -> None:
        ctx.meta["domino_flows.listing"] = True
        try:
            super().format_help(ctx, formatter)
        finally:
            ctx.meta["domino_flows.listing"] = False


@click.group(cls=_ListingGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="domino-flows")
@click.option(
    "--project",
    "project_dir",
    type=click.Path(exists=True, file_okay=False),
    default=None,
    help="The project folder (its settings and run store) for every command; default: the "
    "nearest folder above here with pyproject.toml, .git, setup.py or setup.cfg.",
)
def main(project_dir: str | None) -> None:
    """Build, run and ship Domino Flows.

    Tasks are Domino Jobs with their own environment and hardware tier. Run flows locally on the
    embedded backend (the default) or on a Domino deployment, and submit them to Domino Flows.
    """
    from domino_flows.core.redaction import console_logging

    console_logging()  # the kit's own warnings only, masked: no library's log lines
    if project_dir:
        from domino_flows.core.paths import use_project

        use_project(project_dir)


def _register_builtin_commands() -> None:
    # Kept in one place so that the group's help lists exactly what can be run.
    runner = "domino_flows.runner.commands"
    register("run", f"{runner}:run_command", "Run a workflow, each task as a job, concurrently.")
    register("resume", f"{runner}:resume_command", "Continue a failed or killed run.")
    history = "domino_flows.runner.history_commands"
    register("runs", f"{history}:runs_command", "List recent runs.")
    register("show", f"{history}:show_command", "Show a run's tasks, jobs and artifacts.")
    register("logs", f"{history}:logs_command", "Print a task's job log.")
    register("lineage", f"{history}:lineage_command", "Upstream and downstream of a run's outputs.")
    register("graph", f"{runner}:graph_command", "Draw a workflow's graph (text, mermaid, dot).")
    register("cache", f"{runner}:cache_group", "Clear the local result cache.")
    register(
        "lint", "domino_flows.lint.command:lint", "Check flow files for Domino Flows anti-patterns."
    )
    register(
        "new",
        "domino_flows.onboarding.new:new_command",
        "Create a new flow project from the template.",
    )
    register(
        "port",
        "domino_flows.onboarding.port:port_command",
        "Port official-plugin flows to the kit.",
    )
    register(
        "submit",
        "domino_flows.submit.command:submit_command",
        "Check a flow and launch it on Domino Flows.",
    )


_register_builtin_commands()


def _register_ui_commands() -> None:
    # Pages over the run store; they need the [ui] extra and say so when it is missing.
    ui = "domino_flows.ui.command"
    register("ui", f"{ui}:ui_command", "Browse runs, DAGs, logs, artifacts and lineage in a page.")
    register("report", f"{ui}:report_command", "Write a run's page as one HTML file (--html).")


_register_ui_commands()


def run() -> None:
    """The ``domino-flows`` program: the group, then the end :func:`core.exiting.leave` gives a
    process, without the interpreter's teardown of every module (0.2 to 0.3 s once flytekit is
    loaded). ``main`` itself stays an ordinary click group, for tests and for embedding."""
    from domino_flows.core import exiting

    try:
        main()  # standalone: it ends in SystemExit with the command's status
    except SystemExit as exit_:
        exiting.leave(exiting.exit_status(exit_.code))
    exiting.leave(0)


if __name__ == "__main__":  # python -m domino_flows.cli
    run()
