"""The snippet corpus: each rule fires exactly on the marked lines, and never on good code.

Every file in ``corpus/bad`` marks each line where a finding must appear with a trailing
``# expect: DF00x`` comment (a rule id once per expected finding). Files in ``corpus/good`` must
produce no finding at all, under the default rules plus the opt-in DF015. File names start with
the rule id they exercise, so the last tests can check that every rule has enough cases.
Snippets that must not parse end in ``.broken`` so that tools which parse ``*.py`` skip them.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from domino_flows.lint import RULES, LintConfig, lint_file

CORPUS = Path(__file__).parent / "corpus"
BAD = sorted([*(CORPUS / "bad").glob("*.py"), *(CORPUS / "bad").glob("*.broken")])
GOOD = sorted((CORPUS / "good").glob("*.py"))
# All rules, including the opt-in one; files named *_prod.py are production flows.
CONFIG = LintConfig(enable=frozenset({"DF015"}), production=("*_prod.py",), root=CORPUS)
EXPECT = re.compile(r"#\s*expect:\s*(?P<ids>DF\d{3}(?:\s*,\s*DF\d{3})*)")


def expected(path: Path) -> Counter[tuple[int, str]]:
    marks: Counter[tuple[int, str]] = Counter()
    for number, line in enumerate(path.read_text().splitlines(), 1):
        match = EXPECT.search(line)
        if match:
            for rule in re.findall(r"DF\d{3}", match.group("ids")):
                marks[(number, rule)] += 1
    return marks


def found(path: Path) -> Counter[tuple[int, str]]:
    return Counter((f.line, f.rule) for f in lint_file(path, CONFIG))


@pytest.mark.parametrize("path", BAD, ids=[p.name for p in BAD])
def test_bad_snippet_fires_exactly_on_marked_lines(path: Path) -> None:
    marks = expected(path)
    assert marks, f"{path.name} has no '# expect:' markers"
    assert found(path) == marks


@pytest.mark.parametrize("path", GOOD, ids=[p.name for p in GOOD])
def test_good_snippet_has_no_findings(path: Path) -> None:
    assert lint_file(path, CONFIG) == []


def test_corpus_is_large_enough() -> None:
    assert len(BAD) + len(GOOD) >= 40


@pytest.mark.parametrize("rule", sorted(RULES))
def test_every_rule_has_two_bad_and_two_good_cases(rule: str) -> None:
    bad_cases = sum(expected(path)[key] for path in BAD for key in expected(path) if key[1] == rule)
    good_files = [p for p in GOOD if p.name.startswith(rule.lower() + "_")]
    assert bad_cases >= 2, f"{rule} has {bad_cases} bad cases"
    assert len(good_files) >= 2, f"{rule} has {len(good_files)} good files"


def test_bad_file_names_match_a_rule_they_exercise() -> None:
    for path in BAD:
        prefix = path.name.split("_")[0].upper()
        if prefix in RULES:
            assert any(rule == prefix for _, rule in expected(path)), path.name
