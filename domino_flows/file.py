"""Custom paths of task inputs and outputs, and the file types of Domino's plugin.

Domino's plugin has two spellings of a custom path, and the kit keeps both:

- ``Annotated[FlyteFile, PathConfig(path="/mnt/data/raw.csv")]`` on a task input or output
  (``flytekitplugins.domino.file.PathConfig``, Domino's newest form), artifact files included:
  ``Annotated[Report.File(name="r.pdf"), PathConfig(path=...)]``;
- ``Input(..., path=...)`` / ``Output(..., path=...)`` of ``run_domino_job_task``.

Both become one thing: the path travels in the input's or output's type, as flytekit's type
annotation (``LiteralType.annotation``, key ``path``), so it rides in the typed interface that
Domino Flows reads (``inputInterfaceBase64``/``inputOutputInterfaceBase64`` and the template's
interface) and needs no key of the kit's own in the job config. flytekit serializes at most one
``FlyteAnnotation`` per type, so a path is folded into the annotation already there (an
artifact's) rather than added beside it.

A local job finds an input at its custom path (as well as at ``/workflow/inputs/<name>``) and the
runner collects an output from its custom path when the job wrote it there.

Evidence: the usage form is public (Domino's QA example flows of mid 2026 import ``PathConfig``
from ``flytekitplugins.domino.file`` and write ``Annotated[FlyteFile, PathConfig(path=...)]`` on
task inputs and outputs; ``DominoFile``/``DominoFileLegacy`` appear in Domino's public training
examples interchangeably with ``FlyteFile``). The plugin's own serialized form of the path is not
published anywhere we could find; ``Annotated`` metadata reaches a serialized interface only
through flytekit's ``FlyteAnnotation`` (``LiteralType.annotation``), so that is where the kit
puts it. The kit's earlier ``inputPaths``/``outputPaths`` keys of ``custom`` are retired: no
public Domino source reads them.

``DominoFile`` and ``DominoFileLegacy`` (the plugin's names for a file output or input) are
``FlyteFile``: they are delivered and collected as any file is.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any

from flytekit.types.file import FlyteFile

from domino_flows.core.errors import TaskDefinitionError

DominoFile = FlyteFile
DominoFileLegacy = FlyteFile

# The key of a custom path in a type's annotation.
PATH_KEY = "path"

# Where Domino lets a job read or write outside the contract's own directories.
ALLOWED_PATH_PREFIXES = (
    "/mnt/data",
    "/mnt/imported/data",
    "/mnt/netapp-volumes",
    "/domino/datasets",
    "/domino/netapp-volumes",
    "/workflow/inputs",
    "/workflow/outputs",
)


@dataclass(frozen=True)
class PathConfig:
    """Where, in the job's Domino filesystem, an input is delivered or an output collected."""

    path: str


def check_path(task: str, what: str, name: str, path: str | None) -> None:
    """Refuse a custom path outside Domino's mounts (``what`` is "input" or "output")."""
    if path is None:
        return
    if (
        not isinstance(path, str)
        or not path.startswith("/")
        or ".." in path.split("/")
        or not any(
            path == prefix or path.startswith(prefix + "/") for prefix in ALLOWED_PATH_PREFIXES
        )
    ):
        allowed = ", ".join(ALLOWED_PATH_PREFIXES)
        raise TaskDefinitionError(
            f"task {task!r}: {what} {name!r} has path {path!r}; custom paths must be absolute, "
            f"without '..', under one of {allowed}."
        )


def with_path(python_type: Any, path: str) -> Any:
    """``python_type`` carrying the custom path ``path``."""
    return typing.Annotated[python_type, PathConfig(path)]


def declared_path(python_type: Any) -> str | None:
    """The custom path a declared type carries (a ``PathConfig``, or one already folded)."""
    found = None
    for extra in _extras(python_type):
        if isinstance(extra, PathConfig):
            found = extra.path
        else:
            data = getattr(extra, "data", None)
            if isinstance(data, dict) and isinstance(data.get(PATH_KEY), str):
                found = data[PATH_KEY]
    return found


def folded(task: str, what: str, name: str, python_type: Any) -> Any:
    """``python_type`` with its ``PathConfig`` (checked) folded into its one ``FlyteAnnotation``,
    the form flytekit serializes; a type without a custom path is returned as it is."""
    from flytekit.core.annotation import FlyteAnnotation

    if typing.get_origin(python_type) is not typing.Annotated:
        return python_type
    extras = list(_extras(python_type))
    configs = [e for e in extras if isinstance(e, PathConfig)]
    if not configs:
        return python_type
    if len(configs) > 1:
        raise TaskDefinitionError(
            f"task {task!r}: {what} {name!r} has {len(configs)} PathConfig annotations; give one."
        )
    path = configs[0].path
    check_path(task, what, name, path)
    data: dict[str, Any] = {}
    others = []
    for extra in extras:
        if isinstance(extra, FlyteAnnotation):
            data.update(extra.data)
        elif not isinstance(extra, PathConfig):
            others.append(extra)
    data[PATH_KEY] = path
    base = _base(python_type)
    return typing.Annotated.__class_getitem__((base, FlyteAnnotation(data), *others))


def paths_of(variables: dict[str, Any]) -> dict[str, str]:
    """Custom paths by variable name, from declared Python types."""
    return {name: path for name, t in variables.items() if (path := declared_path(t))}


def paths_in_interface(variables: dict[str, Any] | None) -> dict[str, str]:
    """Custom paths by variable name, from a serialized interface's variables."""
    out = {}
    for name, variable in (variables or {}).items():
        annotation = getattr(variable.type, "annotation", None)
        data = getattr(annotation, "annotations", None) or {}
        if isinstance(data.get(PATH_KEY), str):
            out[name] = data[PATH_KEY]
    return out


def _extras(python_type: Any) -> tuple[Any, ...]:
    if typing.get_origin(python_type) is not typing.Annotated:
        return ()
    return tuple(python_type.__metadata__)


def _base(python_type: Any) -> Any:
    return typing.get_args(python_type)[0]
