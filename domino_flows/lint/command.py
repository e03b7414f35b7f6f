"""``domino-flows lint``: check flow files for Domino Flows anti-patterns without running them.

Exit status: 0 when no error-severity finding remains (warnings alone pass), 1 when at least
one does, 2 for usage errors (a missing path, an unknown rule id, a bad configuration).
"""

from __future__ import annotations

from pathlib import Path

import rich_click as click

from domino_flows.lint.config import LintConfig, LintConfigError, load_config
from domino_flows.lint.engine import run_lint
from domino_flows.lint.model import RULES
from domino_flows.lint.report import FORMATS, render


def _list_rules() -> str:
    rows = []
    for rule in RULES.values():
        state = "" if rule.default_enabled else " (off by default)"
        rows.append(f"{rule.id}  {rule.name:<32} {rule.severity:<8}{state}  {rule.summary}")
    return "\n".join(rows)


@click.command("lint", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text for people, json for tools, github for GitHub Actions annotations.",
)
@click.option(
    "--select", multiple=True, help="Run only these rules (ids or names, comma-separated)."
)
@click.option("--enable", multiple=True, help="Also run these rules, e.g. the opt-in DF015.")
@click.option("--disable", "--ignore", "disable", multiple=True, help="Do not run these rules.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="pyproject.toml to read [tool.domino_flows.lint] from, instead of the nearest one.",
)
@click.option("--production", is_flag=True, help="Treat every linted file as a production flow.")
@click.option("--list-rules", is_flag=True, help="List the rules and exit.")
def lint(
    paths: tuple[Path, ...],
    output_format: str,
    select: tuple[str, ...],
    enable: tuple[str, ...],
    disable: tuple[str, ...],
    config_file: Path | None,
    production: bool,
    list_rules: bool,
) -> None:
    """Check flow files for Domino Flows anti-patterns.

    PATHS are files or directories (searched recursively for *.py); the default is the current
    directory. Nothing is imported or run. Settings come from [tool.domino_flows.lint] in the
    nearest pyproject.toml; silence one line with `# noqa: DF004`. Exit status: 1 if any
    error remains, 0 otherwise, 2 for usage errors. Rules: --list-rules, and
    docs/lint-rules.md for examples.
    """
    if list_rules:
        click.echo(_list_rules())
        return

    def apply(config: LintConfig) -> LintConfig:
        return config.with_options(select or None, enable, disable, production)

    try:
        apply(LintConfig())  # report bad rule ids before reading any file
        config = load_config(config_file) if config_file else None
        result = run_lint(paths or (Path("."),), config, apply)
    except LintConfigError as error:  # a usage mistake: one line and exit 2, as every command
        click.echo(f"error: {error}", err=True)
        raise SystemExit(2) from None
    text = render(result.findings, result.files, output_format)
    if text:
        click.echo(text)
    if result.errors:
        raise SystemExit(1)
