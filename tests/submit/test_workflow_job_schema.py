"""What submit registers is what Domino Flows can start: every registered task's ``custom`` makes
a ``StartWorkflowJobRequest`` that Domino's published schema accepts, for every example flow and
every cluster type, with the fake Domino's credentials (so every name and default is resolved)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flyte_fake import FakeFlyteClient
from flyteidl.admin import task_pb2
from google.protobuf.json_format import MessageToDict
from submit_helpers import pushed_repo
from test_plan import EXAMPLES, REAL_DEFECTS, _main_workflow

from domino_flows.submit.command import submit_command
from domino_flows.testing.fake_domino import DEFAULT_ENVIRONMENTS, FakeDomino
from domino_flows.testing.fake_domino_api import ACTIVE_REVISION_ID
from domino_flows.testing.workflow_job import workflow_job_problems, workflow_job_request

pytest_plugins = ["domino_flows.testing.fixtures"]

PYTHON_311 = DEFAULT_ENVIRONMENTS["Python 3.11"]
SOME_REVISION = "domino.environments.api.SomeRevision"


def _registered_customs(folder: Path) -> dict[str, dict[str, Any]]:
    out = {}
    for path in sorted(folder.glob("*_1.pb")):
        spec = task_pb2.TaskSpec.FromString(path.read_bytes())
        if spec.template.type == "domino_job":
            out[spec.template.id.name] = MessageToDict(spec.template.custom)
    return out


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_dry_runs_clean_with_domino_credentials(
    example: Path, domino_env: FakeDomino, tmp_path: Path
) -> None:
    domino_env.add_dataset("sales")
    domino_env.add_data_mount("reference")
    out = tmp_path / "out"
    args = [str(example), _main_workflow(example), "--dry-run", "--allow-dirty"]
    result = CliRunner().invoke(submit_command, [*args, "--output-dir", str(out)])
    lines = result.output.splitlines()
    errors = [line for line in lines if line.startswith("error:")]
    assert not [line for line in lines if line.startswith("resolved at submit")], result.output
    if example.name in REAL_DEFECTS:
        assert result.exit_code == 1, result.output
        assert len(errors) == 1 and REAL_DEFECTS[example.name] in errors[0], result.output
        return
    assert result.exit_code == 0, result.output
    assert errors == [], result.output
    customs = _registered_customs(out)
    assert customs
    for task, custom in customs.items():
        assert workflow_job_problems(custom, domino_env.project_id) == [], task


CLUSTERS = """
from flytekit import workflow

from domino_flows import (
    ClusterProperties,
    DominoJobConfig,
    DominoJobTask,
    EnvironmentRevisionSpecification,
    EnvironmentRevisionType,
)

ENV = "65a1f0c2e4b0a1b2c3d4e5f1"


def job(name, cluster):
    return DominoJobTask(
        name=name,
        domino_job_config=DominoJobConfig(
            Command=f"python {name}.py",
            EnvironmentName="Python 3.11",
            HardwareTierName="Small",
            ComputeClusterProperties=cluster,
        ),
        inputs={"n": int},
        outputs={"n": int},
    )


spark = job("spark", ClusterProperties("Spark", ENV, "medium-k8s", 2, WorkerStorageGiB=20,
                                       MasterHardwareTierId="small-k8s"))
ray = job("ray", ClusterProperties(
    "Ray", ENV, "medium-k8s", 1, WorkerStorageGiB=5.5, MaxWorkerCount=4,
    MasterHardwareTierId="small-k8s",
    ComputeEnvironmentRevisionSpec=EnvironmentRevisionSpecification(
        EnvironmentRevisionType.ActiveRevision),
))
dask = job("dask", ClusterProperties(
    "Dask", ENV, "large-k8s", 3, MasterHardwareTierId="small-k8s",
    ComputeEnvironmentRevisionSpec=EnvironmentRevisionSpecification(
        EnvironmentRevisionType.SomeRevision, "0123456789abcdef01234567"),
    ExtraConfigs={"dask.scheduler": "tcp"},
))
mpi = job("mpi", ClusterProperties("MPI", ENV, "large-k8s", 2, WorkerStorageGiB=8))


@workflow
def flow(n: int = 1) -> int:
    return mpi(n=dask(n=ray(n=spark(n=n))))
"""


def test_cluster_tasks_register_a_custom_domino_flows_can_start(
    domino_env: FakeDomino, tmp_path: Path, flyte: FakeFlyteClient
) -> None:
    flow = pushed_repo(tmp_path, CLUSTERS)
    result = CliRunner().invoke(submit_command, [str(flow), "flow"])
    assert result.exit_code == 0, result.output
    customs = {task_id.name: dict(spec.template.custom) for task_id, spec in flyte.tasks}
    assert set(customs) == {"spark", "ray", "dask", "mpi"}
    for task, custom in customs.items():
        assert workflow_job_problems(custom, domino_env.project_id) == [], task
        cluster = custom["computeClusterProperties"]
        # a specific revision, in the one shape a task's custom carries
        assert cluster["computeEnvironmentRevisionSpec"]["_type"] == SOME_REVISION, task
        assert custom["environmentRevisionSpec"] == {
            "_type": SOME_REVISION,
            "revisionId": ACTIVE_REVISION_ID,
        }
    revisions = {
        task: custom["computeClusterProperties"]["computeEnvironmentRevisionSpec"]["revisionId"]
        for task, custom in customs.items()
    }
    assert revisions == {
        "spark": ACTIVE_REVISION_ID,  # none given: the project's active revision
        "ray": ACTIVE_REVISION_ID,  # ActiveRevision: the revision it means at submit
        "dask": "0123456789abcdef01234567",  # pinned: kept
        "mpi": ACTIVE_REVISION_ID,
    }
    request = workflow_job_request(customs["spark"], domino_env.project_id)
    assert request["computeClusterProperties"]["workerStorage"] == {"value": 20, "unit": "GiB"}
    assert customs["mpi"]["computeClusterProperties"]["workerStorage"] == {
        "value": 8.0,
        "unit": "GiB",
    }


def test_a_custom_domino_would_refuse_is_reported_field_by_field() -> None:
    custom = {
        "command": "x",
        "computeClusterProperties": {
            "clusterType": "Ray",
            "computeEnvironmentId": PYTHON_311,
            "workerCount": 2.0,
            "workerHardwareTierId": {"value": "t"},
            "workerStorage": {"value": 5.0},
        },
    }
    problems = workflow_job_problems(custom, "0" * 24)
    prefix = "domino.jobs.web.StartWorkflowJobRequest"
    assert f"{prefix}['computeClusterProperties']['workerStorage']: 'unit' is a required " in (
        "\n".join(problems)
    )
    assert (
        f"{prefix}['computeClusterProperties']: 'computeEnvironmentRevisionSpec' is a required "
        "property"
    ) in problems
    assert f"{prefix}: 'commitId' is a required property" in problems
    assert not any("workerCount" in p for p in problems)  # 2.0 travels as the JSON number 2


def test_a_cluster_revision_domino_does_not_resolve_is_refused_naming_task_and_field(
    domino_env: FakeDomino, tmp_path: Path, flyte: FakeFlyteClient
) -> None:
    # a deployment without resolveJobDefaults: nothing fills what the tasks leave out
    domino_env.fail_next("resolve_defaults", times=10, status=404)
    flow = pushed_repo(tmp_path, CLUSTERS)
    result = CliRunner().invoke(submit_command, [str(flow), "flow"])
    assert result.exit_code == 1
    assert (
        "error: [job config] tasks 'spark', 'ray', 'mpi': Domino Flows needs commitId, "
        "environmentRevisionSpec, datasetSnapshots, externalVolumeMountIds, volumeSizeGiB, "
        "computeClusterProperties.computeEnvironmentRevisionSpec to start its job"
    ) in result.output
    assert "ClusterProperties(ComputeEnvironmentRevisionSpec=" in result.output
    assert flyte.calls == []
