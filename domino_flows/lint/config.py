"""``[tool.domino_flows.lint]`` configuration: which rules run, how severe they are, and which
files are production flows.

Example::

    [tool.domino_flows.lint]
    disable = ["DF011"]                    # or ignore = [...]; ids or short names
    enable = ["DF015"]                     # add opt-in rules to the defaults
    # select = ["DF001", "DF002"]          # run exactly these rules instead of the defaults
    severity = { DF008 = "error" }
    production = ["flows/prod/**", "*_prod.py"]
    exclude = ["anti_patterns"]            # skipped when a folder above them is linted

Production patterns are matched against the file's path relative to the directory holding the
``pyproject.toml``; a pattern without ``/`` matches the file name at any depth. A file is also
production if it has a comment line ``# domino-flows: production``.

Exclude patterns use the same matching, against the file and each folder above it (so
``anti_patterns`` and ``anti_patterns/**`` both exclude a whole folder). Like ruff's ``exclude``,
they apply to files found by walking a folder: naming an excluded file or folder on the command
line lints it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from domino_flows.core.errors import ConfigurationError
from domino_flows.lint.model import RULES, SEVERITIES, Severity, resolve_rule

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

SECTION = "[tool.domino_flows.lint]"
_KEYS = frozenset({"select", "enable", "disable", "ignore", "severity", "production", "exclude"})
_MARKER = re.compile(r"^[ \t]*#[ \t]*domino-flows:[ \t]*production\b", re.MULTILINE)


class LintConfigError(ConfigurationError, ValueError):
    """The lint configuration (file or command-line options) is invalid."""


@dataclass(frozen=True)
class LintConfig:
    """Resolved lint settings. ``root`` is the directory production patterns are relative to."""

    select: frozenset[str] | None = None
    enable: frozenset[str] = frozenset()
    disable: frozenset[str] = frozenset()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    production: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    all_production: bool = False
    root: Path | None = None
    source: Path | None = None

    def enabled_rules(self) -> frozenset[str]:
        if self.select is not None:
            base = set(self.select)
        else:
            base = {rule.id for rule in RULES.values() if rule.default_enabled}
        return frozenset((base | self.enable) - self.disable)

    def severity_of(self, rule: str) -> Severity:
        return self.severity.get(rule, RULES[rule].severity)

    def is_production(self, path: str | Path, source: str = "") -> bool:
        """Whether ``path`` is production: by pattern, marker comment or ``--production``."""
        if self.all_production or (source and _MARKER.search(source)):
            return True
        if not self.production:
            return False
        relative = _relative(Path(path), self.root)
        name = relative.rsplit("/", 1)[-1]
        for pattern in self.production:
            subject = relative if "/" in pattern.strip("/") else name
            if _glob_regex(pattern).fullmatch(subject):
                return True
        return False

    def is_excluded(self, path: str | Path) -> bool:
        """Whether ``path``, or a folder above it (below the config's root), matches ``exclude``."""
        if not self.exclude:
            return False
        parts = _relative(Path(path), self.root).split("/")
        for end in range(len(parts), 0, -1):
            subject = "/".join(parts[:end])
            for pattern in self.exclude:
                candidate = subject if "/" in pattern.strip("/") else parts[end - 1]
                if _glob_regex(pattern.rstrip("/").removesuffix("/**")).fullmatch(candidate):
                    return True
        return False

    def with_options(
        self,
        select: Iterable[str] | None = None,
        enable: Iterable[str] = (),
        disable: Iterable[str] = (),
        all_production: bool = False,
    ) -> LintConfig:
        """This config with command-line options applied on top; they win over the file.

        ``--select`` replaces the file's whole rule choice (select, enable and disable);
        ``--enable`` re-enables a rule the file disables.
        """
        where = "command-line option"
        cli_enable = _rule_ids(enable, "--enable", where)
        cli_disable = _rule_ids(disable, "--disable", where)
        changes: dict[str, Any] = {}
        if select is not None:
            changes["select"] = _rule_ids(select, "--select", where)
            changes["enable"], changes["disable"] = cli_enable, cli_disable
        else:
            changes["enable"] = self.enable | cli_enable
            changes["disable"] = (self.disable - cli_enable) | cli_disable
        if all_production:
            changes["all_production"] = True
        return replace(self, **changes)


def _relative(path: Path, root: Path | None) -> str:
    base = root or Path.cwd()
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        text = path.as_posix()
        return text[2:] if text.startswith("./") else text


def _display(path: Path) -> str:
    """``path`` relative to the working directory when it is below it, for shorter messages."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """Glob to regex: ``**`` spans directories, ``*`` and ``?`` stay within one name."""
    pattern = pattern.strip()
    pattern = pattern[2:] if pattern.startswith("./") else pattern.lstrip("/")
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


def _rule_ids(values: Iterable[str], key: str, where: str) -> frozenset[str]:
    """Rule ids from ids or short names; comma-separated strings are split."""
    ids: set[str] = set()
    for value in values:
        if not isinstance(value, str):
            raise LintConfigError(f"{where}: {key} must list rule ids as strings, got {value!r}.")
        for token in filter(None, (part.strip() for part in value.split(","))):
            rule = resolve_rule(token)
            if rule is None:
                known = ", ".join(RULES)
                raise LintConfigError(
                    f"{where}: unknown rule id {token!r} in {key}. Known rules: {known}."
                )
            ids.add(rule.id)
    return frozenset(ids)


def config_from_mapping(data: Mapping[str, Any], source: Path | None = None) -> LintConfig:
    """Validate a ``[tool.domino_flows.lint]`` table. Errors name the file and the bad entry."""
    where = f"{_display(source)} {SECTION}" if source else SECTION
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise LintConfigError(
            f"{where}: unknown setting {unknown[0]!r}; allowed: {', '.join(sorted(_KEYS))}."
        )

    def id_list(*keys: str) -> frozenset[str]:
        ids: frozenset[str] = frozenset()
        for key in keys:
            value = data.get(key, [])
            if not isinstance(value, list):
                raise LintConfigError(f'{where}: {key} must be a list, e.g. {key} = ["DF004"].')
            ids |= _rule_ids(value, key, where)
        return ids

    severity: dict[str, Severity] = {}
    raw_severity = data.get("severity", {})
    if not isinstance(raw_severity, Mapping):
        raise LintConfigError(f'{where}: severity must be a table, e.g. {{ DF008 = "error" }}.')
    for key, value in raw_severity.items():
        if value not in SEVERITIES:
            raise LintConfigError(
                f'{where}: severity of {key} is {value!r}; use "error" or "warning".'
            )
        for rule_id in _rule_ids([key], "severity", where):
            severity[rule_id] = value
    production = data.get("production", [])
    if isinstance(production, str):
        production = [production]
    if not isinstance(production, list) or not all(isinstance(p, str) for p in production):
        raise LintConfigError(f"{where}: production must be a list of glob patterns.")
    exclude = data.get("exclude", [])
    if isinstance(exclude, str):
        exclude = [exclude]
    if not isinstance(exclude, list) or not all(isinstance(p, str) for p in exclude):
        raise LintConfigError(f'{where}: exclude must be a list of glob patterns, e.g. ["tmp/**"].')
    return LintConfig(
        exclude=tuple(exclude),
        select=id_list("select") if "select" in data else None,
        enable=id_list("enable"),
        disable=id_list("disable", "ignore"),
        severity=severity,
        production=tuple(production),
        root=source.parent if source else None,
        source=source,
    )


def load_config(pyproject: Path) -> LintConfig:
    """Read ``[tool.domino_flows.lint]`` from a ``pyproject.toml`` (defaults if it has none)."""
    table = _read_section(pyproject)
    return config_from_mapping(table or {}, pyproject)


def _read_section(pyproject: Path) -> dict[str, Any] | None:
    from domino_flows.core.project import pyproject_text

    try:
        text = pyproject_text(pyproject, _display(pyproject))
    except ConfigurationError as error:
        raise LintConfigError(str(error)) from None
    except OSError as error:
        raise LintConfigError(f"{_display(pyproject)}: cannot read: {error}.") from error
    if "domino_flows" not in text and "domino-flows" not in text:
        return None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise LintConfigError(f"{_display(pyproject)}: invalid TOML: {error}.") from error
    table = data.get("tool", {}).get("domino_flows", {}).get("lint")
    if table is not None and not isinstance(table, dict):
        raise LintConfigError(f"{_display(pyproject)}: {SECTION} must be a table.")
    return table


def find_config(start: Path, read: dict[Path, Any] | None = None) -> LintConfig:
    """The config of the nearest ``pyproject.toml`` at or above ``start`` that has the section.

    Like ruff, a ``pyproject.toml`` without ``[tool.domino_flows.lint]`` is skipped, so a
    sub-package's own ``pyproject.toml`` does not hide the repository's settings. ``read`` keeps
    the sections already read (one lint of several paths reads each file once).
    """
    directory = start.resolve()
    if not directory.is_dir():
        directory = directory.parent
    for candidate in (directory, *directory.parents):
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            if read is None:
                table = _read_section(pyproject)
            elif pyproject in read:
                table = read[pyproject]
            else:
                table = read[pyproject] = _read_section(pyproject)
            if table is not None:
                return config_from_mapping(table, pyproject)
    return LintConfig()
