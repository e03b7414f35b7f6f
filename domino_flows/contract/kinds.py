"""How the job I/O contract classifies a declared type: the kind of value it carries.

Every input and output type is one kind (``kind_of``): a primitive written as text, a file or a
directory, or (inputs only) a structure written as JSON. ``values.py`` writes and reads each kind;
``task.py`` refuses at definition time a type no kind fits. Standard library only: flytekit's
file types are recognised by name, pandas' DataFrame by its package.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import typing
from typing import Any

from domino_flows.core.errors import ContractError

# Kinds of value the contract knows. Outputs may only be of OUTPUT_KINDS.
PRIMITIVE_KINDS = frozenset({"str", "int", "float", "bool", "datetime", "timedelta"})
OUTPUT_KINDS = PRIMITIVE_KINDS | {"file", "directory"}
INPUT_KINDS = OUTPUT_KINDS | {"none", "optional", "struct", "list", "map", "dataframe"}


# The key of an artifact's FlyteAnnotation (artifacts.py writes it; file outputs read its name).
ARTIFACT_ANNOTATION_KEY = "domino_flows_artifact"


def strip_annotated(python_type: Any) -> Any:
    """``Annotated[FlyteFile, ...]`` (artifact files, for example) is carried as its base type."""
    while typing.get_origin(python_type) is typing.Annotated:
        python_type = typing.get_args(python_type)[0]
    return python_type


def kind_of(python_type: Any) -> str:
    """Classify a declared type by how the contract carries it; raise ContractError if it can't."""
    python_type = strip_annotated(python_type)
    simple = {str: "str", int: "int", float: "float", bool: "bool"}
    if python_type in simple:
        return simple[python_type]
    if python_type is _dt.datetime:
        return "datetime"
    if python_type is _dt.timedelta:
        return "timedelta"
    if python_type is type(None) or python_type is None:
        return "none"
    origin = typing.get_origin(python_type)
    args = typing.get_args(python_type)
    if origin is typing.Union or _is_union_type(python_type):
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1 and len(args) == 2:
            return "optional"
        raise ContractError(f"{type_name(python_type)} is a union; only Optional[T] is supported")
    # FlyteFile and FlyteDirectory are dataclasses too: classify them before generic structs.
    file_kind = _flyte_path_kind(python_type)
    if file_kind:
        return file_kind
    if origin is list:
        return "list"
    if origin is dict:
        return "map" if args and args[0] is str else "struct"
    if python_type is dict or is_dataclass_type(python_type):
        return "struct"
    if python_type is list:
        raise ContractError("a bare list has no element type; declare list[T], e.g. list[int]")
    if _is_dataframe_type(python_type):
        return "dataframe"
    raise ContractError(
        f"{type_name(python_type)} cannot travel through Domino's job I/O contract; use str, "
        "int, float, bool, datetime, timedelta, a dataclass or dict, list[T], dict[str, T], "
        "FlyteFile or FlyteDirectory"
    )


def is_dataclass_type(python_type: Any) -> bool:
    return isinstance(python_type, type) and dataclasses.is_dataclass(python_type)


def _is_union_type(python_type: Any) -> bool:
    import types

    return isinstance(python_type, types.UnionType)


def _flyte_path_kind(python_type: Any) -> str | None:
    # FlyteFile["csv"] is a subclass of FlyteFile; compare by class hierarchy without importing
    # flytekit for callers who never use files.
    if not isinstance(python_type, type):
        return None
    names = {f"{c.__module__}.{c.__qualname__}" for c in python_type.__mro__}
    if "flytekit.types.file.file.FlyteFile" in names:
        return "file"
    if "flytekit.types.directory.types.FlyteDirectory" in names:
        return "directory"
    return None


def _is_dataframe_type(python_type: Any) -> bool:
    # pandas 2 says pandas.core.frame, pandas 3 says pandas: match the package, not the path.
    return (
        isinstance(python_type, type)
        and python_type.__qualname__ == "DataFrame"
        and python_type.__module__.split(".")[0] == "pandas"
    )


def type_name(python_type: Any) -> str:
    if typing.get_origin(python_type) is not None:  # list[int], not "list"
        return repr(python_type).replace("typing.", "")
    return getattr(python_type, "__name__", None) or str(python_type)


def describe(python_type: Any) -> str:
    return type_name(strip_annotated(python_type))
