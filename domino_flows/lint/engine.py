"""Run the rules over sources, files and directory trees.

Each file is read and parsed once; the rules share one :class:`ModuleContext`. Nothing is
imported or executed, so linting is safe on any code and needs no flytekit.
"""

from __future__ import annotations

import ast
import io
import os
import re
import tokenize
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from domino_flows.core.paths import STATE_DIR
from domino_flows.lint import (
    rules_body,
    rules_commands,
    rules_jobs,
    rules_kit_calls,
    rules_pythonpath,
    rules_secrets,
    rules_tasks,
    rules_workflow,
)
from domino_flows.lint.config import LintConfig, find_config
from domino_flows.lint.context import Issue, ModuleContext
from domino_flows.lint.model import RULES, Finding

Check = Callable[[ModuleContext], Iterable[Issue]]

# (rule ids a check can report, check). A check runs only if one of its rules is enabled.
CHECKS: tuple[tuple[frozenset[str], Check], ...] = (
    (frozenset({"DF001", "DF013"}), rules_tasks.check_native_tasks),
    (frozenset({"DF002"}), rules_workflow.check_promise_control_flow),
    (frozenset({"DF003"}), rules_workflow.check_nondeterminism),
    (frozenset({"DF004"}), rules_tasks.check_positional_calls),
    (frozenset({"DF005"}), rules_tasks.check_annotations),
    (frozenset({"DF006"}), rules_secrets.check_credentials),
    (frozenset({"DF007", "DF015"}), rules_jobs.check_unpinned),
    (frozenset({"DF008"}), rules_jobs.check_primitive_outputs),
    (frozenset({"DF009"}), rules_body.check_file_writes),
    (frozenset({"DF010"}), rules_body.check_module_state),
    (frozenset({"DF011"}), rules_body.check_env_branching),
    (frozenset({"DF012"}), rules_pythonpath.check_pythonpath),
    (frozenset({"DF014"}), rules_tasks.check_cache_version),
    (frozenset({"DF016"}), rules_commands.check_job_types),
    (frozenset({"DF017"}), rules_kit_calls.check_keywords),
    (frozenset({"DF018"}), rules_kit_calls.check_output_types),
)

SKIP_DIRS = frozenset(
    [
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "__pycache__",
        "build",
        "dist",
        STATE_DIR,
        "node_modules",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".eggs",
    ]
)

_NOQA = re.compile(r"#\s*noqa(?P<colon>\s*:\s*(?P<codes>[^#]*))?", re.IGNORECASE)
_CODE = re.compile(r"\b[A-Z]+[0-9]+\b")
ALL = "*"


@dataclass(frozen=True)
class LintResult:
    """Findings plus how many files were checked (for the summary line)."""

    findings: list[Finding]
    files: int

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")


def lint_source(
    source: str, path: str = "<string>", config: LintConfig | None = None
) -> list[Finding]:
    """Lint Python source text. ``path`` is reported in findings and matched by production globs."""
    return _lint(source, path, path, config or LintConfig())


def _lint(source: str, shown: str, real: str | Path, config: LintConfig) -> list[Finding]:
    enabled = config.enabled_rules()
    try:
        with warnings.catch_warnings():  # e.g. SyntaxWarning for "\d": not ours to report
            warnings.simplefilter("ignore")
            tree = ast.parse(source, filename=shown)
    except SyntaxError as error:
        line, column = error.lineno or 1, error.offset or 1
        return _parse_failure(config, shown, line, column, f"cannot parse: {error.msg}")
    except (ValueError, RecursionError, MemoryError) as error:  # NUL bytes, absurd nesting
        reason = str(error) or type(error).__name__
        return _parse_failure(config, shown, 1, 1, f"cannot parse: {reason}")
    ctx = ModuleContext.build(tree, shown, production=config.is_production(real, source))
    issues: list[Issue] = []
    try:
        for rule_ids, check in CHECKS:
            if rule_ids & enabled:
                issues.extend(check(ctx))
    except RecursionError:
        return _parse_failure(config, shown, 1, 1, "cannot check: expressions nested too deeply")
    noqa = _noqa_lines(source) if "noqa" in source.lower() else {}
    findings = {
        Finding(
            path=shown,
            line=item.line,
            column=item.column + 1,
            rule=item.rule,
            name=RULES[item.rule].name,
            severity=config.severity_of(item.rule),
            message=item.message,
        )
        for item in issues
        if item.rule in enabled and not _suppressed(noqa, item.line, item.rule)
    }
    return sorted(findings, key=Finding.sort_key)


def _parse_failure(
    config: LintConfig, path: str, line: int, column: int, message: str
) -> list[Finding]:
    if "DF000" not in config.enabled_rules():
        return []
    fix = " Fix the syntax (or the file's encoding); no other rule can check this file until then."
    message = message.rstrip(".?! ")
    return [
        Finding(path, line, max(column, 1), "DF000", RULES["DF000"].name,
                config.severity_of("DF000"), message + "." + fix)
    ]  # fmt: skip


def _noqa_lines(source: str) -> dict[int, frozenset[str]]:
    """Line -> rule ids suppressed there (``{"*"}`` for a bare ``# noqa``)."""
    lines: dict[int, frozenset[str]] = {}
    try:
        tokens = [
            (tok.start[0], tok.string)
            for tok in tokenize.generate_tokens(io.StringIO(source).readline)
            if tok.type == tokenize.COMMENT
        ]
    except (tokenize.TokenError, SyntaxError):
        tokens = [(n, text) for n, text in enumerate(source.splitlines(), 1) if "#" in text]
    for line, comment in tokens:
        match = _NOQA.search(comment)
        if match is None:
            continue
        codes = frozenset(_CODE.findall((match.group("codes") or "").upper()))
        lines[line] = codes if match.group("colon") and codes else frozenset({ALL})
    return lines


def _suppressed(noqa: dict[int, frozenset[str]], line: int, rule: str) -> bool:
    codes = noqa.get(line, frozenset())
    return ALL in codes or rule in codes


def lint_file(
    path: Path, config: LintConfig | None = None, display: str | None = None
) -> list[Finding]:
    """Lint one file; unreadable or undecodable files give a DF000 finding instead of raising."""
    shown = display or str(path)
    config = config or LintConfig()
    try:
        data = path.read_bytes()
    except OSError as error:
        return _parse_failure(config, shown, 1, 1, f"cannot read: {error.strerror}")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        source = data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as error:
        return _parse_failure(config, shown, 1, 1, f"cannot decode: {error}")
    return _lint(source.removeprefix("\ufeff"), shown, path, config)


def iter_python_files(path: Path) -> Iterator[Path]:
    """``path`` itself if it is a file, else every ``*.py`` below it, skipping tool directories."""
    if not path.is_dir():
        yield path
        return
    for directory, subdirs, files in os.walk(path):
        # Unrendered cookiecutter templates (`{{cookiecutter.x}}` folders) are not Python yet.
        subdirs[:] = sorted(
            d
            for d in subdirs
            if d not in SKIP_DIRS and not d.endswith(".egg-info") and "{{" not in d
        )
        for name in sorted(files):
            if name.endswith(".py"):
                yield Path(directory, name)


def run_lint(
    paths: Iterable[str | Path],
    config: LintConfig | None = None,
    adjust: Callable[[LintConfig], LintConfig] | None = None,
) -> LintResult:
    """Lint files and directory trees.

    Without ``config``, each path uses the nearest ``pyproject.toml`` with a
    ``[tool.domino_flows.lint]`` section at or above it, else the one at or above the working
    directory; ``adjust`` then applies command-line options on top.
    """
    findings: list[Finding] = []
    seen: set[Path] = set()
    files = 0
    read: dict[Path, dict | None] = {}  # each pyproject.toml's section, read once per lint
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file or directory")
        path_config = config if config is not None else find_config(path, read)
        if config is None and path_config.source is None:  # none above the path: try the cwd
            path_config = find_config(Path.cwd(), read)
        if adjust is not None:
            path_config = adjust(path_config)
        # `exclude` skips what a walk finds; a path named explicitly is linted (as ruff does).
        named_excluded = path_config.is_excluded(path)
        for file in iter_python_files(path):
            key = file.resolve()
            if key in seen or (not named_excluded and path_config.is_excluded(file)):
                continue
            seen.add(key)
            files += 1
            findings.extend(lint_file(file, path_config, str(file)))
    return LintResult(sorted(findings, key=Finding.sort_key), files)


def lint_paths(paths: Iterable[str | Path], config: LintConfig | None = None) -> list[Finding]:
    """Lint files and directories (recursively ``*.py``); findings sorted by path and line."""
    return run_lint(paths, config).findings
