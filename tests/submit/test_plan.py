"""``submit --dry-run``: every example prints a plan and writes its serialized entities; the
version is a stable digest; launch plans with schedules are part of the plan."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from flyteidl.admin import launch_plan_pb2, task_pb2, workflow_pb2
from submit_helpers import GOOD_FLOW, write_flow

from domino_flows.authoring import serialize
from domino_flows.submit import plan as plans
from domino_flows.submit.command import submit_command

ROOT = Path(__file__).resolve().parents[2]
PROTOS = {"1": task_pb2.TaskSpec, "2": workflow_pb2.WorkflowSpec, "3": launch_plan_pb2.LaunchPlan}


def _main_workflow(path: Path) -> str:
    """The last ``@workflow`` function of a flow file (subworkflows come before their callers)."""
    tree = ast.parse(path.read_text())
    names = [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any(
            "workflow" in ast.unparse(d.func if isinstance(d, ast.Call) else d)
            for d in node.decorator_list
        )
    ]
    assert names, f"{path} has no @workflow"
    return names[-1]


EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


# What Domino Flows cannot run, by design of these examples: the exit status is 1 for them.
REAL_DEFECTS = {
    "fan_out.py": "is a fan_out: Domino Flows does not run fan-outs",
    "official_volumes.py": "the NetApp snapshot chosen at launch",
    "official_export.py": "it is domino-flows' export job (run_launch_export_artifacts_task)",
}


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_dry_run_on_example(example: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = [str(example), _main_workflow(example), "--dry-run", "--allow-dirty"]
    result = CliRunner().invoke(submit_command, [*args, "--output-dir", str(out)])
    assert "Workflow      examples." in result.output
    assert "Tasks" in result.output and "(unresolved name)" in result.output
    assert "Domino was not asked (no Domino credentials" in result.output
    # without credentials, what Domino resolves at submit is listed, not an error; the exit
    # status is 0 unless a launch would be refused for another reason
    pending = [line for line in result.output.splitlines() if line.startswith("resolved at")]
    assert pending, result.output
    assert all("Pin them" not in line for line in pending)
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    if example.name in REAL_DEFECTS:
        assert result.exit_code == 1, result.output
        assert len(errors) == 1 and REAL_DEFECTS[example.name] in errors[0], result.output
    else:
        assert result.exit_code == 0, result.output
        assert errors == [], result.output
    files = sorted(out.glob("*.pb"))
    kinds = [f.stem.rsplit("_", 1)[1] for f in files]
    assert kinds.count("2") >= 1 and kinds.count("3") >= 1 and kinds.count("1") >= 1
    for path in files:
        message = PROTOS[path.stem.rsplit("_", 1)[1]].FromString(path.read_bytes())
        twin = json.loads(path.with_suffix(".json").read_text())
        assert twin["kind"] in ("TaskSpec", "WorkflowSpec", "LaunchPlan")
        if isinstance(message, task_pb2.TaskSpec) and message.template.type == "domino_job":
            assert message.template.custom["command"]
    assert (out / "plan.txt").read_text().startswith("Workflow")
    assert len(json.loads((out / "entities.json").read_text())) == len(files)


def test_schedules_and_the_chosen_launch_plan_are_in_the_plan(tmp_path: Path) -> None:
    path = write_flow(tmp_path, GOOD_FLOW)
    out = tmp_path / "out"
    args = [str(path), "nightly", "--dry-run", "--output-dir", str(out), "--project", "p1"]
    result = CliRunner().invoke(submit_command, args)
    assert result.exit_code == 0, result.output
    assert "Executes      launch plan nightly" in result.output
    assert "  nightly  (schedule: cron 0 3 * * *; defaults: n=3)" in result.output
    assert "  n = 3  (default)" in result.output
    assert "retries        2" in result.output and "timeout        3h" in result.output
    assert "project p1, domain development" in result.output
    plan_files = [p for p in out.glob("*_3.pb")]
    names = {launch_plan_pb2.LaunchPlan.FromString(p.read_bytes()).id.name for p in plan_files}
    assert names == {"flow.flow", "nightly"}
    for p in plan_files:
        assert launch_plan_pb2.LaunchPlan.FromString(p.read_bytes()).id.project == "p1"


def test_given_inputs_are_shown_and_bad_inputs_refused(tmp_path: Path) -> None:
    path = write_flow(tmp_path, GOOD_FLOW)
    out = str(tmp_path / "out")
    ok = CliRunner().invoke(
        submit_command, [str(path), "flow", "--dry-run", "-i", "n=7", "--output-dir", out]
    )
    assert ok.exit_code == 0 and "  n = 7\n" in ok.output
    bad = CliRunner().invoke(
        submit_command, [str(path), "flow", "--dry-run", "-i", "n=x", "--output-dir", out]
    )
    assert bad.exit_code == 1  # what a launch would refuse, with the plan written all the same
    assert "error: [inputs] input 'n' expects int" in bad.output
    unknown = CliRunner().invoke(submit_command, [str(path), "flow", "--dry-run", "-i", "m=1"])
    assert "flow.flow has no input 'm'; its inputs are n." in unknown.output
    assert "a real submit would refuse this flow" in bad.output


def test_version_is_stable_and_follows_the_definition(tmp_path: Path) -> None:
    def version(source: str) -> str:
        target = plans.load_target(write_flow(tmp_path, source), "flow")
        settings = serialize.settings(version=plans.PLACEHOLDER_VERSION)
        return plans.version_of(plans.serialize_target(target, settings).entities)

    first = version(GOOD_FLOW)
    assert first == version(GOOD_FLOW)
    assert len(first) == plans.VERSION_LENGTH
    assert version(GOOD_FLOW.replace("step.py", "step2.py")) != first
    assert version(GOOD_FLOW.replace('"0 3 * * *"', '"0 4 * * *"')) != first


def test_a_task_is_not_a_workflow(tmp_path: Path) -> None:
    path = write_flow(tmp_path, GOOD_FLOW)
    result = CliRunner().invoke(submit_command, [str(path), "step", "--dry-run"])
    assert result.exit_code == 1
    assert "'step' in" in result.output and "is a task; submit launches workflows" in result.output
