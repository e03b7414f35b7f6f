"""The whole flow on the local backend, and the lint gate, as you would run them by hand."""

import json

import pytest

from {{ cookiecutter.package_name }} import flow


def test_the_flow_compiles_with_every_step():
    assert len(flow.training_flow.nodes) == 4


@pytest.mark.slow
def test_the_flow_runs_end_to_end_on_the_local_backend(run_cli):
    result = run_cli(
        "run",
        "{{ cookiecutter.package_name }}/flow.py",
        "training_flow",
        "--input",
        "rows=300",
        "--input",
        "epochs=60",
        "--json",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    run = json.loads(result.stdout)
    assert run["success"], run["error"]
    assert run["outputs"]["accuracy"] > 0.7
    assert {task["state"] for task in run["tasks"]} <= {"succeeded", "cached"}
    artifacts = {name for task in run["tasks"] for name in task["artifacts"]}
    assert artifacts == {"Churn model", "Churn report"}


def test_the_project_is_lint_clean(run_cli):
    result = run_cli("lint", "{{ cookiecutter.package_name }}", "tests")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "DF0" not in result.stdout
