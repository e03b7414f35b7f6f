"""The anti-pattern gallery: `domino-flows lint` reports every bad version and passes every fix.

The gallery is only read here, never imported: its bad versions are wrong on purpose.
"""

from functools import cache
from pathlib import Path

import pytest
from domino_flows.lint import lint_paths

GALLERY = Path(__file__).resolve().parents[1] / "anti_patterns"

# gallery file -> the rule that reports its bad version
EXPECTED = {
    "native_task.py": "DF001",
    "monolithic_task.py": "DF009",
    "hard_coded_configuration.py": "DF012",
    "global_state.py": "DF010",
    "environment_branching.py": "DF011",
    "if_on_promise.py": "DF002",
    "nondeterministic_workflow.py": "DF003",
    "credentials_in_code.py": "DF006",
    "use_latest_in_production.py": "DF007",
    "large_data_in_primitive_output.py": "DF008",
    "missing_type_annotations.py": "DF005",
}


@cache
def findings(name: str) -> list[tuple[int, str]]:
    return sorted((f.line, f.rule) for f in lint_paths([str(GALLERY / name)]))


def sections(name: str) -> tuple[int, int]:
    """The lines where the file's bad and good sections start."""
    lines = (GALLERY / name).read_text().splitlines()
    bad = next(n for n, line in enumerate(lines, 1) if line.startswith("# --- bad"))
    good = next(n for n, line in enumerate(lines, 1) if line.startswith("# --- good"))
    assert bad < good, f"{name}: the bad section comes first"
    return bad, good


def test_the_list_covers_the_gallery():
    assert sorted(p.name for p in GALLERY.glob("*.py")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_lint_reports_the_bad_version(name):
    bad, good = sections(name)
    rules = {rule for line, rule in findings(name) if bad <= line < good}
    assert EXPECTED[name] in rules, findings(name)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_lint_passes_everything_else(name):
    bad, good = sections(name)
    outside = [(line, rule) for line, rule in findings(name) if not bad <= line < good]
    assert outside == []
