"""Every field Domino Flows' start request requires, resolved per task against the fake Domino,
or refused naming the task and the field; custom paths kept; dry runs that always plan."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from click.testing import CliRunner
from flyte_fake import FakeFlyteClient
from submit_helpers import pushed_repo, write_flow

from domino_flows.file import paths_in_interface
from domino_flows.submit.command import submit_command
from domino_flows.submit.defaults import REQUIRED_FIELDS, complete
from domino_flows.testing.fake_domino import DEFAULT_ENVIRONMENTS, FakeDomino
from domino_flows.testing.fake_domino_api import ACTIVE_REVISION_ID

pytest_plugins = ["domino_flows.testing.fixtures"]

PYTHON_311 = DEFAULT_ENVIRONMENTS["Python 3.11"]

THREE_TASKS = """
from flytekit import workflow
from flytekit.types.file import FlyteFile

from domino_flows import (
    DatasetSnapshot,
    EnvironmentRevisionSpecification,
    EnvironmentRevisionType,
    GitRef,
    Input,
    Output,
    run_domino_job_task,
)


@workflow
def flow(n: int = 1) -> int:
    first = run_domino_job_task(
        flyte_task_name="first",
        command="python first.py",
        inputs=[Input(name="n", type=int, value=n, path="/mnt/data/in/n")],
        output_specs=[Output(name="data", type=FlyteFile, path="/mnt/data/out/data.csv")],
        environment_name="Python 3.11",
        hardware_tier_name="Small",
    )
    second = run_domino_job_task(
        flyte_task_name="second",
        command="python second.py",
        inputs=[Input(name="data", type=FlyteFile, value=first["data"])],
        output_specs=[Output(name="m", type=int)],
        environment_name="Python 3.11",
        hardware_tier_name="Large",
    )
    pinned = run_domino_job_task(
        flyte_task_name="pinned",
        command="python pinned.py",
        inputs=[Input(name="m", type=int, value=second["m"])],
        output_specs=[Output(name="k", type=int)],
        environment_id="65a1f0c2e4b0a1b2c3d4e5f1",  # the fake's "Python 3.11"
        environment_revision_id="0123456789abcdef01234567",
        hardware_tier_id="large-k8s",
        dfs_repo_commit_id="c0ffee",
        main_git_repo_ref=GitRef("custom", "refs/heads/main"),
        volume_size_gib=20,
        dataset_snapshots=[DatasetSnapshot(Id="0123456789abcdef0123abcd", Version=3)],
        external_volume_mounts=["0123456789abcdef0123ffff"],
    )
    return pinned["k"]
"""


def submit(*args: str) -> object:
    return CliRunner().invoke(submit_command, list(args))


def _customs(flyte: FakeFlyteClient) -> dict[str, dict]:
    return {task_id.name: dict(spec.template.custom) for task_id, spec in flyte.tasks}


def test_every_required_field_is_resolved_per_task(
    domino_env: FakeDomino, tmp_path: Path, flyte: FakeFlyteClient
) -> None:
    flow = pushed_repo(tmp_path, THREE_TASKS)
    result = submit(str(flow), "flow")
    assert result.exit_code == 0, result.output
    customs = _customs(flyte)
    assert set(customs) == {"first", "second", "pinned"}
    for name, custom in customs.items():
        assert set(REQUIRED_FIELDS) <= set(custom), name
        assert custom["environmentRevisionSpec"]["revisionId"], name
    first, second, pinned = customs["first"], customs["second"], customs["pinned"]
    # omitted fields come from the project's job defaults
    assert first["commitId"] == domino_env.head
    assert first["environmentId"] == PYTHON_311
    assert first["hardwareTierId"] == {"value": "small-k8s"}
    assert first["environmentRevisionSpec"]["revisionId"] == ACTIVE_REVISION_ID
    assert (first["volumeSizeGiB"], first["datasetSnapshots"]) == (10.0, [])
    assert first["externalVolumeMountIds"] == []
    # pinned fields stay as the task wrote them
    assert pinned["commitId"] == "c0ffee"
    assert pinned["hardwareTierId"] == {"value": "large-k8s"}
    assert pinned["environmentRevisionSpec"]["revisionId"] == "0123456789abcdef01234567"
    assert pinned["volumeSizeGiB"] == 20.0
    assert pinned["datasetSnapshots"] == [
        {"datasetId": "0123456789abcdef0123abcd", "snapshotVersion": 3.0}
    ]
    assert pinned["externalVolumeMountIds"] == ["0123456789abcdef0123ffff"]
    assert pinned["mainRepoGitRef"] == {"type": "custom", "value": "refs/heads/main"}
    # Input/Output path= are registered in the typed interface, not as keys of the kit's own
    interface = {task_id.name: spec.template.interface for task_id, spec in flyte.tasks}["first"]
    assert paths_in_interface(interface.inputs) == {"n": "/mnt/data/in/n"}
    assert paths_in_interface(interface.outputs) == {"data": "/mnt/data/out/data.csv"}
    assert "inputPaths" not in first and "outputPaths" not in first
    assert "environmentName" not in first and "useProjectDefaultsForOmitted" not in first
    # one resolveJobDefaults request per distinct request body; none for the pinned task
    asked = [json.loads(r["body"]) for r in domino_env.requests if r["route"] == "resolve_defaults"]
    assert [a["hardwareTierId"] for a in asked] == [{"value": "small-k8s"}, {"value": "large-k8s"}]
    assert second["hardwareTierId"] == {"value": "large-k8s"}
    assert second["commitId"] == first["commitId"]


def test_the_plan_says_which_fields_are_project_defaults(
    domino_env: FakeDomino, tmp_path: Path
) -> None:
    flow = pushed_repo(tmp_path, THREE_TASKS)
    result = submit(str(flow), "flow", "--dry-run", "--output-dir", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert f"revision       {ACTIVE_REVISION_ID}  (project default)" in result.output
    assert "volume size    10 GiB  (project default)" in result.output
    assert "commit         c0ffee\n" in result.output
    assert "input paths    n -> /mnt/data/in/n" in result.output
    assert "Dry run: preflight passed" in result.output


NAMED = """
from flytekit import workflow

from domino_flows import (
    DatasetSnapshot, ExternalDataVolume, NetAppVolumeSnapshot, Output, run_domino_job_task,
)


@workflow
def flow(snapshot: NetAppVolumeSnapshot) -> int:
    counted = run_domino_job_task(
        flyte_task_name="count",
        command="python count.py",
        output_specs=[Output(name="n", type=int)],
        environment_name="Python 3.11",
        hardware_tier_name="Small",
        dataset_snapshots=[DatasetSnapshot(Name="sales", Version=2)],
        external_data_volumes=[ExternalDataVolume(Name="shared")],
        netapp_volume_snapshots=[snapshot],
    )
    return counted["n"]
"""


def test_data_sources_by_name_are_resolved_and_launch_time_netapp_refused(
    domino_env: FakeDomino, tmp_path: Path, flyte: FakeFlyteClient
) -> None:
    sales = domino_env.add_dataset("sales")
    shared = domino_env.add_data_mount("shared")
    flow = pushed_repo(tmp_path, NAMED)
    result = submit(str(flow), "flow", "-i", 'snapshot={"volumeId": "v", "snapshotVersion": 1}')
    assert result.exit_code == 1
    # names are not refused any more: only the snapshot chosen at launch is
    assert "given by name" not in result.output
    assert "task 'count': netAppVolumeSnapshots: the NetApp snapshot chosen at launch" in (
        result.output
    )
    assert flyte.calls == []
    # the same flow without the launch-time snapshot registers the ids
    flow.write_text(NAMED.replace("        netapp_volume_snapshots=[snapshot],\n", ""))
    for args in (["commit", "-qam", "no netapp"], ["push", "-q"]):
        subprocess.run(["git", "-C", str(flow.parent), *args], check=True, capture_output=True)
    result = submit(str(flow), "flow", "-i", 'snapshot={"volumeId": "v", "snapshotVersion": 1}')
    assert result.exit_code == 0, result.output
    custom = _customs(flyte)["count"]
    assert custom["datasetSnapshots"] == [
        {"datasetId": sales, "datasetName": "sales", "snapshotVersion": 2.0}
    ]
    assert custom["externalVolumeMountIds"] == [shared]
    assert "externalDataVolumeNames" not in custom
    mounts = [r for r in domino_env.requests if r["route"] == "data_mounts"]
    assert len(mounts) == 2  # listed once per submit


def test_an_unknown_volume_name_is_refused_listing_the_project_volumes(
    domino_env: FakeDomino, tmp_path: Path, flyte: FakeFlyteClient
) -> None:
    domino_env.add_dataset("sales")
    domino_env.add_data_mount("other")
    flow = pushed_repo(tmp_path, NAMED.replace("        netapp_volume_snapshots=[snapshot],\n", ""))
    result = submit(str(flow), "flow", "-i", 'snapshot={"volumeId": "v", "snapshotVersion": 1}')
    assert result.exit_code == 1
    assert (
        "task 'count': Domino project alice/flows has no external data volume named 'shared'. "
        "Available: 'other'. Fix ExternalDataVolume Name."
    ) in result.output
    assert flyte.calls == []


def test_without_credentials_a_launch_names_what_domino_would_resolve(
    tmp_path: Path, flyte: FakeFlyteClient
) -> None:
    flow = pushed_repo(tmp_path, THREE_TASKS)
    result = submit(str(flow), "flow", "--project", "p1")
    assert result.exit_code == 1
    assert (
        "error: [job config] task 'first': needs Domino to resolve names to ids: environment "
        "'Python 3.11', hardware tier 'Small'; the project's job defaults for commitId, "
        "environmentRevisionSpec, volumeSizeGiB"
    ) in result.output
    assert "Domino Flows needs ids, so these tasks cannot be registered" in result.output
    # the pinned task lacks nothing
    assert "task 'pinned'" not in result.output
    assert flyte.calls == []


def test_dry_run_without_credentials_passes_and_groups_what_domino_resolves(
    tmp_path: Path, flyte: FakeFlyteClient, monkeypatch: object
) -> None:
    flow = pushed_repo(
        tmp_path, THREE_TASKS.replace('hardware_tier_name="Large"', 'hardware_tier_name="Small"')
    )
    out = tmp_path / "out"
    result = submit(str(flow), "flow", "--dry-run", "--project", "p1", "--output-dir", str(out))
    assert result.exit_code == 0, result.output
    assert "error:" not in result.output
    lines = [line for line in result.output.splitlines() if "needs Domino to resolve" in line]
    assert lines == [
        "resolved at submit: [job config] tasks 'first', 'second': needs Domino to resolve "
        "names to ids: environment 'Python 3.11', hardware tier 'Small'; the project's job "
        "defaults for commitId, environmentRevisionSpec, volumeSizeGiB"
    ]
    # no pin advice, no dataset or volume fields for tasks that use none
    assert "Pin them" not in result.output
    assert "datasetSnapshots" not in lines[0] and "externalVolumeMountIds" not in lines[0]
    assert (out / "plan.txt").is_file()
    plan = (out / "plan.txt").read_text()
    assert (
        "    defaults       commitId, environmentRevisionSpec, volumeSizeGiB  (the project's, "
        "resolved by Domino at submit)"
    ) in plan


def test_dry_run_exits_1_for_a_real_defect_and_still_writes_the_plan(tmp_path: Path) -> None:
    flow = pushed_repo(tmp_path, NAMED)
    out = tmp_path / "out"
    result = submit(
        str(flow),
        "flow",
        "--dry-run",
        "--project",
        "p1",
        "--output-dir",
        str(out),
        "-i",
        'snapshot={"volumeId": "v", "snapshotVersion": 1}',
    )
    assert result.exit_code == 1, result.output
    assert "task 'count': netAppVolumeSnapshots: the NetApp snapshot chosen at launch" in (
        result.output
    )
    assert (
        "names to ids: environment 'Python 3.11', hardware tier 'Small', dataset 'sales', "
        "external data volume 'shared'"
    ) in result.output
    assert (out / "plan.txt").is_file()


def test_dry_run_plans_without_a_git_remote(tmp_path: Path) -> None:
    project = tmp_path / "project"
    flow = write_flow(project, THREE_TASKS)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "flow"]):
        subprocess.run(["git", "-C", str(project), *args], check=True, capture_output=True)
    result = submit(str(flow), "flow", "--dry-run", "--output-dir", str(tmp_path / "out"))
    assert result.exit_code == 1, result.output
    assert "has no remote to push to" in result.output
    assert "Tasks" in result.output and (tmp_path / "out" / "plan.txt").is_file()
    assert "a real submit would refuse this flow" in result.output


def test_revision_kinds_become_the_specific_revision() -> None:
    asked: list[int] = []

    def ask() -> dict:
        asked.append(1)
        return {"environmentRevisionSpec": {"revisionId": "rev-7"}, "commitId": "c1"}

    custom = {"command": "x", "environmentRevisionSpec": "LatestRevision"}
    out, filled, missing = complete(custom, ask)
    assert out["environmentRevisionSpec"] == {
        "_type": "domino.environments.api.SomeRevision",
        "revisionId": "rev-7",
    }
    assert filled == ["commitId", "environmentRevisionSpec"]
    assert missing == [
        "environmentId",
        "hardwareTierId",
        "datasetSnapshots",
        "externalVolumeMountIds",
        "volumeSizeGiB",
    ]
    assert asked == [1]


def test_a_cluster_without_a_specific_revision_is_filled_or_refused_naming_the_field() -> None:
    cluster = {"clusterType": "Ray", "computeEnvironmentId": "e", "workerCount": 1.0}
    custom = {"command": "x", "computeClusterProperties": cluster}
    answer = {
        "computeClusterProperties": {
            **cluster,
            "computeEnvironmentRevisionSpec": {"revisionId": "r9"},
        }
    }
    out, filled, _missing = complete(custom, lambda: answer)
    assert out["computeClusterProperties"]["computeEnvironmentRevisionSpec"] == {
        "_type": "domino.environments.api.SomeRevision",
        "revisionId": "r9",
    }
    assert "computeClusterProperties.computeEnvironmentRevisionSpec" in filled
    _out, _filled, missing = complete(custom, lambda: {})
    assert "computeClusterProperties.computeEnvironmentRevisionSpec" in missing
