"""Helpers of the daily commands: pyflyte-style input options, ``run --check``, run ids such as
``last`` and ``-1``.

Kept apart from the click commands so each is tested without a command line, and so the commands
module stays a thin layer of options.
"""

from __future__ import annotations

import json
from typing import Any

import rich_click as click

from domino_flows.core.errors import DominoFlowsError
from domino_flows.runner.inputs import InputError

LAST = "last"


def workflow_options(args: list[str]) -> list[str]:
    """``--rows 300 --name=x --verbose`` (pyflyte's way of giving workflow inputs) as
    ``rows=300``, ``name=x``, ``verbose=true`` assignments. A word that is not an option is
    refused, naming it: click leaves extra words here too."""
    out: list[str] = []
    index = 0
    while index < len(args):
        word = args[index]
        if not word.startswith("--") or word == "--":
            raise InputError(
                f"unexpected argument {word!r}: give workflow inputs as --input NAME=VALUE or "
                "--NAME VALUE (see domino-flows run --help)."
            )
        name, sep, value = word[2:].partition("=")
        if not sep:
            following = args[index + 1] if index + 1 < len(args) else None
            if following is None or following.startswith("--"):
                value = "true"  # a bare flag is a boolean input set to true, as pyflyte has it
            else:
                value = following
                index += 1
        out.append(f"{name.replace('-', '_')}={value}")
        index += 1
    return out


def check_and_report(file: str, workflow: str, backend: str | None, as_json: bool) -> None:
    """``run --check``: print what the preflight found; exit 0 when the run can start, else 1."""
    from domino_flows.runner import run as runs
    from domino_flows.runner.preflight import failure_text

    try:
        found = runs.check(file, workflow, backend)
    except DominoFlowsError as error:
        click.echo(f"error: {error}", err=True)
        raise SystemExit(2) from None
    if as_json:
        document = {"ok": not found.problems, "problems": found.problems, "notes": found.notes}
        click.echo(json.dumps(document, indent=2))
    else:
        for note in found.notes:
            click.echo(f"note: {note}")
        if found.problems:
            click.echo(failure_text(workflow, found.problems), err=True)
        else:
            click.echo(f"{workflow}: ready to run ({found.tasks} job tasks checked).")
    if found.problems:
        raise SystemExit(1)


def resolve_run_id(text: str, runs: list[dict[str, Any]], where: str) -> str:
    """``last`` or ``-1`` is the newest run, ``-2`` the one before; anything else is taken as an
    id. ``runs`` are oldest first, as the run store lists them."""
    if text == LAST:
        text = "-1"
    if text.startswith("-") and text[1:].isdigit():
        back = int(text[1:])
        if back < 1 or back > len(runs):
            raise DominoFlowsError(
                f"run {text}: {where} has {len(runs)} run{'s' if len(runs) != 1 else ''}; "
                "-1 (or last) is the newest, -2 the one before."
            )
        return str(runs[-back]["run_id"])
    return text
