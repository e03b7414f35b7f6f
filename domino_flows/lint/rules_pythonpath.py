"""DF012: a job command whose Python cannot import the repository code it needs.

A Domino job starts in the project's root (``/mnt/code`` in a git-based project, ``/mnt`` in a
DFS one; a local job starts in the same place). What Python can then import depends on how the
command starts it:

- ``python -m pkg.mod`` puts the working directory, the project root, first on the import path:
  packages at the root import. Only a module that lives elsewhere in the repository (``src/``)
  and is not installed cannot;
- ``python scripts/x.py`` puts the script's own folder first, not the project root: the script's
  imports of the repository's packages fail unless those are installed in the environment.

So the rule reads the script a command runs and reports it only when it imports a module of the
repository that is neither next to the script nor installed. Standard-library imports, installed
packages (``domino_flows``, ``pandas``), scripts at the project root and commands that set
``PYTHONPATH`` are fine. A script in a subfolder that is not in the repository at all is reported
too: the job could not start it, and its imports cannot be checked. The suggested fix,
``PYTHONPATH="$PWD"``, names the project root wherever the job starts, on Domino and locally.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from domino_flows.lint.context import Issue, ModuleContext, issue
from domino_flows.lint.syntax import const_str

_PYTHON_RUN = re.compile(
    r"(?:^|[\s;&|(])python(?:3(?:\.\d+)?)?(?:\s+-[A-Za-z]+)*?\s+"
    r"(?:-m\s*(?P<module>[A-Za-z_][\w.]*)|(?P<script>[^\s;&|'\"]+\.py)(?![\w.]))"
)
_CD = re.compile(r"(?:^|[\s;&|(])(?:cd|pushd)\s+(?P<folder>[^\s;&|]+)")
# Where a job starts anyway: `cd` there changes nothing.
_ROOTS = frozenset({"/mnt/code", "/mnt/code/", "/mnt", "/mnt/", ".", "$DOMINO_WORKING_DIR"})
_COMMAND_KEYWORDS = ("Command", "command")
# Folders of /mnt that hold something other than the project's code on Domino.
_NOT_CODE = ("artifacts", "data", "imported")
FIX = 'PYTHONPATH="$PWD"'


def project_root(path: str) -> Path:
    """The project a flow file belongs to: where its jobs start. The same answer as ``run`` and
    ``submit`` (``paths.project_of_file``): the nearest folder with a project marker, else the
    project of the folder the command runs in, so lint never judges from another root."""
    from domino_flows.core.paths import project_of_file

    return project_of_file(path)


@lru_cache(maxsize=1)
def _installed() -> frozenset[str]:
    """Top-level import names that installed distributions provide (editable installs too)."""
    from importlib.metadata import packages_distributions

    return frozenset(packages_distributions())


def _repository_module(name: str, folder: Path) -> bool:
    return (folder / f"{name}.py").is_file() or (folder / name).is_dir()


def _script_path(script: str, root: Path) -> Path | None:
    """Where a command's script is in the project, or None when it is not project code."""
    if script.startswith("/mnt/code/"):
        return root / script.removeprefix("/mnt/code/")
    if script.startswith("/mnt/"):
        rest = script.removeprefix("/mnt/")
        return None if rest.split("/", 1)[0] in _NOT_CODE else root / rest  # a DFS project
    if script.startswith("/"):
        return None  # a tool of the environment, outside the project
    return root / script


def _imported_tops(script: Path) -> list[str]:
    try:
        tree = ast.parse(script.read_text(encoding="utf-8"), str(script))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return []  # unreadable: not this rule's business (DF000 is for flow files)
    tops: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            tops.extend(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            tops.append(node.module.split(".")[0])
    return list(dict.fromkeys(tops))


def problem(command: str, root: Path) -> str | None:
    """Why ``command`` cannot import repository code it needs, when run from ``root``."""
    if "PYTHONPATH=" in command:
        return None  # the command sets its own path
    if any(m.group("folder").strip("'\"") not in _ROOTS for m in _CD.finditer(command)):
        return None  # it runs from another folder: relative paths mean something else
    for match in _PYTHON_RUN.finditer(command):
        module, script = match.group("module"), match.group("script")
        found = _module_problem(module, root) if module else _script_problem(script, root)
        if found:
            return found
    return None


def _module_problem(module: str, root: Path) -> str | None:
    top = module.split(".")[0]
    if top in sys.stdlib_module_names or top in _installed() or _repository_module(top, root):
        return None  # the working directory (the project root) is on the path with -m
    if _repository_module(top, root / "src"):
        return (
            f"job command runs `python -m {module}`, but `{top}` is in src/, which is not on "
            f"Python's import path in the job, and it is not installed. Prefix the command: "
            f'`PYTHONPATH="$PWD/src" python -m {module}`, or install the package in the '
            "environment."
        )
    return None


def _script_problem(script: str, root: Path) -> str | None:
    path = _script_path(script, root)
    if path is None or path.parent == root:
        return None  # not project code, or at the root, which is then on the import path
    if not path.is_file():
        return (
            f"job command runs `{script}`, which is not in this project (looked for {path}): the "
            "job cannot start it, and its imports cannot be checked. Fix the path (relative to "
            "the project root, where the job starts)."
        )
    folder = path.parent
    for top in _imported_tops(path):
        if top in sys.stdlib_module_names or top in _installed():
            continue
        if _repository_module(top, folder) or not _repository_module(top, root):
            continue  # next to the script (on its path), or not the repository's at all
        relative = path.relative_to(root).as_posix() if path.is_relative_to(root) else path
        return (
            f"job command runs `{script}`, which imports `{top}` from this repository; Python "
            f"puts only the script's folder on the import path, and `{top}` is not installed, "
            f"so the import fails in the job. Prefix the command: `{FIX} python {script}` (the "
            f"job starts at the project root, on Domino and locally), or install `{top}` in the "
            f"environment. ({relative})"
        )
    return None


def _command_text(ctx: ModuleContext, node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return ctx.module_strings.get(node.id)
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{}"
            for v in node.values
        )
    return const_str(node)


def check_pythonpath(ctx: ModuleContext) -> Iterator[Issue]:
    """DF012 on the ``Command=``/``command=`` of Domino job definitions."""
    root: Path | None = None
    for node in ctx.calls:
        symbol = ctx.call_symbol(node)
        if symbol is None or symbol[0] != "domino":
            continue
        values = [kw.value for kw in node.keywords if kw.arg in _COMMAND_KEYWORDS]
        if symbol[1] == "run_domino_job_task" and len(node.args) >= 2:
            values.append(node.args[1])  # run_domino_job_task(name, command, ...)
        for value in values:
            command = _command_text(ctx, value)
            if not command:
                continue
            root = root or project_root(ctx.path)
            message = problem(command, root)
            if message:
                yield issue("DF012", value, message)
