"""Launch: what reaches Flyte, checked at FlyteRemote's client boundary (a fake client), with names
resolved against the fake Domino deployment."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flyte_fake import ENDPOINT, FakeFlyteClient
from flytekit.models.core.execution import WorkflowExecutionPhase
from flytekit.models.core.identifier import ResourceType

from domino_flows.submit import launch
from domino_flows.submit.command import submit_command
from domino_flows.submit.preflight import ADDITIONS
from domino_flows.testing.fake_domino import DEFAULT_ENVIRONMENTS, FakeDomino

PYTHON_311 = DEFAULT_ENVIRONMENTS["Python 3.11"]

pytest_plugins = ["domino_flows.testing.fixtures"]


def submit(*args: str) -> object:
    return CliRunner().invoke(submit_command, list(args))


def test_registers_resolved_domino_jobs_and_starts_the_execution(
    domino_env: FakeDomino, good_flow: Path, flyte: FakeFlyteClient
) -> None:
    result = submit(str(good_flow), "flow", "-i", "n=5", "--tag", "team=ml", "--name", "run-1")
    assert result.exit_code == 0, result.output
    project = domino_env.project_id  # the Domino project id, looked up through the API

    ((task_id, task_spec),) = flyte.tasks
    template = task_spec.template
    assert template.type == "domino_job"
    assert (task_id.project, task_id.domain, task_id.name) == (project, "development", "step")
    assert template.custom["environmentId"] == PYTHON_311
    assert template.custom["hardwareTierId"] == {"value": "small-k8s"}
    assert template.custom["command"] == "PYTHONPATH=/mnt/code python step.py"
    assert "inputInterfaceBase64" in template.custom
    assert not set(ADDITIONS) & set(template.custom)
    assert template.metadata.retries.retries == 2

    ((workflow_id, workflow_spec),) = flyte.workflows
    assert workflow_id.name == "flow.flow"
    (node,) = workflow_spec.template.nodes
    assert node.task_node.reference_id.name == "step"
    assert node.task_node.reference_id.version == task_id.version
    plans = {i.name: spec for i, spec in flyte.launch_plans}
    assert set(plans) == {"flow.flow", "nightly"}
    assert plans["nightly"].entity_metadata.schedule.cron_schedule.schedule == "0 3 * * *"
    version = task_id.version
    assert len(version) == 20
    assert {i.version for i, _ in [*flyte.tasks, *flyte.workflows, *flyte.launch_plans]} == {
        version
    }
    assert flyte.calls[-1] == "create_execution"
    assert flyte.calls.index("create_execution") > flyte.calls.index("create_launch_plan")

    (execution,) = flyte.executions
    launch_plan = execution["spec"].launch_plan
    assert launch_plan.resource_type == ResourceType.LAUNCH_PLAN
    assert (launch_plan.project, launch_plan.name, launch_plan.version) == (
        project,
        "flow.flow",
        version,
    )
    assert execution["name"] == "run-1"
    assert execution["spec"].tags == ["team=ml"]
    assert execution["inputs"].literals["n"].scalar.primitive.integer == 5
    url = f"https://{ENDPOINT}/console/projects/{project}/domains/development/executions/run-1"
    assert f"Execution run-1: {url}" in result.output


def test_no_credential_reaches_flyte(
    domino_env: FakeDomino, good_flow: Path, flyte: FakeFlyteClient
) -> None:
    key = domino_env.api_key  # DOMINO_USER_API_KEY during the test
    result = submit(str(good_flow), "flow")
    assert result.exit_code == 0, result.output
    received = flyte.registered_bytes()
    assert len(received) >= 10
    for data in received:
        assert key.encode() not in data
        assert b"X-Domino-Api-Key" not in data and b"Bearer" not in data
    assert key not in result.output


def test_submitting_the_same_definition_again_reuses_its_version(
    domino_env: FakeDomino, good_flow: Path, flyte: FakeFlyteClient
) -> None:
    assert submit(str(good_flow), "flow").exit_code == 0
    result = submit(str(good_flow), "flow")  # the fake refuses duplicates, as Flyte admin does
    assert result.exit_code == 0, result.output
    assert len(flyte.tasks) == 1 and len(flyte.executions) == 2


def test_a_named_launch_plan_is_executed(
    domino_env: FakeDomino, good_flow: Path, flyte: FakeFlyteClient
) -> None:
    result = submit(str(good_flow), "nightly", "--domain", "production")
    assert result.exit_code == 0, result.output
    (execution,) = flyte.executions
    assert execution["spec"].launch_plan.name == "nightly"
    assert execution["spec"].launch_plan.domain == "production"
    assert execution["inputs"].literals == {}  # the launch plan's default n=3 applies


def test_wait_follows_task_states_and_exits_zero_on_success(
    domino_env: FakeDomino, good_flow: Path, flyte: FakeFlyteClient
) -> None:
    result = submit(str(good_flow), "flow", "--wait")
    assert result.exit_code == 0, result.output
    assert "  step: running" in result.output
    assert "  step: succeeded" in result.output
    assert "start-node" not in result.output
    assert result.output.rstrip().endswith("SUCCEEDED")


def test_wait_exits_one_when_the_run_fails(
    domino_env: FakeDomino, good_flow: Path, flyte: FakeFlyteClient
) -> None:
    flyte._phases = [WorkflowExecutionPhase.RUNNING, WorkflowExecutionPhase.FAILED]
    flyte._error = "task step: job failed"
    result = submit(str(good_flow), "flow", "--wait")
    assert result.exit_code == 1
    assert "  step: failed" in result.output
    assert "FAILED: task step: job failed" in result.output


def test_an_unknown_name_is_refused_with_the_available_names(
    domino_env: FakeDomino, tmp_path: Path, flyte: FakeFlyteClient
) -> None:
    from submit_helpers import GOOD_FLOW, pushed_repo

    flow = pushed_repo(tmp_path, GOOD_FLOW.replace('"Python 3.11"', '"Python 2.7"'))
    result = submit(str(flow), "flow")
    assert result.exit_code == 1
    assert "task 'step': Domino project alice/flows has no environment named 'Python 2.7'" in (
        result.output
    )
    assert "Available: 'Domino Standard Environment', 'GPU Python 3.11', 'Python 3.11'" in (
        result.output
    )
    assert flyte.calls == []


def test_the_flyte_endpoint_must_be_configured(
    domino_env: FakeDomino, good_flow: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FLYTE_PLATFORM_URL", raising=False)
    result = submit(str(good_flow), "flow")
    assert result.exit_code == 2
    assert "No Flyte endpoint is configured" in result.output
    assert "FLYTE_PLATFORM_URL" in result.output and "--config" in result.output


def test_a_config_file_gives_the_endpoint(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("admin:\n  endpoint: dns:///flyte.internal:81\n  insecure: true\n")
    platform = launch.flyte_config(str(config)).platform
    assert platform.endpoint == "flyte.internal:81" and platform.insecure


def test_auto_activated_launch_plans_are_activated(
    domino_env: FakeDomino, tmp_path: Path, flyte: FakeFlyteClient
) -> None:
    from submit_helpers import GOOD_FLOW, pushed_repo

    source = GOOD_FLOW.replace(
        'default_inputs={"n": 3}', 'default_inputs={"n": 3}, auto_activate=True'
    )
    result = submit(str(pushed_repo(tmp_path, source)), "flow")
    assert result.exit_code == 0, result.output
    assert "nightly  (schedule: cron 0 3 * * *; defaults: n=3; activated on registration)" in (
        result.output
    )
    assert [i.name for i in flyte.activated] == ["nightly"]


FILE_FLOW = """
from flytekit import workflow
from flytekit.types.file import FlyteFile

from domino_flows import DominoJobConfig, DominoJobTask

count = DominoJobTask(
    name="count",
    domino_job_config=DominoJobConfig(
        Command="PYTHONPATH=/mnt/code python count.py",
        EnvironmentName="Python 3.11",
        HardwareTierName="Small",
    ),
    inputs={"data": FlyteFile},
    outputs={"rows": int},
)


@workflow
def flow(data: FlyteFile) -> int:
    return count(data=data)
"""


def test_a_file_input_given_by_uri_is_passed_as_is(
    domino_env: FakeDomino, tmp_path: Path, flyte: FakeFlyteClient
) -> None:
    from submit_helpers import pushed_repo

    flow = pushed_repo(tmp_path, FILE_FLOW)
    result = submit(str(flow), "flow", "-i", "data=s3://bucket/data.csv")
    assert result.exit_code == 0, result.output
    (execution,) = flyte.executions
    assert execution["inputs"].literals["data"].scalar.blob.uri == "s3://bucket/data.csv"


def test_flyte_refusing_a_registration_is_reported(
    domino_env: FakeDomino,
    good_flow: Path,
    flyte: FakeFlyteClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flytekit.exceptions.user import FlyteAuthenticationException

    def refuse(task_identifer: object, task_spec: object) -> None:
        raise FlyteAuthenticationException("permission denied")

    monkeypatch.setattr(flyte, "create_task", refuse)
    result = submit(str(good_flow), "flow")
    assert result.exit_code == 2
    assert "Flyte refused to register task 'step'" in result.output
    assert "permission denied" in result.output
    assert flyte.executions == []
