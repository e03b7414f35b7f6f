"""Helpers for stage scripts: the code a Domino job runs when a task's command is your own script.

    from domino_flows import job

    rows = job.read_input("rows", int)
    data = job.read_input("data", Path)          # a FlyteFile or FlyteDirectory input
    job.write_output("accuracy", 0.93)
    job.write_output("model", Path("model.pkl"))  # copied to the outputs directory
    job.log_metric("rmse", 0.41)                  # dominostats.json, and the task's MLflow run

Inputs are read from ``/workflow/inputs`` and outputs written to ``/workflow/outputs``, as Domino
does; the local backend points ``DOMINO_FLOWS_INPUTS_DIR`` / ``DOMINO_FLOWS_OUTPUTS_DIR`` elsewhere,
so one script runs unchanged in both. Standard library only: importing this never imports flytekit,
so stage scripts start fast and run in environments without it.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import sys
import typing
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from domino_flows.contract import formats, tracking_job
from domino_flows.contract.formats import FormatError

__all__ = [
    "domino_path",
    "fail",
    "inputs",
    "log_metric",
    "log_param",
    "read_input",
    "write_output",
]

T = TypeVar("T")

_READERS: dict[Any, typing.Callable[[str], Any]] = {
    str: lambda text: text,
    int: formats.parse_int,
    float: formats.parse_float,
    bool: formats.parse_bool,
    _dt.datetime: formats.parse_datetime,
    _dt.timedelta: formats.parse_duration,
}


class JobInputError(FormatError):
    """An input is missing or does not parse as the type the script asked for."""


def inputs() -> dict[str, Path]:
    """Every input the job received, by name, as the path of its file or directory."""
    directory = formats.inputs_dir()
    if not directory.is_dir():
        return {}
    return {p.name: p for p in sorted(directory.iterdir()) if not p.name.startswith(".")}


def read_input(name: str, type: Any = str) -> Any:
    """Read input ``name`` as ``type``.

    Types: str, int, float, bool, datetime, timedelta, dict (JSON), ``list[T]`` and
    ``dict[str, T]`` (directories), ``bytes``, and ``Path`` for file and directory inputs.
    """
    formats.check_name(name, "input")
    path = formats.inputs_dir() / name
    if not path.exists():
        raise JobInputError(
            f"input {name!r} is missing: expected it at {path}. Declare it in the task's inputs "
            "and pass it a value in the workflow."
        )
    try:
        return _read(path, type)
    except FormatError as error:
        raise JobInputError(f"input {name!r} at {path}: {error}") from None


def _read(path: Path, wanted: Any) -> Any:
    if wanted is Path:
        return path
    if wanted is bytes:
        return path.read_bytes()
    if wanted in _READERS:
        if path.is_dir():
            raise FormatError(f"expected a file holding a {wanted.__name__}, found a directory")
        return _READERS[wanted](formats.read_text(path))
    origin, args = typing.get_origin(wanted), typing.get_args(wanted)
    if wanted is dict or (origin is dict and (not args or args[0] is not str)):
        try:
            return json.loads(formats.read_text(path))
        except json.JSONDecodeError as error:
            raise FormatError(f"expected JSON, {error.msg} at line {error.lineno}") from None
    if origin is list and args:
        ordered = formats.list_entries(path)
        return [_read(entry, args[0]) for entry in ordered]
    if origin is dict and len(args) == 2:
        return {entry.name: _read(entry, args[1]) for entry in formats.map_entries(path)}
    raise FormatError(
        f"cannot read a {getattr(wanted, '__name__', wanted)}; use str, int, float, bool, "
        "datetime, timedelta, dict, list[T], dict[str, T], bytes or Path"
    )


def write_output(name: str, value: Any) -> Path:
    """Write output ``name``. Primitives become text (at most 1024 bytes, as Domino requires);
    a ``Path`` is copied in as a file or directory output. Returns where it was written."""
    formats.check_name(name, "output")
    directory = formats.outputs_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / name
    if isinstance(value, os.PathLike):
        source = Path(value)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        elif source.is_file():
            shutil.copyfile(source, target)
        else:
            raise FormatError(f"output {name!r}: {source} does not exist, so it cannot be copied")
        return target
    data = value if isinstance(value, bytes) else _format(name, value).encode("utf-8")
    if len(data) > formats.PRIMITIVE_OUTPUT_LIMIT:
        raise FormatError(
            f"output {name!r} is {len(data)} bytes; Domino reads primitive outputs of at most "
            f"{formats.PRIMITIVE_OUTPUT_LIMIT} bytes. Write the data to a file and pass its Path "
            "to write_output (declared as a FlyteFile output)."
        )
    target.write_bytes(data)
    return target


def _format(name: str, value: Any) -> str:
    # bool before int: True is an int in Python.
    if isinstance(value, bool):
        return formats.format_bool(value)
    if isinstance(value, int):
        return formats.format_int(value)
    if isinstance(value, float):
        return formats.format_float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, _dt.datetime):
        return formats.format_datetime(value)
    if isinstance(value, _dt.timedelta):
        return formats.format_duration(value)
    raise FormatError(
        f"output {name!r}: a {type(value).__name__} cannot be a Domino output; outputs are str, "
        "int, float, bool, datetime, timedelta, or a Path to a file or directory"
    )


def log_metric(name: str, value: float, step: int | None = None) -> None:
    """Record a number of this job: a column of Domino's Jobs dashboard (``dominostats.json``)
    and, when the kit records the task in MLflow, a metric of the task's MLflow run."""
    try:
        tracking_job.log_value("metric", name, value, step)
    except tracking_job.TrackingError as error:
        raise FormatError(str(error)) from None


def log_param(name: str, value: Any) -> None:
    """Record a setting of this job (kept as text): in ``dominostats.json`` and, when the kit
    records the task in MLflow, as a param of the task's MLflow run."""
    try:
        tracking_job.log_value("param", name, value)
    except tracking_job.TrackingError as error:
        raise FormatError(str(error)) from None


def domino_path(path: str) -> Path:
    """Where Domino path ``path`` (``/mnt/data/shared/x.csv``, ``/domino/datasets/local/sales``)
    is in this job: the path itself on Domino, the same path under the job's ``root/`` folder
    (``DOMINO_FLOWS_ROOT``) on the local backend, where configured datasets and volumes appear."""
    root = os.environ.get("DOMINO_FLOWS_ROOT")
    if not root or not path.startswith("/"):
        return Path(path)
    return Path(root) / path.lstrip("/")


def fail(message: str) -> NoReturn:
    """Fail the task with ``message`` as its error (written to ``_ERROR``), and exit."""
    directory = formats.outputs_dir()
    directory.mkdir(parents=True, exist_ok=True)
    data = message.encode("utf-8")[: formats.ERROR_FILE_LIMIT]
    (directory / formats.ERROR_FILE).write_bytes(data)
    print(f"task failed: {message}", file=sys.stderr)
    raise SystemExit(1)
