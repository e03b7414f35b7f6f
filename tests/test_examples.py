"""Every example runs with ``domino-flows run`` on the local backend and gives known answers.

The flows run in-process through the command line (click's runner), in a temporary project
holding a copy of ``examples/`` and a pyproject.toml that maps the examples' environments and
hardware tiers; each task is a real job subprocess. ``test_examples_local.py`` covers the other
ways in (``python flow.py``, ``pyflyte run``), lineage, artifacts and credentials.
"""

from __future__ import annotations

import ast
import statistics
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from example_projects import EXAMPLES, examples_project, run

from domino_flows.lint import lint_paths

# The examples this file runs; a new example must be added here (and to a test below).
RUN_HERE = {
    "hello.py",
    "regression.py",
    "standard_scale.py",
    "stage_scripts.py",
    "helper_style.py",
    "ml_pipeline.py",
    "caching_retries.py",
    "conditional_branch.py",
    "fan_out.py",
    # run in tests/test_parity_examples.py, with data folders configured
    "official_artifacts.py",
    "official_volumes.py",
    "official_export.py",
}

PYPROJECT = f"""
[project]
name = "examples"
version = "0"

[tool.domino_flows.environments."Python 3.11"]
python = "{sys.executable}"

[tool.domino_flows.environments."GPU Python 3.11"]
python = "{sys.executable}"

[tool.domino_flows.hardware_tiers.Small]
cores = 1
memory_gib = 2

[tool.domino_flows.hardware_tiers.Medium]
cores = 1
memory_gib = 2

[tool.domino_flows.hardware_tiers.Large]
cores = 2
memory_gib = 4
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with examples_project(tmp_path_factory.mktemp("examples-project"), PYPROJECT) as root:
        yield root


def tasks(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The run's task executions by node id."""
    return {t["node"]: t for t in document["tasks"]}


def short(task: dict[str, Any]) -> str:
    return task["task"].rsplit(".", 1)[-1]


def test_every_example_is_run_here() -> None:
    assert {p.name for p in EXAMPLES.glob("*.py")} == RUN_HERE


@pytest.mark.parametrize("name", sorted(RUN_HERE))
def test_example_header_says_what_it_shows_and_how_to_run_it(name: str) -> None:
    docstring = ast.get_docstring(ast.parse((EXAMPLES / name).read_text()))
    assert docstring, f"{name} has no header docstring"
    assert f"examples/{name}" in docstring


def test_examples_are_lint_clean() -> None:
    assert lint_paths([str(EXAMPLES)]) == []


@pytest.mark.slow
def test_hello_regression_stage_scripts_and_helper_style(project: Path) -> None:
    assert run("hello.py", "hello", "--input", "name=Ada")["outputs"] == {"o0": "HELLO, ADA!"}

    document = run("regression.py", "regression")
    assert document["outputs"] == {"o0": -1.5, "o1": 3.0}
    x, y = [1, 2, 4, 7], [3, 5, 8, 15]
    document = run("regression.py", "regression", "--input", f"x={x}", "--input", f"y={y}")
    expected = statistics.linear_regression(x, y)
    assert document["outputs"]["o0"] == pytest.approx(expected.slope, rel=1e-12)
    assert document["outputs"]["o1"] == pytest.approx(expected.intercept, rel=1e-12)
    assert [short(t) for t in document["tasks"]] == ["slope", "intercept"]

    document = run("stage_scripts.py", "word_count_flow", "--input", "text=a rose is a rose")
    assert document["outputs"] == {"o0": 3}
    assert {short(t): t["hardware_tier"] for t in document["tasks"]} == {
        "tokenize": "Small",
        "count_words": "Medium",
    }

    document = run("helper_style.py", "helper_flow")
    assert document["outputs"] == {"o0": 8}  # "the" twice among nine words
    assert [t["task"] for t in document["tasks"]] == ["tokenize text", "count words"]


@pytest.mark.slow
def test_ml_pipeline(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    document = run("ml_pipeline.py", "training_pipeline", "--input", "rows=60")
    from domino_flows.authoring.loading import load_module

    # The same functions called directly, outside any workflow, are plain Python functions.
    module = load_module(project / "examples" / "ml_pipeline.py")
    monkeypatch.chdir(tmp_path)
    data = module.prepare_data(rows=60, seed=7)
    model = module.train(data=data, learning_rate=0.01)
    expected = module.evaluate(data=data, model=model).mean_absolute_error
    assert document["outputs"]["o0"] == pytest.approx(expected, rel=1e-9)
    assert 0.2 < expected < 0.6  # noise of standard deviation 0.5 around the line
    assert {short(t): (t["environment"], t["hardware_tier"]) for t in document["tasks"]} == {
        "prepare_data": ("Python 3.11", "Small"),
        "train": ("GPU Python 3.11", "Large"),
        "evaluate": ("Python 3.11", "Medium"),
    }
    artifacts = [a for t in document["tasks"] for a in t["artifacts"]]
    assert len(artifacts) == 2


@pytest.mark.slow
def test_standard_scale_launch_plan_and_subworkflow(project: Path) -> None:
    document = run("standard_scale.py", "standard_scale_lp")
    scaled = [float(v) for v in Path(document["outputs"]["o0"]).read_text().split()]
    sigma = (2 / 3) ** 0.5  # population standard deviation of 3, 4, 5
    assert scaled == pytest.approx([-1 / sigma, 0.0, 1 / sigma], rel=1e-12)
    nodes = tasks(document)
    # The subworkflow's tasks are nested under its node.
    assert {node: short(t) for node, t in nodes.items()} == {
        "n0/n0": "mean",
        "n0/n1": "standard_deviation",
        "n1": "standard_scale",
    }


@pytest.mark.slow
def test_caching_and_retries(project: Path) -> None:
    # the example marks a token's first failure in the shared temp folder: a token of this run
    # alone, so suites running side by side never see each other's marks
    token = f"docs-test-{uuid.uuid4().hex[:12]}"
    first = run("caching_retries.py", "cached_sum", "--input", f"flaky_token={token}")
    marker = Path(tempfile.gettempdir()) / f"domino-flows-flaky-{token}"
    try:
        assert first["outputs"] == {"o0": 5050}
        by_task = {short(t): t for t in first["tasks"]}
        assert by_task["make_numbers"]["cached"] is False
        assert by_task["total"]["attempts"] == 2  # the first attempt failed, the retry worked
        assert "ConnectionError: transient failure" in by_task["total"]["error"]

        second = run("caching_retries.py", "cached_sum")
        assert second["outputs"] == {"o0": 5050}
        by_task = {short(t): t for t in second["tasks"]}
        assert by_task["make_numbers"]["cached"] is True  # same count, same cache version
        assert by_task["total"]["attempts"] == 1

    finally:
        marker.unlink(missing_ok=True)


@pytest.mark.slow
def test_conditional_branch_runs_only_the_chosen_job(project: Path) -> None:
    approved = run("conditional_branch.py", "quality_gate")
    assert approved["outputs"] == {"o0": "approved: score 0.863"}
    assert [short(t) for t in approved["tasks"]] == ["score", "approve"]

    rejected = run("conditional_branch.py", "quality_gate", "--input", "threshold=0.9")
    assert rejected["outputs"] == {"o0": "rejected: score 0.863 is below 0.900"}
    assert [short(t) for t in rejected["tasks"]] == ["score", "reject"]
    assert tasks(rejected)["n1"]["hardware_tier"] == "Medium"


@pytest.mark.slow
def test_fan_out_tolerates_a_failed_item(project: Path) -> None:
    document = run("fan_out.py", "sensor_average")
    assert document["outputs"]["o0"] == pytest.approx((1.5 + 2.5 + 4.0) / 3)
    nodes = tasks(document)
    items = {node: t["state"] for node, t in nodes.items() if "[" in node}
    assert items == {
        "n0[0]": "succeeded",
        "n0[1]": "succeeded",
        "n0[2]": "failed",
        "n0[3]": "succeeded",
    }
    assert "ValueError" in nodes["n0[2]"]["error"]
    assert "Domino Flows does not run fan-outs today" in nodes["n0"]["note"]
