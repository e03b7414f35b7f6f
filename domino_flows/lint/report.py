"""Output formats for findings: human text, JSON for tools, GitHub Actions annotations."""

from __future__ import annotations

import json
from collections.abc import Sequence

from domino_flows.lint.model import Finding

FORMATS = ("text", "json", "github")


def format_text(findings: Sequence[Finding], files: int) -> str:
    """``path:line:col: DF00x [severity] message`` lines, then a summary line with counts."""
    lines = [f"{f.path}:{f.line}:{f.column}: {f.rule} [{f.severity}] {f.message}" for f in findings]
    lines.append(summary(findings, files))
    return "\n".join(lines)


def summary(findings: Sequence[Finding], files: int) -> str:
    checked = f"{files} file{'s' if files != 1 else ''}"
    if not findings:
        return f"No problems found in {checked}."
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    counts = (
        f"{errors} error{'s' if errors != 1 else ''}, "
        f"{warnings} warning{'s' if warnings != 1 else ''}"
    )
    total = len(findings)
    return f"Found {total} problem{'s' if total != 1 else ''} ({counts}) in {checked}."


def format_json(findings: Sequence[Finding]) -> str:
    """A JSON list of {path, line, column, rule, name, severity, message}."""
    return json.dumps([f.to_dict() for f in findings], indent=2, ensure_ascii=False)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(findings: Sequence[Finding]) -> str:
    """GitHub Actions workflow commands, shown as annotations on the pull request diff."""
    return "\n".join(
        f"::{f.severity} file={_escape_property(f.path)},line={f.line},col={f.column},"
        f"title={f.rule}::{_escape_data(f.message)}"
        for f in findings
    )


def render(findings: Sequence[Finding], files: int, output_format: str) -> str:
    if output_format == "json":
        return format_json(findings)
    if output_format == "github":
        return format_github(findings)
    return format_text(findings, files)
