"""docs/lint-rules.md documents every rule, and its examples behave as the page says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from domino_flows.lint import RULES, LintConfig, lint_source

DOC = Path(__file__).resolve().parents[2] / "docs" / "lint-rules.md"
CONFIG = LintConfig(enable=frozenset({"DF015"}))


def sections() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    parts = re.split(r"^## (DF\d{3}) ", text, flags=re.MULTILINE)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def example(section: str, label: str) -> str:
    match = re.search(rf"\*\*{label}:\*\*\s*```python\n(.*?)```", section, flags=re.DOTALL)
    assert match, f"no {label} example"
    return match.group(1)


def test_every_rule_has_a_section_in_order() -> None:
    assert list(sections()) == list(RULES)


@pytest.mark.parametrize("rule", list(RULES))
def test_section_states_name_and_severity(rule: str) -> None:
    section = sections()[rule]
    info = RULES[rule]
    assert section.startswith(f"`{info.name}`")
    assert f"**Severity:** {info.severity}" in section
    assert "**Why it hurts on Domino:**" in section


@pytest.mark.parametrize("rule", list(RULES))
def test_bad_example_triggers_only_its_rule(rule: str) -> None:
    findings = lint_source(example(sections()[rule], "Bad"), "example.py", CONFIG)
    assert {f.rule for f in findings} == {rule}


@pytest.mark.parametrize("rule", list(RULES))
def test_good_example_is_clean(rule: str) -> None:
    assert lint_source(example(sections()[rule], "Good"), "example.py", CONFIG) == []
