"""``domino-flows lint``: output formats, exit codes and usage errors."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from domino_flows.cli import main
from domino_flows.lint import RULES

ERRORS = textwrap.dedent(
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
WARNINGS_ONLY = textwrap.dedent(
    """\
    from domino_flows import DominoJobConfig

    cfg = DominoJobConfig(Command="python src/train.py")
    """
)
CLEAN = "from domino_flows import DominoJobConfig\n\ncfg = DominoJobConfig(Command='python x.py')\n"


@pytest.fixture
def project_files() -> dict[str, str]:
    """The ``project`` (tests/conftest.py) is the working directory, so paths print relative."""
    return {"flows/errors.py": ERRORS, "flows/warnings.py": WARNINGS_ONLY, "flows/clean.py": CLEAN}


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["lint", *args])


def flat(text: str) -> str:
    """Usage errors are drawn in a box and wrapped; compare their words only."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


def test_text_format_lines_summary_and_exit_code(project: Path) -> None:
    result = run("flows")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "flows/errors.py:3:2: DF001 [error] `add` is a native flytekit @task"
    )
    assert lines[1].startswith("flows/errors.py:9:12: DF004 [error] `add` is called with 1")
    assert lines[2].startswith("flows/warnings.py:3:31: DF012 [warning] job command runs")
    assert lines[3] == "Found 3 problems (2 errors, 1 warning) in 3 files."
    assert len(lines) == 4


def test_warnings_alone_exit_zero(project: Path) -> None:
    result = run("flows/warnings.py")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "Found 1 problem (0 errors, 1 warning) in 1 file."


def test_clean_file(project: Path) -> None:
    result = run("flows/clean.py")
    assert result.exit_code == 0
    assert result.stdout == "No problems found in 1 file.\n"


def test_default_path_is_the_working_directory(project: Path) -> None:
    result = run()
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1].endswith("in 3 files.")
    assert "flows/errors.py:3:2: DF001" in result.stdout


def test_json_format(project: Path) -> None:
    result = run("--format", "json", "flows")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [(d["path"], d["line"], d["rule"]) for d in data] == [
        ("flows/errors.py", 3, "DF001"),
        ("flows/errors.py", 9, "DF004"),
        ("flows/warnings.py", 3, "DF012"),
    ]
    assert data[0] == {
        "path": "flows/errors.py",
        "line": 3,
        "column": 2,
        "rule": "DF001",
        "name": "native-flytekit-task",
        "severity": "error",
        "message": data[0]["message"],
    }
    assert json.loads(run("--format", "json", "flows/clean.py").stdout) == []


def test_github_format(project: Path) -> None:
    result = run("--format", "github", "flows")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("::error file=flows/errors.py,line=3,col=2,title=DF001::`add` is")
    assert lines[2].startswith("::warning file=flows/warnings.py,line=3,col=31,title=DF012::")
    assert len(lines) == 3


def test_github_format_escapes_properties_and_newlines(project: Path) -> None:
    from domino_flows.lint.model import Finding
    from domino_flows.lint.report import format_github

    finding = Finding("a,b:c.py", 1, 1, "DF001", "x", "error", "50% done\nnext")
    assert format_github([finding]) == (
        "::error file=a%2Cb%3Ac.py,line=1,col=1,title=DF001::50%25 done%0Anext"
    )


def test_secret_value_is_not_printed_in_any_format(project: Path) -> None:
    leaked = "603d2f07ed65bbb3be5bdf97ef5f10074a555febabd1fd9d1bdf284ab7ec5d27"
    (project / "flows" / "keys.py").write_text(f'API_KEY = "{leaked}"\n')
    for output_format in ("text", "json", "github"):
        result = run("--format", output_format, "flows/keys.py")
        assert result.exit_code == 1
        assert "DF006" in result.output
        assert leaked not in result.output and leaked[4:] not in result.output


def test_nonexistent_path_is_a_usage_error(project: Path) -> None:
    result = run("flows", "nowhere.py")
    assert result.exit_code == 2
    assert "'nowhere.py' does not exist" in flat(result.output)


def test_unknown_rule_on_the_command_line_is_a_usage_error(project: Path) -> None:
    result = run("--select", "DF001,DF777", "flows")
    assert result.exit_code == 2
    assert "unknown rule id 'DF777' in --select" in flat(result.output)


def test_unknown_rule_in_config_is_a_usage_error_naming_the_file(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.domino_flows.lint]\ndisable = ["DF404"]\n')
    result = run("flows")
    assert result.exit_code == 2
    assert "pyproject.toml [tool.domino_flows.lint]: unknown rule id 'DF404' in disable" in flat(
        result.output
    )


def test_unknown_format_is_a_usage_error(project: Path) -> None:
    assert run("--format", "xml", "flows").exit_code == 2


def test_disable_and_select_options(project: Path) -> None:
    result = run("--disable", "DF001", "--disable", "DF004", "flows/errors.py")
    assert (result.exit_code, result.stdout) == (0, "No problems found in 1 file.\n")
    result = run("--select", "DF004", "flows")
    assert result.exit_code == 1
    assert [line.split()[1] for line in result.stdout.splitlines()[:-1]] == ["DF004"]


def test_config_file_option_and_production_flag(project: Path) -> None:
    (project / "flows" / "job.py").write_text(
        "from domino_flows import DominoJobTask, DominoJobConfig\n"
        "t = DominoJobTask(name='t', domino_job_config=DominoJobConfig(Command='x'),\n"
        "                  use_latest=True)\n"
    )
    assert run("flows/job.py").exit_code == 0
    result = run("--production", "flows/job.py")
    assert result.exit_code == 1
    assert result.stdout.startswith("flows/job.py:3:19: DF007 [error]")
    config = project / "lint.toml"
    config.write_text('[tool.domino_flows.lint]\nseverity = { DF007 = "warning" }\n')
    result = run("--config", str(config), "--production", "flows/job.py")
    assert result.exit_code == 0
    assert "DF007 [warning]" in result.stdout


def test_syntax_error_exits_one_with_its_line(project: Path) -> None:
    (project / "flows" / "broken.py").write_text("x = 1\ndef oops(:\n    pass\n")
    result = run("flows/broken.py")
    assert result.exit_code == 1
    assert result.stdout.startswith("flows/broken.py:2:")
    assert "DF000 [error] cannot parse" in result.stdout


def test_noqa_through_the_command(project: Path) -> None:
    (project / "flows" / "quiet.py").write_text(
        ERRORS.replace("@task", "@task  # noqa: DF001").replace("add(a)\n", "add(a)  # noqa\n")
    )
    assert run("flows/quiet.py").exit_code == 0


def test_list_rules(project: Path) -> None:
    result = run("--list-rules")
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.stdout.splitlines()]
    assert listed == list(RULES)
    (opt_in,) = [line for line in result.stdout.splitlines() if line.startswith("DF015")]
    assert "(off by default)" in opt_in


@pytest.mark.slow
def test_installed_command_in_a_subprocess(project: Path) -> None:
    command = Path(sys.executable).with_name("domino-flows")
    if not command.exists():
        found = shutil.which("domino-flows")
        if found is None:
            pytest.skip("the domino-flows command is not installed next to this interpreter")
        command = Path(found)
    result = subprocess.run(
        [str(command), "lint", "--format", "json", "flows"],
        capture_output=True,
        text=True,
        cwd=project,
    )
    assert result.returncode == 1, result.stderr
    assert [d["rule"] for d in json.loads(result.stdout)] == ["DF001", "DF004", "DF012"]
    missing = subprocess.run(
        [str(command), "lint", "missing.py"], capture_output=True, text=True, cwd=project
    )
    assert missing.returncode == 2
    assert "missing.py" in missing.stderr
