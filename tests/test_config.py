"""Job config validation and its camelCase serialized form (reference section 3)."""

import pytest

from domino_flows.authoring.config import (
    ClusterProperties,
    DatasetSnapshot,
    DominoJobConfig,
    EnvironmentRevisionSpecification,
    EnvironmentRevisionType,
    GitRef,
)
from domino_flows.core.errors import TaskDefinitionError


def test_full_config_serializes_to_domino_camel_case():
    config = DominoJobConfig(
        Command="python train.py",
        Title="Train",
        CommitId="abc123",
        MainRepoGitRef=GitRef("branches", "main"),
        HardwareTierId="tier-large",
        EnvironmentId="env-1",
        EnvironmentRevisionSpec=EnvironmentRevisionSpecification(
            EnvironmentRevisionType.SomeRevision, "rev-9"
        ),
        ComputeClusterProperties=ClusterProperties(
            ClusterType="Spark",
            ComputeEnvironmentId="spark-env",
            WorkerHardwareTierId="tier-small",
            WorkerCount=2,
            MasterHardwareTierId="tier-small",
        ),
        VolumeSizeGiB=20,
        DatasetSnapshots=[DatasetSnapshot(Name="sales", Version=3)],
        ExternalVolumeMountIds=["vol-1"],
    )
    config.validate("train")
    assert config.to_custom() == {
        "command": "python train.py",
        "title": "Train",
        "commitId": "abc123",
        "mainRepoGitRef": {"type": "branches", "value": "main"},
        "hardwareTierId": {"value": "tier-large"},
        "environmentId": "env-1",
        "environmentRevisionSpec": {
            "_type": "domino.environments.api.SomeRevision",
            "revisionId": "rev-9",
        },
        "computeClusterProperties": {
            "clusterType": "Spark",
            "computeEnvironmentId": "spark-env",
            "workerHardwareTierId": {"value": "tier-small"},
            "workerCount": 2,
            "masterHardwareTierId": {"value": "tier-small"},
        },
        "volumeSizeGiB": 20,
        "datasetSnapshots": [{"datasetName": "sales", "snapshotVersion": 3}],
        "externalVolumeMountIds": ["vol-1"],
    }


def test_only_set_fields_appear():
    assert DominoJobConfig(Command="echo hi").to_custom() == {"command": "echo hi"}


@pytest.mark.parametrize(
    "revision_type", ["ActiveRevision", "LatestRevision", "RestrictedRevision"]
)
def test_revision_types_other_than_some_serialize_as_bare_strings(revision_type):
    spec = EnvironmentRevisionSpecification(EnvironmentRevisionType(revision_type))
    spec.validate()
    assert spec.to_json() == revision_type


def test_from_custom_round_trips_through_protobuf_floats():
    config = DominoJobConfig(
        Command="x",
        HardwareTierName="Small",
        EnvironmentName="Py",
        VolumeSizeGiB=10,
        DatasetSnapshots=[DatasetSnapshot(Id="d1", Version=2)],
        EnvironmentRevisionSpec=EnvironmentRevisionSpecification(
            EnvironmentRevisionType.ActiveRevision
        ),
    )
    custom = config.to_custom()
    # protobuf Struct turns every int into a float
    custom["volumeSizeGiB"] = 10.0
    custom["datasetSnapshots"][0]["snapshotVersion"] = 2.0
    assert DominoJobConfig.from_custom(custom) == config


def test_cache_fields_leave_out_title_volume_tier_and_cluster():
    config = DominoJobConfig(
        Command="x", Title="t", VolumeSizeGiB=5, HardwareTierName="Small", CommitId="c"
    )
    assert config.cache_fields() == {"command": "x", "commitId": "c"}


def test_cache_fields_keep_cluster_type_environment_and_extra_configs():
    def cluster(**changes):
        values = dict(
            ClusterType="Spark",
            ComputeEnvironmentId="cluster-env",
            WorkerHardwareTierId="small",
            WorkerCount=2,
            MasterHardwareTierId="small",
            ExtraConfigs={"spark.executor.cores": "2"},
        )
        values.update(changes)
        return DominoJobConfig(Command="x", ComputeClusterProperties=ClusterProperties(**values))

    base = cluster().cache_fields()
    assert base["computeClusterProperties"] == {
        "clusterType": "Spark",
        "computeEnvironmentId": "cluster-env",
        "extraConfigs": {"spark.executor.cores": "2"},
    }
    # Domino's rule: tiers, worker count / storage and max workers leave the digest alone
    resized = cluster(
        WorkerHardwareTierId="large", WorkerCount=8, WorkerStorageGiB=50, MaxWorkerCount=10
    )
    assert resized.cache_fields() == base
    # type, environment and extra configs change what runs
    assert cluster(ClusterType="Ray").cache_fields() != base
    assert cluster(ComputeEnvironmentId="other").cache_fields() != base
    assert cluster(ExtraConfigs={"spark.executor.cores": "4"}).cache_fields() != base


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (DominoJobConfig(), "task 'prep': DominoJobConfig has no Command"),
        (DominoJobConfig(Command="   "), "has no Command"),
        (
            DominoJobConfig(Command="x", HardwareTierId="t1", HardwareTierName="Small"),
            "gives both HardwareTierId ('t1') and HardwareTierName ('Small'); keep one",
        ),
        (
            DominoJobConfig(Command="x", EnvironmentId="e1", EnvironmentName="Py"),
            "gives both EnvironmentId ('e1') and EnvironmentName ('Py'); keep one",
        ),
        (
            DominoJobConfig(
                Command="x",
                EnvironmentRevisionSpec=EnvironmentRevisionSpecification(
                    EnvironmentRevisionType.SomeRevision
                ),
            ),
            "SomeRevision but has no EnvironmentRevisionId",
        ),
        (
            DominoJobConfig(
                Command="x",
                EnvironmentRevisionSpec=EnvironmentRevisionSpecification("NewestRevision"),
            ),
            "revision type 'NewestRevision'; use one of ActiveRevision",
        ),
        (
            DominoJobConfig(Command="x", DatasetSnapshots=[DatasetSnapshot(Version=1)]),
            "a DatasetSnapshot needs the dataset's Id or Name",
        ),
        (
            DominoJobConfig(Command="x", DatasetSnapshots=[DatasetSnapshot(Name="d", Version=0)]),
            "DatasetSnapshot 'd' has Version 0; snapshot versions start at 1",
        ),
        (
            DominoJobConfig(Command="x", DatasetSnapshots=[DatasetSnapshot(Id="i", Version=-2)]),
            "DatasetSnapshot 'i' has Version -2",
        ),
        (
            DominoJobConfig(Command="x", MainRepoGitRef=GitRef("branch", "main")),
            "MainRepoGitRef has Type 'branch', which Domino does not know; write GitRef('branches'",
        ),
        (
            DominoJobConfig(Command="x", MainRepoGitRef=GitRef("tags")),
            "MainRepoGitRef of Type 'tags' needs a Value",
        ),
        (
            DominoJobConfig(Command="x", VolumeSizeGiB=0),
            "VolumeSizeGiB is 0; give a positive size",
        ),
        (
            DominoJobConfig(
                Command="x",
                ComputeClusterProperties=ClusterProperties("Ray", "env", "tier", 2),
            ),
            "a Ray cluster needs MasterHardwareTierId",
        ),
        (
            DominoJobConfig(
                Command="x",
                ComputeClusterProperties=ClusterProperties("Hadoop", "env", "tier", 2),
            ),
            "ClusterType 'Hadoop'; use one of Dask, Spark, Ray, MPI",
        ),
        (
            DominoJobConfig(
                Command="x",
                ComputeClusterProperties=ClusterProperties("MPI", "env", "tier", 0),
            ),
            "WorkerCount is 0; use at least 1",
        ),
    ],
)
def test_invalid_configs_name_the_task_and_the_fix(config, message):
    with pytest.raises(TaskDefinitionError) as raised:
        config.validate("prep")
    assert message in str(raised.value)
    assert "task 'prep'" in str(raised.value)


def test_mpi_cluster_needs_no_master():
    ClusterProperties("MPI", "env", "tier", 2).validate("t")


def test_config_has_no_credential_field():
    names = {f.lower() for f in DominoJobConfig.__dataclass_fields__}
    assert not any(word in name for name in names for word in ("key", "token", "secret"))
