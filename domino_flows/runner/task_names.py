"""Task names as people type them: ``train`` for ``flows.pipeline.train``.

flytekit names a task after its module and function (``flows.pipeline.train``), and the run store
files jobs under that name, or ``<task>@<node path>`` when a task is used by more than one node.
Commands that take a task (``logs``, ``show``, ``cache clear --task``) accept any dotted tail of
the full name (``train``, ``pipeline.train``) when exactly one task ends with it, as pytest's
``-k`` or pyflyte's short names would let you; an ambiguous or unknown name is an error that lists
the candidates.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from domino_flows.core.errors import DominoFlowsError


class TaskNameError(DominoFlowsError):
    """A task name given on the command line matches no task, or more than one."""


def base_name(key: str) -> str:
    """``flows.train`` for the run store's key ``flows.train@n1``."""
    return key.split("@", 1)[0]


def matches(given: str, name: str) -> bool:
    """Whether ``given`` names ``name``: equal, or a whole dotted tail of it."""
    return name == given or name.endswith("." + given)


def resolve_task(given: str, known: Iterable[str], where: str) -> str:
    """The full task name (or store key, when ``given`` has ``@node``) that ``given`` stands for.

    ``known`` holds full names or store keys; ``where`` says what was searched ("run X",
    "the cache"), for the error.
    """
    keys = sorted(set(known))
    if given in keys:
        return given
    name, at, node = given.partition("@")
    names = sorted({base_name(key) for key in keys})
    found = [candidate for candidate in names if matches(name, candidate)]
    if len(found) > 1:
        raise TaskNameError(
            f"task {given!r} is ambiguous in {where}: it could be {', '.join(found)}; give more "
            "of the name."
        )
    if not found:
        raise TaskNameError(unknown_task_message(given, names, where))
    if not at:
        return found[0]
    full_key = f"{found[0]}@{node}"
    if full_key not in keys:
        nodes = sorted(key for key in keys if base_name(key) == found[0] and "@" in key)
        raise TaskNameError(
            f"task {found[0]!r} has no node {node!r} in {where}; its nodes: "
            f"{', '.join(nodes) or 'none (use the task name alone)'}."
        )
    return full_key


def unknown_task_message(given: str, names: list[str], where: str) -> str:
    if not names:
        return f"{where} has no task {given!r}: it has no tasks at all."
    short = {name.rsplit(".", 1)[-1]: name for name in names}
    close = difflib.get_close_matches(given.rsplit(".", 1)[-1], list(short), n=1)
    hint = f" Did you mean {short[close[0]]!r}?" if close else ""
    return (
        f"{where} has no task {given!r}; its tasks: {', '.join(names)} (a name's last part, "
        f"e.g. {names[0].rsplit('.', 1)[-1]!r}, is enough when it is unique).{hint}"
    )
