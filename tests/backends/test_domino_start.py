"""The domino backend's start body (``backends/domino_start.py``) for every kind of task: built
from the settings model, with names resolved by the backend against the fake Domino, and held
against Domino's published ``StartJobRequest``: every property one the schema declares, every
value of the declared shape."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from domino_flows.authoring.config import (
    CLUSTER_TYPES,
    ClusterProperties,
    DatasetSnapshot,
    DominoJobConfig,
    EnvironmentRevisionSpecification,
    EnvironmentRevisionType,
    GitRef,
)
from domino_flows.backends.base import JobSpec
from domino_flows.backends.domino import DominoBackend
from domino_flows.backends.domino_client import DominoCredentials, RetryPolicy
from domino_flows.backends.domino_jobs import staging_path
from domino_flows.backends.domino_start import ALWAYS, shaped_properties, unsent_fields
from domino_flows.contract import job_settings
from domino_flows.contract.data_sources import ExternalDataVolume, NetAppVolumeSnapshot
from domino_flows.testing import DEFAULT_ENVIRONMENTS, FakeDomino
from domino_flows.testing.fake_domino_schema import check_schema

pytest_plugins = ["domino_flows.testing.fixtures"]

START_JOB = "domino.jobs.web.StartJobRequest"
PYTHON_311 = DEFAULT_ENVIRONMENTS["Python 3.11"]
FIELDS = job_settings.job_fields(DominoJobConfig)


def _declared(schema: str) -> set[str]:
    spec = json.loads(
        (Path(__file__).parents[2] / "domino_flows/testing/schemas/v4-subset.json").read_text()
    )
    return set(spec["components"]["schemas"][schema]["properties"])


PROPERTIES = _declared(START_JOB)


@pytest.fixture
def backend(fake_domino: FakeDomino, tmp_path: Path) -> DominoBackend:
    settings = SimpleNamespace(domino_project=fake_domino.project, domino_host=fake_domino.url)
    return DominoBackend(
        tmp_path / "project",
        settings,
        credentials=DominoCredentials(api_key=fake_domino.api_key),
        retry=RetryPolicy(attempts=2, base_delay=0.0, sleep=lambda _: None),
    )


def body_of(backend: DominoBackend, **config: Any) -> dict[str, Any]:
    config.setdefault("Command", "python train.py")
    spec = JobSpec("run-1", "churn.pipeline", "churn.train", DominoJobConfig(**config))
    return backend.job_payload(spec, staging_path(spec))


def assert_published(body: dict[str, Any]) -> None:
    assert set(body) <= PROPERTIES, sorted(set(body) - PROPERTIES)
    assert check_schema(START_JOB, body) == []


def _cluster(kind: str, **more: Any) -> ClusterProperties:
    return ClusterProperties(
        ClusterType=kind,
        ComputeEnvironmentId=PYTHON_311,
        WorkerHardwareTierId="medium-k8s",
        WorkerCount=2,
        MasterHardwareTierId=None if kind == "MPI" else "small-k8s",
        **more,
    )


# --- the model and the builder agree --------------------------------------------------------------


def test_every_field_says_where_it_goes_in_the_start_request():
    for job_field in FIELDS:
        declared = bool(job_field.setting.start) != bool(job_field.setting.unsent)
        assert declared, f"{job_field.name}: give start=(...) or unsent='why' in config.py"
        assert set(job_field.setting.start) <= PROPERTIES, job_field.name


def test_every_shape_the_builder_knows_is_a_property_some_field_fills():
    filled = {name for f in FIELDS for name in f.setting.start}
    assert shaped_properties() <= filled | set(ALWAYS)
    assert set(ALWAYS) <= PROPERTIES


# --- every kind of task ---------------------------------------------------------------------------


def test_a_plain_task_sends_its_command_title_and_null_ids(backend, fake_domino):
    body = body_of(backend)
    assert_published(body)
    assert set(body) == {"projectId", "commandToRun", *ALWAYS}
    assert body["title"] == "churn.pipeline / churn.train [run run-1, attempt 1]"
    assert body["environmentId"] is None and body["overrideHardwareTierId"] is None


def test_names_are_sent_as_the_ids_they_resolve_to(backend):
    body = body_of(backend, HardwareTierName="Small", EnvironmentName="Python 3.11")
    assert_published(body)
    assert (body["overrideHardwareTierId"], body["environmentId"]) == ("small-k8s", PYTHON_311)


@pytest.mark.parametrize("kind", CLUSTER_TYPES)
def test_each_cluster_kind_is_sent_in_the_published_shape(backend, kind):
    revision = EnvironmentRevisionSpecification(EnvironmentRevisionType.SomeRevision, "rev-3")
    body = body_of(
        backend,
        ComputeClusterProperties=_cluster(
            kind,
            WorkerStorageGiB=20,
            MaxWorkerCount=4,
            ComputeEnvironmentRevisionSpec=revision,
            ExtraConfigs={"spark.executor.memory": "4g"} if kind == "Spark" else None,
        ),
    )
    assert_published(body)
    cluster = body["computeClusterProperties"]
    assert cluster["clusterType"] == kind
    assert cluster["computeEnvironmentRevisionSpec"] == {"revisionId": "rev-3"}
    assert ("masterHardwareTierId" in cluster) is (kind != "MPI")


@pytest.mark.parametrize("kind", ["ActiveRevision", "LatestRevision", "RestrictedRevision"])
def test_a_revision_kind_is_sent_by_name(backend, kind):
    revision = EnvironmentRevisionSpecification(EnvironmentRevisionType[kind])
    body = body_of(backend, EnvironmentRevisionSpec=revision, VolumeSizeGiB=25)
    assert_published(body)
    assert (body["environmentRevisionSpec"], body["overrideVolumeSizeGiB"]) == (kind, 25.0)


def test_volumes_by_id_and_by_name_are_sent_as_ids(backend, fake_domino):
    raw = fake_domino.add_data_mount("raw-data")
    shared = fake_domino.add_data_mount("shared")
    body = body_of(
        backend,
        ExternalVolumeMountIds=[shared],
        ExternalDataVolumes=[ExternalDataVolume(Name="raw-data")],
    )
    assert_published(body)
    assert body["externalVolumeMounts"] == [shared, raw]


def test_datasets_and_netapp_snapshots_are_not_sent_and_are_named_in_a_warning(
    backend, fake_domino, caplog
):
    fake_domino.add_dataset("claims")
    config = {
        "DatasetSnapshots": [DatasetSnapshot(Name="claims", Version=2)],
        "NetAppVolumeSnapshots": [NetAppVolumeSnapshot(Id="vol-1", Version=3)],
    }
    body = body_of(backend, **config)
    assert_published(body)
    assert set(body) == {"projectId", "commandToRun", *ALWAYS}
    spec = JobSpec("run-1", "f", "t", DominoJobConfig(Command="python t.py", **config))
    with caplog.at_level(logging.WARNING):
        backend.start(spec, backend.stage_inputs(spec, {}))
    assert "task t: the domino backend does not send DatasetSnapshots (" in caplog.text
    assert "NetAppVolumeSnapshots (StartJobRequest mounts NetApp volumes by id" in caplog.text
    assert unsent_fields(DominoJobConfig(Command="x")) == []


def test_a_pinned_commit_is_sent_with_a_command_that_fetches_the_archive(backend, fake_domino):
    pinned = fake_domino.head
    body = body_of(backend, CommitId=pinned, MainRepoGitRef=GitRef("branches", "main"))
    assert_published(body)
    assert body["commitId"] == pinned
    assert body["mainRepoGitRef"] == {"type": "branches", "value": "main"}
    assert body["commandToRun"].startswith('python -c "') and pinned in body["commandToRun"]


def test_use_latest_sends_the_projects_default_ids(backend, fake_domino):
    body = body_of(backend, UseLatest=True)
    assert_published(body)
    assert (body["overrideHardwareTierId"], body["environmentId"]) == ("small-k8s", PYTHON_311)
    assert "useLatest" not in body


@pytest.mark.parametrize("capacity", ["on-demand", "spot"])
def test_a_capacity_type_is_sent_as_it_is(backend, capacity):
    body = body_of(backend, HardwareTierName="Small", CapacityType=capacity)
    assert_published(body)
    assert body["capacityType"] == capacity
