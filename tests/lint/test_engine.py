"""The engine: noqa comments, unparsable files, file discovery and the public API."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

from domino_flows.lint import RULES, Finding, LintConfig, lint_file, lint_paths, lint_source
from domino_flows.lint.engine import CHECKS

FLOW = textwrap.dedent(
    """\
    from flytekit import task, workflow

    @task
    def add(a: int) -> int:
        return a

    @workflow
    def wf(a: int = 1) -> int:
        return add(a)
    """
)


def rules_at(source: str) -> list[tuple[int, str]]:
    return [(f.line, f.rule) for f in lint_source(source)]


# -- noqa ----------------------------------------------------------------------------------------


def test_findings_without_noqa() -> None:
    assert rules_at(FLOW) == [(3, "DF001"), (9, "DF004")]


def test_noqa_with_the_rule_id_suppresses_that_rule_on_that_line() -> None:
    source = FLOW.replace("@task", "@task  # noqa: DF001")
    assert rules_at(source) == [(9, "DF004")]


def test_noqa_with_another_rule_id_does_not_suppress() -> None:
    source = FLOW.replace("@task", "@task  # noqa: DF004")
    assert rules_at(source) == [(3, "DF001"), (9, "DF004")]


def test_noqa_with_several_ids() -> None:
    source = FLOW.replace("return add(a)", "return add(a) if a else add(a)  # noqa: DF002,DF004")
    assert rules_at(source) == [(3, "DF001")]


def test_noqa_with_spaces_and_lower_case() -> None:
    source = FLOW.replace("@task", "@task  # NOQA:df001, E501")
    assert rules_at(source) == [(9, "DF004")]


def test_bare_noqa_suppresses_every_rule_on_the_line() -> None:
    source = FLOW.replace("return add(a)", "return add(a) if a else add(a)  # noqa")
    assert rules_at(source) == [(3, "DF001")]


def test_noqa_only_for_other_tools_does_not_suppress() -> None:
    source = FLOW.replace("@task", "@task  # noqa: E501")
    assert rules_at(source) == [(3, "DF001"), (9, "DF004")]


def test_noqa_on_another_line_does_not_suppress() -> None:
    source = FLOW.replace("def add", "# noqa: DF001\ndef add")
    assert rules_at(source) == [(3, "DF001"), (10, "DF004")]


def test_noqa_inside_a_string_is_not_a_comment() -> None:
    source = FLOW.replace("return add(a)", 'return add(a, "# noqa: DF004")')
    assert rules_at(source) == [(3, "DF001"), (9, "DF004")]


# -- unparsable input ----------------------------------------------------------------------------


def test_syntax_error_is_a_finding_with_its_line() -> None:
    (finding,) = lint_source("x = 1\ny = (\n", "broken.py")
    assert (finding.rule, finding.name, finding.severity) == ("DF000", "syntax-error", "error")
    assert finding.line == 2 and finding.path == "broken.py"
    assert finding.message.startswith("cannot parse:")


def test_syntax_error_can_be_disabled() -> None:
    assert lint_source("def (:\n", config=LintConfig(disable=frozenset({"DF000"}))) == []


def test_null_bytes_do_not_crash() -> None:
    assert [f.rule for f in lint_source("x = 1\x00\n")] == ["DF000"]


def test_parser_warnings_are_not_emitted() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert lint_source('import re\npattern = re.compile("\\d+")\n') == []
    assert caught == []


def test_absurdly_nested_code_is_a_finding_not_a_crash() -> None:
    source = "from flytekit import workflow\n@workflow\ndef wf(a: int) -> int:\n"
    source += "    return " + "-" * 5000 + "a\n"
    assert [f.rule for f in lint_source(source)] == ["DF000"]


def test_undecodable_file_is_a_finding(tmp_path: Path) -> None:
    path = tmp_path / "latin.py"
    path.write_bytes(b"name = '\xff\xfe'\n")
    (finding,) = lint_file(path)
    assert finding.rule == "DF000" and "cannot decode" in finding.message


def test_encoding_cookie_is_honoured(tmp_path: Path) -> None:
    path = tmp_path / "latin.py"
    path.write_bytes(b"# -*- coding: latin-1 -*-\nname = '\xe9'\n")
    assert lint_file(path) == []


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.py"
    path.write_bytes(b"\xef\xbb\xbf" + FLOW.encode())
    assert [(f.line, f.rule) for f in lint_file(path)] == [(3, "DF001"), (9, "DF004")]


# -- discovery -----------------------------------------------------------------------------------


def _tree(root: Path) -> None:
    for relative in [
        "flows/a.py",
        "flows/nested/b.py",
        "flows/notes.txt",
        ".venv/lib/c.py",
        "venv/d.py",
        "__pycache__/e.py",
        "build/f.py",
        "dist/g.py",
        ".domino-flows/h.py",
        "node_modules/i.py",
        ".git/j.py",
        "pkg.egg-info/k.py",
    ]:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(FLOW)


def test_directories_are_searched_recursively_skipping_tool_directories(tmp_path: Path) -> None:
    _tree(tmp_path)
    findings = lint_paths([tmp_path])
    files = sorted({Path(f.path).relative_to(tmp_path).as_posix() for f in findings})
    assert files == ["flows/a.py", "flows/nested/b.py"]


def test_explicit_file_and_overlapping_paths_are_linted_once(tmp_path: Path) -> None:
    _tree(tmp_path)
    findings = lint_paths([tmp_path / "flows", tmp_path / "flows" / "a.py"])
    assert len(findings) == 4  # two files, two findings each, none repeated


def test_findings_are_sorted_by_path_then_line(tmp_path: Path) -> None:
    _tree(tmp_path)
    findings = lint_paths([tmp_path / "flows"])
    assert findings == sorted(findings, key=lambda f: (f.path, f.line, f.column, f.rule))


def test_missing_path_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="missing.py"):
        lint_paths([tmp_path / "missing.py"])


# -- the authoring API as documented -------------------------------------------------------------

AUTHORING_EXAMPLE = textwrap.dedent(
    """\
    from flytekit import workflow, task, conditional, map_task, LaunchPlan
    from domino_flows import (DominoJobConfig, DominoJobTask, domino_task, run_domino_job_task,
                              Input, Output, Artifact, MODEL, REPORT, DATA, GitRef,
                              EnvironmentRevisionSpecification, EnvironmentRevisionType,
                              DatasetSnapshot)
    from flytekit.types.file import FlyteFile

    @domino_task(environment="Python 3.11", hardware_tier="Small", cache=True, cache_version="1")
    def prepare(rows: int, seed: int) -> FlyteFile:
        ...

    train = DominoJobTask(name="train", domino_job_config=DominoJobConfig(
            Command="python train.py", EnvironmentName="GPU env", HardwareTierName="Large"),
            inputs={"data": FlyteFile}, outputs={"model": FlyteFile}, use_latest=False)

    @workflow
    def wf(rows: int = 100, seed: int = 1) -> FlyteFile:
        data = prepare(rows=rows, seed=seed)
        out = run_domino_job_task(flyte_task_name="eval", command="python eval.py",
                                  inputs=[Input(name="data", type=FlyteFile, value=data)],
                                  output_specs=[Output(name="report", type=FlyteFile)],
                                  environment_name="Python 3.11", hardware_tier_name="Small",
                                  use_project_defaults_for_omitted=True)
        return train(data=data)
    """
)


def test_the_documented_authoring_example_is_clean_by_default() -> None:
    assert lint_source(AUTHORING_EXAMPLE, "flows/wf.py") == []


def test_the_documented_authoring_example_only_has_the_opt_in_warning() -> None:
    findings = lint_source(
        AUTHORING_EXAMPLE, "flows/wf.py", LintConfig(enable=frozenset({"DF015"}))
    )
    assert [(f.line, f.rule, f.severity) for f in findings] == [(23, "DF015", "warning")]
    production = LintConfig(production=("flows/**",))
    assert [
        (f.line, f.rule) for f in lint_source(AUTHORING_EXAMPLE, "flows/wf.py", production)
    ] == [(23, "DF007")]


# -- API -----------------------------------------------------------------------------------------


def test_finding_is_a_frozen_dataclass_with_the_documented_fields() -> None:
    finding = lint_source(FLOW)[0]
    assert isinstance(finding, Finding)
    assert [f.name for f in dataclasses.fields(Finding)] == [
        "path",
        "line",
        "column",
        "rule",
        "name",
        "severity",
        "message",
    ]
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.line = 5  # type: ignore[misc]


def test_columns_are_one_based() -> None:
    finding = lint_source(FLOW)[0]
    assert (finding.line, finding.column) == (3, 2)  # the name after "@"


def test_severity_override_and_select() -> None:
    config = LintConfig(select=frozenset({"DF004"}), severity={"DF004": "warning"})
    (finding,) = lint_source(FLOW, config=config)
    assert (finding.rule, finding.severity) == ("DF004", "warning")


def test_every_rule_has_a_check() -> None:
    covered = set().union(*(ids for ids, _ in CHECKS)) | {"DF000"}
    assert covered == set(RULES)


def test_linting_never_imports_flytekit() -> None:
    code = (
        "import domino_flows.lint.command, sys\n"
        "from domino_flows.lint import lint_source\n"
        "lint_source('from flytekit import task\\n@task\\ndef f(x: int) -> int: return x\\n')\n"
        "assert 'flytekit' not in sys.modules, 'flytekit was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_user_code_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = tmp_path / "evil.py"
    path.write_text(f"open({str(marker)!r}, 'w').write('x')\n")
    lint_paths([path])
    assert not marker.exists()


def test_unrendered_template_folders_are_skipped(tmp_path):
    from domino_flows.lint import lint_paths

    template = tmp_path / "{{cookiecutter.project_slug}}"
    template.mkdir()
    (template / "flow.py").write_text("{% if cookiecutter.x %}\nimport os\n{% endif %}\n")
    (tmp_path / "broken.py").write_text("def (:\n")
    findings = lint_paths([tmp_path])
    assert [Path(f.path).name for f in findings] == ["broken.py"]
