"""Workflow inputs from the command line: ``--input name=value`` and ``--inputs-file``.

Values are parsed by the input's declared type, with errors naming the input and the type
expected. Launch plans bring their defaults; their fixed inputs cannot be overridden.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from pathlib import Path
from typing import Any

from domino_flows.contract import formats
from domino_flows.contract import values as contract
from domino_flows.contract.data_sources import NetAppVolumeSnapshot
from domino_flows.core.errors import DominoFlowsError, TaskDefinitionError


class InputError(DominoFlowsError):
    """A workflow input is unknown, missing, or does not parse as its type."""


def parse_assignments(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--input {item!r}: write it as name=value, e.g. --input rows=100")
        _check_utf8(name.strip(), value)
        if name.strip() in out and out[name.strip()] != value:
            # pyflyte takes one value per input; silently keeping the last would run with a
            # value the user may not have meant
            raise InputError(
                f"input {name.strip()!r} is given twice (--input {name.strip()}="
                f"{out[name.strip()]} and --input {item}); give it once."
            )
        out[name.strip()] = value
    return out


def _check_utf8(name: str, value: str) -> None:
    """The shell hands Python bytes that are not UTF-8 as lone surrogates, which no value (text,
    file name) can carry into a job: say which input has one, rather than fail later."""
    for text, what in ((name, "name"), (value, "value")):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            shown = name.encode("utf-8", "backslashreplace").decode("ascii", "replace")
            bad = ord(text[error.start])
            byte = f"byte 0x{bad - 0xDC00:02x}" if 0xDC80 <= bad <= 0xDCFF else f"U+{bad:04X}"
            raise InputError(
                f"input {shown!r}: its {what} is not valid UTF-8 text ({byte} at position "
                f"{error.start}). Give inputs as UTF-8: set your terminal to UTF-8 (LANG, LC_ALL), "
                "and rename a file whose name is not UTF-8."
            ) from None


def read_inputs_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise InputError(f"--inputs-file {path}: no such file.")
    try:
        text = formats.read_text(path)
    except formats.FormatError as error:
        raise InputError(f"--inputs-file {path}: {error}") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:  # its text names the line and column
            said = " ".join(str(error).split())
            raise InputError(
                f"--inputs-file {path}: not valid YAML: {said}. Fix the file and run again."
            ) from None
    else:
        try:
            data = json.loads(text)
        except ValueError as error:
            raise InputError(f"--inputs-file {path}: not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise InputError(f"--inputs-file {path}: expected a mapping of input names to values.")
    return data


def parse_text(name: str, text: str, python_type: Any) -> Any:
    """A command-line string as ``python_type``."""
    base = contract.strip_annotated(python_type)
    try:
        kind = contract.kind_of(base)
    except DominoFlowsError as error:
        raise InputError(f"input {name!r}: {error}") from None
    try:
        if kind == "str":
            return text
        if kind == "int":
            return formats.parse_int(text)
        if kind == "float":
            return formats.parse_float(text)
        if kind == "bool":
            lowered = text.strip().lower()
            if lowered in ("1", "yes", "y", "on"):
                return True
            if lowered in ("0", "no", "n", "off"):
                return False
            return formats.parse_bool(text)
        if kind == "datetime":
            return formats.parse_datetime(text)
        if kind == "timedelta":
            return formats.parse_duration(text)
        if kind in ("file", "directory"):
            return _path_value(name, text, base, kind)
        if kind == "dataframe":
            return _dataframe_value(name, text)
        if kind == "optional":
            if text.strip().lower() in ("", "none", "null"):
                return None
            inner = next(a for a in typing.get_args(base) if a is not type(None))
            return parse_text(name, text, inner)
        return coerce(name, json.loads(text), base)
    except formats.FormatError as error:
        raise InputError(f"input {name!r} expects {contract.describe(base)}: {error}") from None
    except json.JSONDecodeError as error:
        raise InputError(
            f"input {name!r} expects {contract.describe(base)} written as JSON: {error.msg}"
        ) from None


def _path_value(name: str, text: str, python_type: Any, kind: str) -> Any:
    path = Path(text).expanduser()
    exists = path.is_file() if kind == "file" else path.is_dir()
    if not exists:
        what = "file" if kind == "file" else "directory"
        raise InputError(f"input {name!r} expects a {what}; {text!r} is not one.")
    return python_type(str(path.resolve()))


DATAFRAME_FORMS = "the path of a Parquet file or of a folder of Parquet files"


def _dataframe_value(name: str, text: str) -> Any:
    """A DataFrame input from a Parquet file or folder, as ``pyflyte run`` takes one."""
    expects = f"input {name!r} expects a DataFrame: give {DATAFRAME_FORMS}"
    path = Path(text).expanduser()
    if path.is_dir():
        parts = [p for p in sorted(path.rglob("*")) if p.is_file() and not _hidden(p, path)]
        if not parts:
            raise InputError(f"{expects}; folder {text!r} holds no files.")
        others = [p for p in parts if not _is_parquet(p)]
        if others:
            shown = others[0].relative_to(path)
            raise InputError(f"{expects}; {shown} in folder {text!r} is not a Parquet file.")
    elif path.is_file():
        if not _is_parquet(path):
            hint = " (a CSV: convert it with pandas.read_csv(...).to_parquet(...))"
            raise InputError(
                f"{expects}; {text!r} is not a Parquet file"
                f"{hint if path.suffix.lower() in ('.csv', '.tsv') else ''}."
            )
    else:
        raise InputError(f"{expects}; {text!r} is neither.")
    try:
        import pandas
    except ImportError:
        raise InputError(
            f"input {name!r} is a DataFrame, which needs pandas and pyarrow: install the "
            "dataframes extra (pip install 'domino-flows[dataframes]')."
        ) from None
    try:
        return pandas.read_parquet(path)
    except (ImportError, OSError, ValueError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise InputError(f"{expects}; reading {text!r} failed: {first}") from None


def _hidden(path: Path, root: Path) -> bool:
    """Files Parquet readers skip in a dataset folder: names starting with ``.`` or ``_``."""
    return any(part.startswith((".", "_")) for part in path.relative_to(root).parts)


def _is_parquet(path: Path) -> bool:
    """Parquet files start and end with the magic bytes ``PAR1``."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4)
            handle.seek(-4, 2)
            return head == b"PAR1" and handle.read(4) == b"PAR1"
    except OSError:  # shorter than 8 bytes, or unreadable
        return False


def coerce(name: str, value: Any, python_type: Any) -> Any:
    """A JSON/YAML value as ``python_type`` (from an inputs file, or JSON on the command line)."""
    base = contract.strip_annotated(python_type)
    if isinstance(value, str) and not _is_texty(base):
        return parse_text(name, value, base)
    kind = contract.kind_of(base)
    if kind == "dataframe":  # a str was parsed above: a path
        raise InputError(
            f"input {name!r} expects a DataFrame: give {DATAFRAME_FORMS}, not {value!r}."
        )
    if kind == "bool" and not isinstance(value, bool):
        raise InputError(f"input {name!r} expects bool, got {value!r}")
    if kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
        raise InputError(f"input {name!r} expects int, got {value!r}")
    if kind == "int":
        try:
            return formats.check_int64(value)
        except formats.FormatError as error:
            raise InputError(f"input {name!r} expects int: {error}") from None
    if kind == "float" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise InputError(f"input {name!r} expects float, got {value!r}")
    if kind == "float":
        return float(value)
    if kind == "list":
        if not isinstance(value, list):
            raise InputError(f"input {name!r} expects {contract.describe(base)}, got {value!r}")
        (element,) = typing.get_args(base)
        return [coerce(f"{name}[{i}]", item, element) for i, item in enumerate(value)]
    if kind == "map":
        if not isinstance(value, dict):
            raise InputError(f"input {name!r} expects {contract.describe(base)}, got {value!r}")
        element = typing.get_args(base)[1]
        return {k: coerce(f"{name}[{k!r}]", v, element) for k, v in value.items()}
    if base is NetAppVolumeSnapshot:  # Domino's JSON: {"volumeId": ..., "snapshotVersion": N}
        try:
            return NetAppVolumeSnapshot.from_json(value, f"input {name!r}")
        except TaskDefinitionError as error:
            raise InputError(str(error)) from None
    if kind == "struct" and isinstance(base, type) and dataclasses.is_dataclass(base):
        if not isinstance(value, dict):
            raise InputError(f"input {name!r} expects {contract.describe(base)} as a JSON object")
        try:
            return contract._from_jsonable(value, base)
        except formats.FormatError as error:
            raise InputError(f"input {name!r}: {error}") from None
    if kind == "optional" and value is None:
        return None
    if kind == "optional":
        inner = next(a for a in typing.get_args(base) if a is not type(None))
        return coerce(name, value, inner)
    return value


def _is_texty(python_type: Any) -> bool:
    return python_type is str


def workflow_inputs(
    entity: Any,
    assignments: dict[str, str],
    file_values: dict[str, Any],
    carried: frozenset[str] = frozenset(),
) -> tuple[Any, dict[str, Any]]:
    """(the workflow to run, its Python input values) for a workflow or a launch plan.

    ``carried``: inputs the caller brings as literals (``run --reuse`` takes them from the run it
    reuses) unless the command line gives them."""
    from flytekit.core.launch_plan import LaunchPlan

    fixed: dict[str, Any] = {}
    defaults: dict[str, Any] = {}
    workflow = entity
    if isinstance(entity, LaunchPlan):
        workflow = entity.workflow
        fixed = dict(entity.fixed_inputs.literals or {})
        defaults = {
            k: p.default
            for k, p in (entity.parameters.parameters or {}).items()
            if p.default is not None
        }
    declared = workflow.python_interface.inputs_with_defaults
    given = {**file_values, **assignments}
    for name in given:
        if name not in declared:
            from domino_flows.core.project import did_you_mean

            known = ", ".join(declared) or "none"
            raise InputError(
                f"{workflow.name} has no input {name!r}; its inputs are {known}."
                + did_you_mean(name, list(declared))
            )
        if name in fixed:
            raise InputError(
                f"input {name!r} is fixed by launch plan {entity.name!r} and cannot be overridden; "
                "run the workflow itself, or a launch plan that leaves it open."
            )
    values: dict[str, Any] = {}
    for name, (python_type, default) in declared.items():
        if name in assignments:
            values[name] = parse_text(name, assignments[name], python_type)
        elif name in file_values:
            values[name] = coerce(name, file_values[name], python_type)
        elif name in fixed or name in defaults or name in carried:
            continue  # literals, added by the caller
        elif default is not None:
            values[name] = default
        elif _is_optional(python_type):
            values[name] = None
        else:
            raise InputError(
                f"{workflow.name} needs input {name!r} ({contract.describe(python_type)}); "
                f"give it with --input {name}=VALUE."
            )
    return workflow, values


def launch_plan_literals(entity: Any, python_values: dict[str, Any]) -> dict[str, Any]:
    """A launch plan's fixed inputs and the defaults not overridden, as literals."""
    from flytekit.core.launch_plan import LaunchPlan

    if not isinstance(entity, LaunchPlan):
        return {}
    out = {
        k: p.default
        for k, p in (entity.parameters.parameters or {}).items()
        if p.default is not None and k not in python_values
    }
    out.update(entity.fixed_inputs.literals or {})
    return out


def _is_optional(python_type: Any) -> bool:
    try:
        return contract.kind_of(python_type) in ("optional", "none")
    except DominoFlowsError:
        return False
