"""Text formats and path rules of Domino's job I/O contract, in the standard library only.

Shared by ``contract/values.py`` (typed values, used by backends and the in-job entrypoint) and
``job.py`` (the stage-script helper, which must not import flytekit), so both read and write the
same bytes.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import re
from pathlib import Path

from domino_flows.core.errors import DominoFlowsError

INPUTS_DIR_VARIABLE = "DOMINO_FLOWS_INPUTS_DIR"
OUTPUTS_DIR_VARIABLE = "DOMINO_FLOWS_OUTPUTS_DIR"
DEFAULT_INPUTS_DIR = "/workflow/inputs"
DEFAULT_OUTPUTS_DIR = "/workflow/outputs"

# Domino reads a primitive output as one small text file.
PRIMITIVE_OUTPUT_LIMIT = 1024
ERROR_FILE = "_ERROR"
ERROR_FILE_LIMIT = 1024 * 1024
# Flyte carries integers as 64-bit signed numbers (flyteidl's Primitive.integer is an int64).
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


class FormatError(DominoFlowsError, ValueError):
    """A text value does not parse as its declared type. The message says what was expected."""


def inputs_dir() -> Path:
    return Path(os.environ.get(INPUTS_DIR_VARIABLE) or DEFAULT_INPUTS_DIR)


def outputs_dir() -> Path:
    return Path(os.environ.get(OUTPUTS_DIR_VARIABLE) or DEFAULT_OUTPUTS_DIR)


def check_name(name: str, what: str = "input") -> None:
    """Names become file names: they must be identifiers, so they cannot escape the directory."""
    if not isinstance(name, str) or not name.isidentifier():
        raise FormatError(
            f"{what} name {name!r} is not a Python identifier; names become file names under "
            f"the job's {what}s directory, so use letters, digits and underscores only."
        )
    if name == ERROR_FILE:
        raise FormatError(f"{what} name {name!r} is reserved for the job's error file.")


def check_key(key: str, where: str) -> None:
    """A map key becomes a file name below the value's directory."""
    if not key or "/" in key or "\\" in key or key in (".", "..") or "\0" in key:
        raise FormatError(
            f"{where}: map key {key!r} cannot be a file name; keys must be non-empty and hold "
            "no '/', '\\' or NUL, and cannot be '.' or '..'."
        )


# --- primitives ---------------------------------------------------------------------------------


def format_bool(value: bool) -> str:
    return "true" if value else "false"


def parse_bool(text: str) -> bool:
    cleaned = text.strip().lower()
    if cleaned == "true":
        return True
    if cleaned == "false":
        return False
    raise FormatError(f"expected 'true' or 'false', found {_show(text)}")


def check_int64(value: int) -> int:
    """``value`` if Flyte can carry it; Python's integers are unbounded, Flyte's are int64."""
    if not INT64_MIN <= value <= INT64_MAX:
        shown = str(value) if len(str(value)) <= 40 else str(value)[:37] + "..."
        raise FormatError(
            f"{shown} is outside the 64-bit integer range Flyte carries ({INT64_MIN} to "
            f"{INT64_MAX}); use a smaller number, or a float or str for larger values"
        )
    return value


def format_int(value: int) -> str:
    return str(check_int64(int(value)))


def parse_int(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise FormatError(f"expected a whole number, found {_show(text)}") from None
    return check_int64(value)


def format_float(value: float) -> str:
    """Shortest text that reads back to the same float, as Go writes it (``1``, ``2.5``)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def parse_float(text: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise FormatError(f"expected a number, found {_show(text)}") from None


def format_datetime(value: _dt.datetime) -> str:
    """RFC 3339 in UTC. A naive datetime is taken to be UTC already, as flytekit does."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.timezone.utc)
    value = value.astimezone(_dt.timezone.utc)
    return value.isoformat().replace("+00:00", "Z")


_FRACTION = re.compile(r"\.(\d+)")


def parse_datetime(text: str) -> _dt.datetime:
    cleaned = text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    # Go writes up to nine fraction digits; Python keeps six.
    cleaned = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), cleaned, count=1)
    try:
        parsed = _dt.datetime.fromisoformat(cleaned)
    except ValueError:
        raise FormatError(
            f"expected an RFC 3339 time such as 2024-05-01T12:00:00Z, found {_show(text)}"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_dt.timezone.utc)
    return parsed


_US_PER = {"h": 3_600_000_000, "m": 60_000_000, "s": 1_000_000, "ms": 1_000, "us": 1, "ns": 0.001}
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


def format_duration(value: _dt.timedelta) -> str:
    """Go's ``time.Duration`` text: ``72h10m0s``, ``1.5s``, ``250ms``, ``0s``."""
    micros = value // _dt.timedelta(microseconds=1)
    if micros == 0:
        return "0s"
    sign = "-" if micros < 0 else ""
    micros = abs(micros)
    if micros < 1_000:
        return f"{sign}{micros}µs"
    if micros < 1_000_000:
        return f"{sign}{_decimal(micros, 1_000)}ms"
    hours, rest = divmod(micros, 3_600_000_000)
    minutes, rest = divmod(rest, 60_000_000)
    seconds = _decimal(rest, 1_000_000) + "s"
    if hours:
        return f"{sign}{hours}h{minutes}m{seconds}"
    if minutes:
        return f"{sign}{minutes}m{seconds}"
    return sign + seconds


def _decimal(value: int, unit: int) -> str:
    whole, fraction = divmod(value, unit)
    if not fraction:
        return str(whole)
    digits = str(fraction).rjust(len(str(unit)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}"


def parse_duration(text: str) -> _dt.timedelta:
    cleaned = text.strip()
    sign = -1 if cleaned.startswith("-") else 1
    body = cleaned.lstrip("+-")
    if body == "0":
        return _dt.timedelta(0)
    position, micros = 0, 0.0
    for match in _DURATION_PART.finditer(body):
        if match.start() != position:
            break
        unit = "us" if match.group(2) in ("µs", "μs") else match.group(2)
        micros += float(match.group(1)) * _US_PER[unit]
        position = match.end()
    if not body or position != len(body):
        raise FormatError(
            f"expected a Go duration such as 72h10m0s, 1.5s or 250ms, found {_show(text)}"
        )
    return _dt.timedelta(microseconds=sign * round(micros))


def read_text(path: Path) -> str:
    """A contract file's text. Domino's primitive and JSON values are UTF-8; anything else (a
    script that wrote binary data or Latin-1) is a format error, not a crash."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FormatError(
            f"{path} is not UTF-8 text (byte {data[error.start]:#04x} at offset {error.start}); "
            "values must be UTF-8 text: write it encoded as UTF-8, or declare a FlyteFile for "
            "binary data"
        ) from None


def _show(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


# --- directories of values ---------------------------------------------------------------------


def map_entries(path: Path) -> list[Path]:
    """The entries of a map (or list) directory, hidden files left out, sorted by name."""
    if not path.is_dir():
        raise FormatError(f"expected a directory at {path}")
    return sorted(p for p in path.iterdir() if not p.name.startswith("."))


def list_entries(path: Path) -> list[Path]:
    """The entries of a list directory in item order: ``0``, ``1``, ... ``10`` (not by name)."""
    entries = map_entries(path)
    try:
        return sorted(entries, key=lambda p: int(p.name))
    except ValueError:
        names = ", ".join(p.name for p in entries)
        raise FormatError(f"a list directory holds entries 0, 1, 2, ...; found {names}") from None


# --- output files -------------------------------------------------------------------------------


def find_primitive_output(directory: Path, name: str) -> Path | None:
    """``<name>``, or exactly one ``<name>.*`` (so ``accuracy.txt`` counts as ``accuracy``)."""
    exact = directory / name
    if exact.exists():
        return exact
    candidates = sorted(p for p in directory.glob(f"{name}.*") if p.is_file())
    if len(candidates) > 1:
        listed = ", ".join(p.name for p in candidates)
        raise FormatError(
            f"output {name!r}: found {listed} in {directory}; write exactly one file named "
            f"{name} (or one {name}.<extension>)."
        )
    return candidates[0] if candidates else None


def read_primitive_text(path: Path, name: str) -> str:
    size = path.stat().st_size
    if size > PRIMITIVE_OUTPUT_LIMIT:
        raise FormatError(
            f"output {name!r} at {path} is {size} bytes; Domino reads primitive outputs of at "
            f"most {PRIMITIVE_OUTPUT_LIMIT} bytes. Declare the output as a FlyteFile (or "
            "FlyteDirectory) and write the data there instead."
        )
    return read_text(path)


def read_error_file(directory: Path) -> str | None:
    """The user error a job reported through ``_ERROR``, if it wrote one."""
    path = directory / ERROR_FILE
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        data = handle.read(ERROR_FILE_LIMIT + 1)
    text = data[:ERROR_FILE_LIMIT].decode("utf-8", errors="replace")
    if len(data) > ERROR_FILE_LIMIT:
        text += "\n[... _ERROR truncated at 1 MiB]"
    return text
