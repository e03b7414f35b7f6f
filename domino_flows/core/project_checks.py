"""Checks of the ``[tool.domino_flows]`` table that need no settings object: keys the kit does not
read (each with the closest known name), keys that look like credentials, and values of the
wrong type, each error naming the pyproject path, the table and the key as written in TOML.
``project.py`` builds the settings from what these let through."""

from __future__ import annotations

import difflib
import math
from pathlib import Path
from typing import Any

from domino_flows.core.errors import ConfigurationError

# The tables naming local folders for Domino's data sources (name or id -> folder).
DATA_TABLES = ("datasets", "volumes", "netapp_volumes", "bundles")
_SECRET_WORDS = ("key", "token", "secret", "password", "credential", "proxy")


# What [tool.domino_flows] holds, level by level; `None` marks a level of user-chosen names
# (environments, tiers). `lint` is checked by the lint configuration itself.
_KNOWN_KEYS: dict[str | None, Any] = {
    "backend": {},
    "environments": {None: {"python": {}, "command_prefix": {}}},
    "hardware_tiers": {None: {"cores": {}, "memory_gib": {}}},
    "domino": {
        "project": {},
        "host": {},
        "poll_outage_minutes": {},
        "start_budget_minutes": {},
        "retention_days": {},
    },
    "lint": None,
    "lineage": None,  # checked by lineage_transport.py
    "filesystem": {},
    "project_layout": {},
    "artifacts": {},
    **{table: {None: {}} for table in DATA_TABLES},  # name -> folder
    "tracking": {"mlflow": {}, "job_tags": {}, "job_stats": {}},  # values: execution/tracking.py
}


def refuse_unknown_keys(document: dict[str, Any], pyproject: Path) -> None:
    """A misspelt key or table would otherwise be ignored and the default used without a word
    (`core = 2` runs on one core, `[tool.domino_flow]` on the wrong interpreter). Each one is an
    error, all listed at once, each with the closest known name."""
    problems: list[str] = []
    tool = document.get("tool", {})
    if isinstance(tool, dict):
        for name in tool:
            if name != "domino_flows" and difflib.get_close_matches(
                name.replace("-", "_"), ["domino_flows"], n=1, cutoff=0.8
            ):
                problems.append(
                    f"[tool.{name}] is not read by domino-flows; did you mean [tool.domino_flows]?"
                )
        table = tool.get("domino_flows", {})
        if isinstance(table, dict):
            _unknown_in_level(table, _KNOWN_KEYS, "tool.domino_flows", problems)
    if len(problems) == 1:
        raise ConfigurationError(f"{pyproject}: {problems[0]} Fix it, then run again.")
    if problems:
        listed = "\n".join(f"  - {problem}" for problem in problems)
        raise ConfigurationError(
            f"{pyproject}: {len(problems)} settings domino-flows does not read (a misspelt "
            f"name would silently fall back to a default):\n{listed}"
        )


def _unknown_in_level(
    table: dict[str, Any], known: dict[str | None, Any], path: str, problems: list[str]
) -> None:
    for key, value in table.items():
        if None in known:  # a level of names the user chooses: check each entry's keys
            if isinstance(value, dict):
                _unknown_in_level(value, known[None], f"{path}.{_toml_key(key)}", problems)
            continue
        if key not in known:
            close = difflib.get_close_matches(key, [k for k in known if k], n=1, cutoff=0.6)
            hint = (
                f"did you mean {close[0]!r}?"
                if close
                else f"known keys: {', '.join(k for k in known if k)}."
            )
            problems.append(f"[{path}] has {key!r}, which domino-flows does not read; {hint}")
        elif known[key] and isinstance(value, dict):
            _unknown_in_level(value, known[key], f"{path}.{key}", problems)


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else f'"{key}"'


def settings_table(table: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = table.get(key, {})
    if not isinstance(value, dict):
        raise ConfigurationError(f"{where}: [tool.domino_flows] {key} must be a table.")
    return value


def settings_entry(value: Any, label: str, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigurationError(f"{where}: [tool.domino_flows.{label}] must be a table.")
    return value


def positive_number(value: Any, label: str, key: str, where: str) -> float:
    # TOML has inf and nan; neither is a number of cores or GiB (and int(inf) would crash later).
    number = math.nan
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:  # an integer beyond any float
            number = math.inf
    if not math.isfinite(number) or number <= 0:
        raise ConfigurationError(
            f"{where}: [tool.domino_flows.{label}] {key} = {toml_text(value)}; give a finite "
            f"positive number, e.g. {key} = 2."
        )
    return number


def optional_string(table: dict[str, Any], key: str, label: str, where: str) -> str | None:
    value = table.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigurationError(
            f"{where}: [tool.domino_flows.{label}] {key} = {toml_text(value)}; it must be a "
            f'string: quote it, e.g. {key} = "...".'
        )
    return value


def toml_text(value: Any) -> str:
    """A value as it reads in pyproject.toml (``inf``, ``true``), not as Python prints it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):
        return "a table"
    return str(value)


def refuse_secrets(value: Any, where: str, path: str) -> None:
    """Config is committed to git: a credential in it leaks. Refuse keys that look like one."""
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        lowered = str(key).lower()
        if any(word in lowered for word in _SECRET_WORDS) and not isinstance(item, dict):
            raise ConfigurationError(
                f"{where}: [{path}] has {key!r}; credentials never go in pyproject.toml (it is "
                "committed). Set DOMINO_USER_API_KEY or DOMINO_API_PROXY in the environment."
            )
        refuse_secrets(item, where, f"{path}.{key}")
