"""``[tool.domino_flows.lint]``: discovery, validation and production patterns."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from domino_flows.lint import LintConfig, LintConfigError, find_config, lint_paths, load_config
from domino_flows.lint.config import config_from_mapping

FLOW = textwrap.dedent(
    """\
    from flytekit import task, workflow
    from domino_flows import DominoJobConfig, DominoJobTask

    t = DominoJobTask(name="t", domino_job_config=DominoJobConfig(Command="x"), use_latest=True)

    @task
    def add(a: int) -> int:
        return a

    @workflow
    def wf(a: int = 1) -> int:
        return add(a)
    """
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def rules(findings: list) -> list[tuple[str, str]]:
    return [(f.rule, f.severity) for f in findings]


def test_defaults_without_any_pyproject(tmp_path: Path) -> None:
    config = find_config(tmp_path)
    assert config == LintConfig()
    assert "DF015" not in config.enabled_rules() and "DF001" in config.enabled_rules()


def test_nearest_pyproject_with_the_section_is_used(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.domino_flows.lint]\ndisable = ["DF001"]\n')
    # A nested pyproject without the section does not hide the outer settings.
    write(tmp_path / "pkg" / "pyproject.toml", '[project]\nname = "pkg"\n')
    flow = write(tmp_path / "pkg" / "flows" / "wf.py", FLOW)
    config = find_config(flow)
    assert config.source == tmp_path / "pyproject.toml"
    assert rules(lint_paths([flow])) == [("DF004", "error")]


def test_paths_outside_any_configured_project_use_the_working_directory_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    write(project / "pyproject.toml", '[tool.domino_flows.lint]\ndisable = ["DF001"]\n')
    elsewhere = write(tmp_path / "elsewhere" / "wf.py", FLOW)
    monkeypatch.chdir(project)
    assert rules(lint_paths([elsewhere])) == [("DF004", "error")]


def test_inner_section_wins_over_outer(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.domino_flows.lint]\ndisable = ["DF001"]\n')
    write(tmp_path / "pkg" / "pyproject.toml", '[tool.domino_flows.lint]\ndisable = ["DF004"]\n')
    flow = write(tmp_path / "pkg" / "wf.py", FLOW)
    assert rules(lint_paths([flow])) == [("DF001", "error")]


def test_select_enable_ignore_and_severity(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        """
        [tool.domino_flows.lint]
        select = ["DF001", "positional-task-arguments"]
        enable = ["DF015"]
        ignore = ["DF001"]
        severity = { DF004 = "warning", unpinned-job-settings = "error" }
        """,
    )
    flow = write(tmp_path / "wf.py", FLOW)
    assert rules(lint_paths([flow])) == [("DF015", "error"), ("DF004", "warning")]


def test_production_globs_are_relative_to_the_pyproject(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        """
        [tool.domino_flows.lint]
        production = ["flows/prod/**", "*_prod.py"]
        disable = ["DF001", "DF004"]
        """,
    )
    prod = write(tmp_path / "flows" / "prod" / "deep" / "wf.py", FLOW)
    named = write(tmp_path / "other" / "nightly_prod.py", FLOW)
    dev = write(tmp_path / "flows" / "dev" / "wf.py", FLOW)
    assert rules(lint_paths([prod])) == [("DF007", "error")]
    assert rules(lint_paths([named])) == [("DF007", "error")]
    assert rules(lint_paths([dev])) == []


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("flows/prod/**", "flows/prod/a.py", True),
        ("flows/prod/**", "flows/prod/x/y/a.py", True),
        ("flows/prod/**", "flows/production/a.py", False),
        ("*_prod.py", "deep/down/train_prod.py", True),
        ("*_prod.py", "train_prod.py.bak", False),
        ("**/release/*.py", "release/a.py", True),
        ("**/release/*.py", "a/b/release/c.py", True),
        ("**/release/*.py", "a/release/b/c.py", False),
        ("./flows/?.py", "flows/a.py", True),
    ],
)
def test_production_pattern_matching(
    tmp_path: Path, pattern: str, path: str, matches: bool
) -> None:
    config = LintConfig(production=(pattern,), root=tmp_path)
    assert config.is_production(tmp_path / path) is matches


def test_cli_style_options_override_the_file() -> None:
    config = LintConfig(disable=frozenset({"DF001"})).with_options(
        select=["DF001,DF002"], disable=["DF002"], enable=["unpinned-job-settings"]
    )
    assert config.enabled_rules() == {"DF001", "DF015"}


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"disable": ["DF999"]}, "unknown rule id 'DF999' in disable"),
        ({"select": ["DF001", "nonsense"]}, "unknown rule id 'nonsense' in select"),
        ({"severity": {"DF998": "error"}}, "unknown rule id 'DF998' in severity"),
        ({"severity": {"DF001": "fatal"}}, "severity of DF001 is 'fatal'"),
        ({"severity": "error"}, "severity must be a table"),
        ({"disable": "DF001"}, "disable must be a list"),
        ({"production": [1]}, "production must be a list of glob patterns"),
        ({"exclude": [2]}, "exclude must be a list of glob patterns"),
        ({"disabled": ["DF001"]}, "unknown setting 'disabled'"),
    ],
)
def test_invalid_settings_name_the_file_and_the_entry(
    tmp_path: Path, table: dict, message: str
) -> None:
    source = tmp_path / "pyproject.toml"
    with pytest.raises(LintConfigError) as error:
        config_from_mapping(table, source)
    assert message in str(error.value)
    assert "pyproject.toml [tool.domino_flows.lint]" in str(error.value)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", "[tool.domino_flows.lint\ndisable = [\n")
    with pytest.raises(LintConfigError, match="invalid TOML"):
        load_config(path)


def test_unknown_option_on_the_command_line() -> None:
    with pytest.raises(LintConfigError, match="unknown rule id 'DF123' in --disable"):
        LintConfig().with_options(disable=["DF123"])


def test_load_config_without_section_gives_defaults(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    assert load_config(path).enabled_rules() == LintConfig().enabled_rules()


def test_exclude_skips_walked_files_but_not_named_ones(tmp_path: Path, monkeypatch) -> None:
    write(
        tmp_path / "pyproject.toml",
        """\
        [tool.domino_flows.lint]
        exclude = ["gallery", "flows/old/**", "*_scratch.py"]
        """,
    )
    for name in ("gallery/bad.py", "flows/old/bad.py", "flows/a_scratch.py", "flows/new.py"):
        write(tmp_path / name, FLOW)
    monkeypatch.chdir(tmp_path)

    def linted(*paths: str) -> set[str]:
        return {Path(f.path).as_posix() for f in lint_paths(list(paths))}

    assert linted(".") == {"flows/new.py"}
    assert linted("flows") == {"flows/new.py"}
    assert linted("gallery") == {"gallery/bad.py"}  # named: linted
    assert linted("gallery/bad.py", "flows/old") == {"gallery/bad.py", "flows/old/bad.py"}
    config = find_config(tmp_path)
    assert config.exclude == ("gallery", "flows/old/**", "*_scratch.py")
    assert config.is_excluded(tmp_path / "gallery" / "deep" / "x.py")
    assert not config.is_excluded(tmp_path / "flows" / "older.py")
