"""Domino's job I/O contract: typed Python values to and from the job's input and output files.

A job receives each input as a file or directory ``<inputs>/<name>`` and reports each output as
``<outputs>/<name>``. This module is the one place that knows the formats (see docs/architecture.md
for the table). Every backend and the in-job entrypoint use it; ``job.py`` shares its text formats
through ``formats.py``.

How a declared type is classified (its kind) is ``kinds.py``'s; the names it defines that
callers read through this module (``kind_of``, ``describe`` ...) are the same objects.

It imports flytekit only for the file and directory types, and pandas only when a DataFrame is
actually written or read.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
import shutil
import typing
from pathlib import Path
from typing import Any

from domino_flows.contract import formats
from domino_flows.contract.formats import FormatError
from domino_flows.contract.kinds import (
    ARTIFACT_ANNOTATION_KEY,
    PRIMITIVE_KINDS,
    describe,
    is_dataclass_type,
    kind_of,
    strip_annotated,
)
from domino_flows.core.errors import ContractError, TaskFailedError

_PRIMITIVE_WRITERS: dict[str, typing.Callable[[Any], str]] = {
    "str": str,
    "int": formats.format_int,
    "float": formats.format_float,
    "bool": formats.format_bool,
    "datetime": formats.format_datetime,
    "timedelta": formats.format_duration,
}
_PRIMITIVE_READERS: dict[str, typing.Callable[[str], Any]] = {
    "str": lambda text: text,
    "int": formats.parse_int,
    "float": formats.parse_float,
    "bool": formats.parse_bool,
    "datetime": formats.parse_datetime,
    "timedelta": formats.parse_duration,
}


# --- writing ------------------------------------------------------------------------------------


def write_value(path: Path, value: Any, python_type: Any) -> None:
    """Write one value at ``path`` (a file or a directory tree, depending on its kind)."""
    python_type = strip_annotated(python_type)
    kind = kind_of(python_type)
    if kind in PRIMITIVE_KINDS:
        path.write_text(_PRIMITIVE_WRITERS[kind](value), encoding="utf-8")
    elif kind == "none":
        path.write_text("null", encoding="utf-8")
    elif kind == "optional":
        if value is None:
            path.write_text("null", encoding="utf-8")
        else:
            inner = next(a for a in typing.get_args(python_type) if a is not type(None))
            write_value(path, value, inner)
    elif kind == "struct":
        path.write_text(json.dumps(_to_jsonable(value), sort_keys=True), encoding="utf-8")
    elif kind == "list":
        (element_type,) = typing.get_args(python_type)
        path.mkdir(parents=True, exist_ok=True)
        for index, item in enumerate(value):
            write_value(path / str(index), item, element_type)
    elif kind == "map":
        value_type = typing.get_args(python_type)[1]
        path.mkdir(parents=True, exist_ok=True)
        for key, item in value.items():
            formats.check_key(key, f"value at {path}")
            write_value(path / key, item, value_type)
    elif kind in ("file", "directory"):
        # delivered as it is: an upstream job may have written a folder where a file is
        # declared, or the reverse (Domino's uploader takes either), and this one gets that
        source = _local_path(value)
        if source.is_dir():
            shutil.copytree(source, path, dirs_exist_ok=True)
        elif source.is_file():
            shutil.copyfile(source, path)
        else:
            raise ContractError(f"{kind} {source} does not exist; cannot place it at {path}")
    elif kind == "dataframe":
        path.mkdir(parents=True, exist_ok=True)
        value.to_parquet(path / "00000")


def _local_path(value: Any) -> Path:
    """FlyteFile/FlyteDirectory values (downloaded if remote), or plain paths."""
    download = getattr(value, "download", None)
    if callable(download):
        return Path(download())
    return Path(os.fspath(value))


def _to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_jsonable(v) for v in value]
    if isinstance(value, _dt.datetime):
        return formats.format_datetime(value)
    if isinstance(value, _dt.timedelta):
        return formats.format_duration(value)
    return value


# --- reading ------------------------------------------------------------------------------------


def read_value(path: Path, python_type: Any) -> Any:
    """Read one value from ``path`` as ``python_type``. Raises FormatError/ContractError."""
    python_type = strip_annotated(python_type)
    kind = kind_of(python_type)
    if kind in PRIMITIVE_KINDS:
        return _PRIMITIVE_READERS[kind](formats.read_text(path))
    if kind == "none":
        return None
    if kind == "optional":
        if path.is_file() and formats.read_text(path).strip() == "null":
            return None
        inner = next(a for a in typing.get_args(python_type) if a is not type(None))
        return read_value(path, inner)
    if kind == "struct":
        try:
            data = json.loads(formats.read_text(path))
        except json.JSONDecodeError as error:
            raise FormatError(f"expected JSON, {error.msg} at line {error.lineno}") from None
        return _from_jsonable(data, python_type)
    if kind == "list":
        (element_type,) = typing.get_args(python_type)
        ordered = formats.list_entries(path)
        return [read_value(entry, element_type) for entry in ordered]
    if kind == "map":
        value_type = typing.get_args(python_type)[1]
        return {entry.name: read_value(entry, value_type) for entry in formats.map_entries(path)}
    if kind == "file":
        if not path.is_file():
            raise FormatError(f"expected a file at {path}")
        return python_type(str(path))
    if kind == "directory":
        if not path.is_dir():
            raise FormatError(f"expected a directory at {path}")
        return python_type(str(path))
    import pandas

    return pandas.read_parquet(path)


def _from_jsonable(data: Any, python_type: Any) -> Any:
    python_type = strip_annotated(python_type)
    if is_dataclass_type(python_type):
        if not isinstance(data, dict):
            raise FormatError(f"expected a JSON object for {python_type.__name__}")
        hints = typing.get_type_hints(python_type)
        values = {}
        for f in dataclasses.fields(python_type):
            if f.name in data:
                values[f.name] = _from_jsonable(data[f.name], hints.get(f.name, Any))
        try:
            return python_type(**values)
        except TypeError as error:
            raise FormatError(f"JSON does not fit {python_type.__name__}: {error}") from None
    origin = typing.get_origin(python_type)
    args = typing.get_args(python_type)
    if origin is list and args and isinstance(data, list):
        return [_from_jsonable(item, args[0]) for item in data]
    if origin is dict and len(args) == 2 and isinstance(data, dict):
        return {k: _from_jsonable(v, args[1]) for k, v in data.items()}
    if python_type is _dt.datetime and isinstance(data, str):
        return formats.parse_datetime(data)
    if python_type is _dt.timedelta and isinstance(data, str):
        return formats.parse_duration(data)
    if python_type is float and isinstance(data, int):
        return float(data)
    return data


# --- whole interfaces ---------------------------------------------------------------------------


def write_inputs(directory: Path, values: dict[str, Any], types: dict[str, Any]) -> None:
    """Place every input of a job in its inputs directory."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, python_type in types.items():
        formats.check_name(name, "input")
        if name not in values:
            raise ContractError(f"input {name!r} has no value; every declared input needs one")
        try:
            write_value(directory / name, values[name], python_type)
        except (FormatError, ContractError, TypeError, ValueError) as error:
            raise ContractError(f"input {name!r} ({describe(python_type)}): {error}") from None


def read_inputs(directory: Path, types: dict[str, Any], task: str = "") -> dict[str, Any]:
    """Read a job's inputs as their declared types (what the in-job entrypoint does)."""
    values = {}
    where = f"task {task!r} " if task else ""
    for name, python_type in types.items():
        path = directory / name
        if not path.exists():
            raise ContractError(
                f"{where}input {name!r} is missing: expected it at {path}. The backend did not "
                "stage it; rerun the task, and report this if it repeats."
            )
        try:
            values[name] = read_value(path, python_type)
        except (FormatError, ContractError) as error:
            raise ContractError(
                f"{where}input {name!r} at {path} is not a {describe(python_type)}: {error}"
            ) from None
    return values


def write_outputs(
    directory: Path, values: dict[str, Any], types: dict[str, Any], task: str = ""
) -> None:
    """Write a job's outputs (what the in-job entrypoint does after calling the function)."""
    directory.mkdir(parents=True, exist_ok=True)
    where = f"task {task!r} " if task else ""
    for name, python_type in types.items():
        path = directory / name
        mismatch = output_type_mismatch(values[name], python_type)
        if mismatch:
            raise ContractError(f"{where}output {name!r} ({describe(python_type)}) {mismatch}")
        try:
            write_value(path, values[name], python_type)
        except (FormatError, ContractError, TypeError, ValueError, AttributeError) as error:
            raise ContractError(
                f"{where}output {name!r} ({describe(python_type)}) cannot be written: {error}"
            ) from None
        if kind_of(python_type) in PRIMITIVE_KINDS:
            size = path.stat().st_size
            if size > formats.PRIMITIVE_OUTPUT_LIMIT:
                path.unlink()
                raise ContractError(
                    f"{where}output {name!r} is {size} bytes; Domino reads primitive outputs of "
                    f"at most {formats.PRIMITIVE_OUTPUT_LIMIT} bytes. Return a FlyteFile instead."
                )


_PRIMITIVE_TYPES: dict[str, type] = {
    "str": str,
    "int": int,
    "float": float,
    "bool": bool,
    "datetime": _dt.datetime,
    "timedelta": _dt.timedelta,
}


def output_type_mismatch(value: Any, python_type: Any) -> str:
    """Why a task's returned ``value`` is not an output of ``python_type`` ("" when it is one).

    flytekit's rule for primitives: the value's type must be the declared type itself. Nothing is
    converted: not an int to a float, a bool to an int, "42" to an int or a date to a datetime (its
    SimpleTransformer refuses them; numpy and pandas scalars too). File and directory outputs take
    a FlyteFile or FlyteDirectory, a path or a path string, as flytekit's do.
    """
    kind = kind_of(python_type)
    if kind in PRIMITIVE_KINDS:
        if type(value) is _PRIMITIVE_TYPES[kind]:
            return ""
    elif kind in ("file", "directory"):
        if isinstance(value, (str, os.PathLike)):
            return ""
    else:
        return ""
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return (
        f"got {type(value).__name__} {shown}; return a {describe(python_type)}: flytekit converts "
        "no output to its declared type"
    )


def read_outputs(directory: Path, types: dict[str, Any], task: str = "") -> dict[str, Any]:
    """Collect a finished job's outputs by Domino's rules.

    ``_ERROR`` fails the task with its content; a missing output fails it naming the output and the
    path it was expected at; primitive outputs over 1024 bytes are refused.
    """
    where = f"task {task!r}" if task else "the task"
    error_text = formats.read_error_file(directory)
    if error_text is not None:
        raise TaskFailedError(f"{where} failed with _ERROR: {error_text.strip()}")
    values = {}
    for name, python_type in types.items():
        kind = kind_of(python_type)
        try:
            if kind in PRIMITIVE_KINDS:
                path = formats.find_primitive_output(directory, name)
                if path is None:
                    raise TaskFailedError(_missing(where, name, directory))
                _refuse_links(path, where, name)
                text = formats.read_primitive_text(path, name)
                values[name] = _PRIMITIVE_READERS[kind](text)
            else:
                path = directory / name
                _refuse_links(path, where, name)
                if not path.exists():
                    raise TaskFailedError(_missing(where, name, directory))
                if kind in ("file", "directory") and path.is_dir() != (kind == "directory"):
                    values[name] = _as_uploaded(path, python_type, kind)
                    continue
                values[name] = read_value(path, python_type)
                if kind == "file":
                    values[name] = strip_annotated(python_type)(str(named_file(path, python_type)))
        except FormatError as error:
            raise TaskFailedError(
                f"{where} output {name!r} ({describe(python_type)}): {error}"
            ) from None
    return values


def _as_uploaded(path: Path, python_type: Any, kind: str) -> Any:
    """An output of the other shape than declared, taken as Domino's uploader takes it: a folder
    written for a file output is handed on as that folder; a file written for a folder output is
    handed on as a folder holding that one file (under the output's name)."""
    if kind == "file":
        return strip_annotated(python_type)(str(path))
    folder = path.parent.parent / f"{path.parent.name}.folders" / path.name
    if not (folder / path.name).exists():
        folder.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, folder / path.name)
        except OSError:  # another file system, or links not allowed
            shutil.copyfile(path, folder / path.name)
    return strip_annotated(python_type)(str(folder))


def _refuse_links(path: Path, where: str, name: str) -> None:
    """An output (or anything in an output directory) that is a symbolic link is refused: it can
    point outside the job's outputs (a file on the machine, a secret), and what it names is not
    what Domino collects from the outputs folder."""
    links = [path] if path.is_symlink() else []
    if not links and path.is_dir():
        links = [
            Path(folder, entry)
            for folder, dirs, files in os.walk(path)  # links to folders are listed, not followed
            for entry in (*dirs, *files)
            if Path(folder, entry).is_symlink()
        ]
    if links:
        link = links[0]
        raise TaskFailedError(
            f"{where} output {name!r}: {link} is a symbolic link (to {os.readlink(link)}); write "
            "the file or directory itself into the outputs folder (copy it, don't link it)."
        )


def named_file(path: Path, python_type: Any) -> Path:
    """The output file at ``path`` under the name its type declares.

    Domino's contract puts a file output exactly at ``<name>``, without an extension. When the type
    says what the file is (``Artifact(...).File(name="model.json")``, ``FlyteFile["csv"]``), the
    value handed on is a link (a copy where links fail) named accordingly in a folder beside the
    outputs, so ``model.json`` stays ``model.json`` downstream and in the run's outputs.
    """
    extension = getattr(strip_annotated(python_type), "extension", lambda: "")()
    file_name = _artifact_file_name(python_type) or (
        f"{path.name}.{extension}" if extension else ""
    )
    if not file_name or path.name == file_name:
        return path
    named = path.parent.parent / f"{path.parent.name}.named" / path.name / file_name
    if not named.exists():
        named.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, named)
        except OSError:  # another file system, or links not allowed
            shutil.copyfile(path, named)
    return named


def _artifact_file_name(python_type: Any) -> str:
    """``model.json`` for ``Artifact(...).File(name="model.json")`` (its ``FlyteAnnotation``)."""
    while typing.get_origin(python_type) is typing.Annotated:
        for extra in typing.get_args(python_type)[1:]:
            data = getattr(extra, "data", None)
            if isinstance(data, dict) and isinstance(data.get(ARTIFACT_ANNOTATION_KEY), dict):
                return str(data[ARTIFACT_ANNOTATION_KEY].get("file") or "")
        python_type = typing.get_args(python_type)[0]
    return ""


def _missing(where: str, name: str, directory: Path) -> str:
    return (
        f"{where} did not write its output {name!r}: expected it at {directory / name}. "
        "The job must write every declared output (in a stage script: "
        f"domino_flows.job.write_output({name!r}, value))."
    )
