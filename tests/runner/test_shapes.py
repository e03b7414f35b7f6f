"""Subworkflows, conditionals, partials, ordering, launch plans, native tasks and fan-out."""

import pytest
from runner_helpers import cli, run_json


@pytest.mark.slow
def test_conditional_subworkflow_partial_native_and_ordering(project):
    result, document = run_json("shapes.py", "shapes", "--input", "x=3")
    assert result.exit_code == 0, result.output
    # double(3)=6 > 5 and flag -> negate(6) = -6; +1 natively; +100 through the partial
    assert document["outputs"] == {"o0": 95}
    by_node = {t["node"]: t for t in document["tasks"]}
    assert by_node["n1"]["task"] == "shapes.negate"
    assert "conditional 'pick' took this branch" in by_node["n1"]["note"]
    assert by_node["n2"]["kind"] == "native"
    assert "Domino Flows will not run it" in by_node["n2"]["note"]
    other, document = run_json("shapes.py", "shapes", "--input", "x=1", "--input", "flag=false")
    assert other.exit_code == 0, other.output
    # double(1)=2 -> else branch: the subworkflow doubles again -> 4; +1; +100
    assert document["outputs"] == {"o0": 105}
    assert any(t["node"] == "n1/n0" for t in document["tasks"])


@pytest.mark.slow
def test_native_task_warning_in_the_summary(project):
    result = cli("run", "shapes.py", "shapes")
    assert result.exit_code == 0, result.output
    assert "plain flytekit @task functions ran in this process" in result.output


@pytest.mark.slow
def test_launch_plan_defaults_apply_and_fixed_inputs_are_kept(project):
    result, document = run_json("shapes.py", "fixed_unit")
    assert result.exit_code == 0, result.output
    assert document["outputs"] == {"o0": "7 km after 0:05:00"}
    refused = cli("run", "shapes.py", "fixed_unit", "--input", "unit=mi")
    assert refused.exit_code == 2
    assert "input 'unit' is fixed by launch plan 'fixed_unit' and cannot be overridden" in (
        refused.output
    )


@pytest.mark.slow
def test_fan_out_runs_each_item_as_a_job(project):
    result, document = run_json("shapes.py", "squares", "--input", "xs=[1,2,3,4]")
    assert result.exit_code == 0, result.output
    assert document["outputs"] == {"o0": [2, 5, 10, 17]}
    items = [t for t in document["tasks"] if "[" in t["node"]]
    assert len(items) == 4
    assert len({t["job_id"] for t in items}) == 4
    summary = cli("run", "shapes.py", "squares", "--input", "xs=[5]")
    assert "Domino Flows does not run today" in summary.output


@pytest.mark.slow
def test_fan_out_min_success_ratio(project):
    result, document = run_json("shapes.py", "tolerant")
    assert result.exit_code == 0, result.output
    assert document["outputs"] == {"o0": [1, None, 4, 9]}
    failed, _ = run_json("shapes.py", "tolerant", "--input", "xs=[-1,-2,3]")
    assert failed.exit_code == 1
    assert "2 of 3 items failed, below min_success_ratio 0.5" in failed.output


def test_constructs_that_cannot_run_fail_before_anything_starts(project):
    (project / "dyn.py").write_text(
        "from flytekit import dynamic, workflow\n"
        "@dynamic\n"
        "def fan(n: int) -> int:\n"
        "    return n\n"
        "@workflow\n"
        "def wf(n: int = 1) -> int:\n"
        "    return fan(n=n)\n"
    )
    result = cli("run", "dyn.py", "wf")
    assert result.exit_code == 2
    assert "is a @dynamic task; Domino Flows does not run dynamic or eager workflows" in (
        result.output
    )
    assert not (project / ".domino-flows" / "jobs").exists()


def test_a_workflow_that_does_not_compile_is_one_line(project):
    (project / "broken.py").write_text(
        "from flytekit import task, workflow\n\n\n"
        "@task\ndef make(n: int):\n    return n\n\n\n"
        "@workflow\ndef broken(n: int = 1) -> int:\n    return make(n=n)\n"
    )
    result = cli("run", "broken.py", "broken")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: workflow 'broken.broken' does not compile: Failed to bind output o0 for function "
        "broken.broken: Cannot pass output from task broken.make that produces no outputs to a "
        "downstream task"
    ]
