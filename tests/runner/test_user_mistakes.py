"""A mistake in the user's flow code is one line naming the file and line, never a traceback."""

import subprocess
import sys

import pytest
from runner_helpers import cli

ARITHMETIC = """from flytekit import task, workflow


@task
def nap(x: int) -> int:
    return x


@workflow
def wf(x: int = 1) -> int:
    return nap(x=x + 1)
"""


def test_syntax_error_in_an_imported_module_names_that_module(project):
    package = project / "probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "helper_bad.py").write_text("def f(:\n")
    (package / "uses_bad.py").write_text("from probe import helper_bad  # noqa\n")
    result = cli("run", "probe/uses_bad.py", "wf")
    assert result.exit_code != 0
    assert "probe/helper_bad.py:1: syntax error" in result.output
    assert "uses_bad.py" not in result.output


def test_syntax_error_in_the_flow_file_names_the_flow_file(project):
    (project / "broken.py").write_text("x = 1\ndef f(:\n")
    result = cli("run", "broken.py", "wf")
    assert result.exit_code != 0
    assert "broken.py:2: syntax error" in result.output


@pytest.mark.parametrize("command", [["run"], ["graph"], ["submit", "--dry-run"]])
def test_arithmetic_on_a_promise_is_one_line(project, command):
    (project / "arith.py").write_text(ARITHMETIC)
    result = cli(*command, "arith.py", "wf")
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if "Promise" in line]
    assert len(lines) == 1, result.output
    assert "arith.py:11" in lines[0]
    assert "workflow 'arith.wf'" in lines[0] or "workflow 'wf'" in lines[0]
    assert "inside a task" in lines[0]


@pytest.mark.slow
def test_a_project_file_named_like_a_module_the_domino_backend_needs_is_named(tmp_path):
    project = tmp_path / "shadowing"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "shadowing"\n')
    (project / "retry.py").write_text("STEPS = 3\n")  # python-domino imports `retry`
    (project / "flow.py").write_text(
        "from flytekit import workflow\n\nfrom domino_flows import domino_task\n\n\n"
        "@domino_task\ndef one(x: int) -> int:\n    return x\n\n\n"
        "@workflow\ndef wf(x: int = 1) -> int:\n    return one(x=x)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-m", "domino_flows.cli", "run", "flow.py", "wf", "--backend", "domino"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 2, completed.stderr
    assert "Traceback" not in completed.stderr
    shadow = (project / "retry.py").resolve()
    assert f"{shadow} has the name of the module 'retry' that the domino backend imports" in (
        completed.stderr
    )
    assert "rename retry.py (say, to retry_steps.py)" in completed.stderr
