"""``domino-flows port``: rewrite flows written for Domino's official plugin to use this kit.

The kit keeps the official plugin's public names (``DominoJobTask``, ``DominoJobConfig``,
``run_domino_job_task``, ``Input``, ``Output``, ``Artifact``...), and a flow built with either
serializes to the same Domino task, so porting changes how a flow is imported, not what it means
on Domino:

- ``from flytekitplugins.domino.task|helpers|artifact|file import X`` (and the early
  ``domino.flyte.task``) becomes ``from domino_flows import X``;
- ``import flytekitplugins.domino.helpers as h`` becomes ``import domino_flows as h``;
- ``DominoJobConfig(ApiKey=..., OwnerName=..., ProjectName=...)`` loses those arguments: the key
  was stored in Flyte in clear (a leak), and the project is the one the flow runs in;
- names the kit does not have (the early artifact API's ``ArtifactGroup`` and
  ``create_artifact``, say) stay imported from the official plugin and are listed as not ported,
  with their line, so nothing changes meaning silently.

Stage scripts and task commands are left alone: local jobs see Domino's filesystem
(``/workflow``, ``/mnt/code``), so ``python /mnt/code/scripts/x.py`` runs unchanged.

Why a rewrite rather than a ``flytekitplugins.domino`` stand-in module: ``flytekitplugins`` is a
namespace package shared by every flytekit plugin, so a stand-in would either be overwritten by
the official plugin or overwrite it on install; and a flow that says ``domino_flows`` states
which library it runs on. The rewrite is shown as a diff and written only when asked.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import rich_click as click

import domino_flows
from domino_flows.core.errors import DominoFlowsError
from domino_flows.core.paths import STATE_DIR

OFFICIAL_MODULES = (
    "flytekitplugins.domino",
    "flytekitplugins.domino.task",
    "flytekitplugins.domino.helpers",
    "flytekitplugins.domino.artifact",
    "flytekitplugins.domino.file",
    "domino.flyte.task",
)
KIT_NAMES = frozenset(domino_flows.__all__) - {"__version__"}
_PLUGIN = "flytekitplugins.domino"
_SUBMODULES = ("task", "helpers", "artifact", "file")
# Official arguments the kit drops on purpose, and why (said in the report).
DROPPED_ARGUMENTS = {
    "ApiKey": "credentials come from the environment (DOMINO_USER_API_KEY), never from code",
    "OwnerName": "the flow runs in its own project ([tool.domino_flows.domino] project locally)",
    "ProjectName": "the flow runs in its own project ([tool.domino_flows.domino] project locally)",
}
_SKIPPED_DIRS = frozenset({".git", ".venv", "venv", "node_modules", "__pycache__", STATE_DIR})


class PortError(DominoFlowsError):
    """A path to port does not exist or is not Python that parses."""


@dataclass
class FilePort:
    """What porting one file changes, and what it could not."""

    path: Path
    original: str
    ported: str
    notes: list[str] = field(default_factory=list)  # changes a reader should know about
    unported: list[str] = field(default_factory=list)  # "line N: what, and what to do"
    secrets: list[str] = field(default_factory=list)  # source text of credential values

    @property
    def changed(self) -> bool:
        return self.ported != self.original

    def diff(self) -> str:
        """The unified diff, with the value of every credential in the file masked: a removed
        ``ApiKey="..."`` line shows ``ApiKey=<redacted>``."""
        name = str(self.path)
        text = "".join(
            difflib.unified_diff(
                self.original.splitlines(keepends=True),
                self.ported.splitlines(keepends=True),
                fromfile=f"a/{name}",
                tofile=f"b/{name}",
            )
        )
        for secret in sorted(self.secrets, key=len, reverse=True):
            for piece in secret.splitlines():
                if len(piece.strip()) >= 3:
                    text = text.replace(piece, "<redacted>")
        return text


def python_files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if not path.exists():
            raise PortError(f"{path} does not exist; give flow files or folders holding them.")
        if path.is_file():
            yield path
            continue
        for found in sorted(path.rglob("*.py")):
            relative = found.relative_to(path).parts
            if not any(part in _SKIPPED_DIRS or part.startswith(".") for part in relative[:-1]):
                yield found


def port_paths(paths: Iterable[Path]) -> list[FilePort]:
    """Every file under ``paths`` ported; a file that cannot be read or parsed is kept as it is,
    with the reason in its ``unported`` list, and the others are ported all the same."""
    out = []
    for path in python_files(paths):
        try:
            out.append(port_file(path))
        except PortError as error:
            reason = str(error).removeprefix(f"{path}, ").removeprefix(f"{path}: ")
            out.append(FilePort(path, "", "", unported=[f"skipped, left as it is: {reason}"]))
    return out


def port_file(path: Path) -> FilePort:
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PortError(f"{path}: cannot read it ({error}).") from None
    try:
        ported, notes, unported = port_source(source)
    except SyntaxError as error:
        raise PortError(
            f"{path}, line {error.lineno}: not valid Python ({error.msg}); fix it, then port."
        ) from None
    return FilePort(path, source, ported, notes, unported, credential_values(source))


# Keyword arguments whose value is a credential, whatever the call: the official ApiKey= and its
# kin (api_key=, token=, password=, secret=).
_CREDENTIAL_ARGUMENT = re.compile(r"api_?key|token|password|passwd|secret", re.IGNORECASE)


def credential_values(source: str) -> list[str]:
    """The source text of every credential argument's value in ``source``; when the value is a
    name, the strings assigned to that name too (``KEY = "..."`` then ``ApiKey=KEY``)."""
    tree = ast.parse(source)
    out: list[str] = []
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg and _CREDENTIAL_ARGUMENT.search(node.arg):
            if isinstance(node.value, ast.Name):
                names.add(node.value.id)
            else:
                out.append(ast.get_source_segment(source, node.value) or "")
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        if any(isinstance(t, ast.Name) and t.id in names for t in targets):
            value = getattr(node, "value", None)
            if value is not None:
                out.append(ast.get_source_segment(source, value) or "")
    return [text for text in out if text]


def port_source(source: str) -> tuple[str, list[str], list[str]]:
    """The ported text, the notes on what changed, and what could not be ported."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(line: int, col: int) -> int:
        # ast columns count UTF-8 bytes; convert within the line
        text = lines[line - 1].encode("utf-8")[:col].decode("utf-8", errors="replace")
        return starts[line - 1] + len(text)

    edits: list[tuple[int, int, str]] = []
    notes: list[str] = []
    unported: list[str] = []
    official_names: set[str] = set()  # local names bound to official classes and helpers
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in OFFICIAL_MODULES and not node.level:
            indent = " " * node.col_offset
            # `from flytekitplugins.domino import helpers as h`: the module itself
            modules = [a for a in node.names if a.name in _SUBMODULES and node.module == _PLUGIN]
            kept = [a for a in node.names if a.name in KIT_NAMES]
            left = [a for a in node.names if a not in kept and a not in modules]
            official_names.update(a.asname or a.name for a in node.names)
            statements = [f"import domino_flows as {a.asname or a.name}" for a in modules]
            if kept:
                statements.append(f"from domino_flows import {_names(kept)}")
            if left:
                statements.append(f"from {node.module} import {_names(left)}")
                for alias in left:
                    unported.append(
                        f"line {node.lineno}: {alias.name} (from {node.module}) has no "
                        "equivalent in domino_flows; it still needs the official plugin. Replace "
                        "its use, or keep the official plugin for this flow."
                    )
            replacement = ("\n" + indent).join(statements)
            start = offset(node.lineno, node.col_offset)
            end = offset(node.end_lineno or node.lineno, node.end_col_offset or 0)
            edits.append((start, end, replacement))
        elif isinstance(node, ast.ImportFrom) and _unknown_plugin_module(node.module, node.level):
            unported.append(
                f"line {node.lineno}: {node.module} is not a module of Domino's plugin that "
                f"domino_flows knows ({', '.join(OFFICIAL_MODULES)}); it still needs the "
                "official plugin. Replace what it gives, or keep the official plugin."
            )
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if _unknown_plugin_module(alias.name, 0):
                    unported.append(
                        f"line {node.lineno}: {alias.name} is not a module of Domino's plugin "
                        "that domino_flows knows; it still needs the official plugin."
                    )
                if alias.name not in OFFICIAL_MODULES:
                    continue
                if alias.asname and len(node.names) == 1:
                    start = offset(node.lineno, node.col_offset)
                    end = offset(node.end_lineno or node.lineno, node.end_col_offset or 0)
                    edits.append((start, end, f"import domino_flows as {alias.asname}"))
                    official_names.add(alias.asname)
                else:
                    unported.append(
                        f"line {node.lineno}: `import {alias.name}` is used by its full dotted "
                        "name; write `from domino_flows import <names>` and use the names "
                        "directly."
                    )
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or _called_name(node.func) not in official_names:
            continue
        dropped = [i for i, k in enumerate(node.keywords) if k.arg in DROPPED_ARGUMENTS]
        edits.extend(_removals(node, dropped, offset))
        for keyword in node.keywords:
            if keyword.arg in DROPPED_ARGUMENTS:
                notes.append(
                    f"line {keyword.lineno}: removed {keyword.arg}=: "
                    f"{DROPPED_ARGUMENTS[keyword.arg]}"
                )
    notes.extend(domino_api_hints(tree))
    text = source
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text, sorted(notes, key=_line_number), sorted(unported, key=_line_number)


def _unknown_plugin_module(module: str | None, level: int) -> bool:
    return (
        not level
        and module is not None
        and module.startswith(_PLUGIN + ".")
        and module not in OFFICIAL_MODULES
    )


def domino_api_hints(tree: ast.Module) -> list[str]:
    """Notes for code that calls a live Domino through python-domino (``from domino import
    Domino``): run where a flow is defined, it needs a Domino deployment, and its jobs are not
    tasks of the flow."""
    clients: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "domino" and not node.level:
            clients.update(a.asname or a.name for a in node.names if a.name == "Domino")
        elif isinstance(node, ast.Import):
            clients.update(f"{a.asname or a.name}.Domino" for a in node.names if a.name == "domino")
    if not clients:
        return []
    hints = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _dotted(node.func) in clients:
            hints.append(
                f"line {node.lineno}: calls Domino's API through python-domino (Domino(...)): "
                "where the flow is defined or run locally this needs a live Domino, and the "
                "jobs it starts are not tasks of the flow. Define each job as a task with "
                "run_domino_job_task(...) or DominoJobTask instead."
            )
    return hints


def _dotted(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return f"{_dotted(func.value)}.{func.attr}"
    return ""


def _names(aliases: list[ast.alias]) -> str:
    return ", ".join(f"{a.name} as {a.asname}" if a.asname else a.name for a in aliases)


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.value.id  # h.DominoJobConfig(...) through a ported module alias
    return None


def _removals(
    call: ast.Call, dropped: list[int], offset: Callable[[int, int], int]
) -> list[tuple[int, int, str]]:
    """Edits that remove the keywords at ``dropped`` of ``call``, commas and line breaks
    included, so the call reads as if they had never been written."""
    edits = []
    runs: list[list[int]] = []
    for index in dropped:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])

    def begin(node: ast.AST) -> int:
        return offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]

    def finish(node: ast.AST) -> int:
        return offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]

    for run in runs:
        first, last = call.keywords[run[0]], call.keywords[run[-1]]
        if run[-1] + 1 < len(call.keywords):  # up to the next argument, which takes their place
            edits.append((begin(first), begin(call.keywords[run[-1] + 1]), ""))
        elif run[0] > 0 or call.args:  # the last ones: from the end of the argument before
            before = call.keywords[run[0] - 1] if run[0] > 0 else call.args[-1]
            edits.append((finish(before), finish(last), ""))
        else:  # the only arguments
            edits.append((begin(first), finish(last), ""))
    return edits


def _line_number(text: str) -> int:
    return int(text.split(":", 1)[0].removeprefix("line "))


# --- the command ---------------------------------------------------------------------------------


@click.command("port", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--write", is_flag=True, help="Write the changes (default: only print the diff).")
def port_command(paths: tuple[Path, ...], write: bool) -> None:
    """Port flows written for Domino's official plugin (flytekitplugins.domino) to domino-flows.

    PATHS are flow files or folders (searched for *.py). Prints a unified diff of every change
    and writes it only with --write; lists what could not be ported, with its line. Stage
    scripts and commands stay as they are: local jobs see /workflow and /mnt/code. Exit status:
    0 when everything found was ported, 1 when something was not (a file that is not valid
    Python is listed and left as it is; the others are ported), 2 for a bad path.
    """
    try:
        results = port_paths(paths)
    except PortError as error:  # a usage mistake: one line and exit 2, as every command
        click.echo(f"error: {error}", err=True)
        raise SystemExit(2) from None
    changed = [r for r in results if r.changed]
    for result in changed:
        click.echo(result.diff(), nl=False)
        if write:
            result.path.write_text(result.ported, encoding="utf-8")
    for result in results:
        for note in result.notes:
            click.echo(f"{result.path}: {note}", err=True)
    unported = [(r.path, line) for r in results for line in r.unported]
    for path, line in unported:
        click.echo(f"{path}: not ported: {line}", err=True)
    verb = "ported" if write else "would port"
    summary = f"{verb} {len(changed)} of {len(results)} file(s)"
    if changed and not write:
        summary += "; run again with --write to write the changes"
    if unported:
        summary += f"; {len(unported)} thing(s) could not be ported (listed above)"
    click.echo(summary + ".", err=True)
    if unported:
        raise SystemExit(1)
