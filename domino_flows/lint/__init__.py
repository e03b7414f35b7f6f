"""Static checks for Domino Flows code (``domino-flows lint``).

The checks read the syntax tree only: user code is never imported or run, and this package does
not import flytekit, so it is fast and safe to call from the command line, from ``submit`` and
from documentation tests::

    from domino_flows.lint import lint_paths, lint_source

    for finding in lint_paths(["flows/"]):
        print(finding.path, finding.line, finding.rule, finding.message)
"""

from __future__ import annotations

from domino_flows.lint.config import LintConfig, LintConfigError, find_config, load_config
from domino_flows.lint.engine import lint_file, lint_paths, lint_source, run_lint
from domino_flows.lint.model import RULES, Finding, RuleInfo

__all__ = [
    "RULES",
    "Finding",
    "LintConfig",
    "LintConfigError",
    "RuleInfo",
    "find_config",
    "lint_file",
    "lint_paths",
    "lint_source",
    "load_config",
    "run_lint",
]
