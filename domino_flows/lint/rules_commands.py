"""DF016: a job command that names a script Domino has no job type for.

Domino runs a command that starts with a file name by the file's extension (``prep.py`` with
python, ``adsl.sas`` with SAS; ``domino_flows.contract.job_types``). A command whose first word is a
file name with another extension (``report.txt``, ``build.bat``) has no program to run it: the job
fails at once on Domino. Name the program (``bash build.bat``), or use a supported script.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from domino_flows.contract import job_types
from domino_flows.lint.context import Issue, ModuleContext, issue
from domino_flows.lint.syntax import const_str

_COMMAND_KEYWORDS = ("Command", "command")


def job_commands(ctx: ModuleContext) -> Iterator[tuple[ast.expr, str]]:
    """The literal ``Command=``/``command=`` of Domino job definitions, with their nodes."""
    for node in ctx.calls:
        symbol = ctx.call_symbol(node)
        if symbol is None or symbol[0] != "domino":
            continue
        values = [kw.value for kw in node.keywords if kw.arg in _COMMAND_KEYWORDS]
        if symbol[1] == "run_domino_job_task" and len(node.args) >= 2:
            values.append(node.args[1])  # run_domino_job_task(name, command, ...)
        for value in values:
            text = ctx.module_strings.get(value.id) if isinstance(value, ast.Name) else None
            command = text or const_str(value)
            if command:
                yield value, command


def check_job_types(ctx: ModuleContext) -> Iterator[Issue]:
    """DF016 on commands whose script's extension is not one of Domino's job types."""
    for node, command in job_commands(ctx):
        extension = job_types.unknown_extension(command)
        if extension is None:
            continue
        script = command.split()[0]
        known = ", ".join(f".{e}" for e in job_types.JOB_TYPES)
        yield issue(
            "DF016",
            node,
            f"job command starts with `{script}`, and Domino runs a file by its extension; it "
            f"has no job type for .{extension} ({known}). Name the program that runs it "
            f"(e.g. `bash {script}`), or use one of those.",
        )
