"""Every job setting reaches every place a job's settings go, from the one model: the domino
backend's start body, what ``submit`` registers (and the ``StartWorkflowJobRequest`` Domino Flows
makes of it), the run store's attempt row and ``show``, lineage's ``dominoJob`` facet, and the
local job's record. The fields are walked from the model, so a field added to ``config.py``
without a sample here, or without a way into each place, fails; the title is then followed
through a real local run."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner
from isolation import write_files

from domino_flows.authoring.config import (
    ClusterProperties,
    DatasetSnapshot,
    DominoJobConfig,
    EnvironmentRevisionSpecification,
    EnvironmentRevisionType,
    GitRef,
)
from domino_flows.authoring.decorators import domino_task
from domino_flows.backends import local_jobdir
from domino_flows.backends.base import JobSpec, ResolvedJob
from domino_flows.backends.domino import DominoBackend
from domino_flows.backends.domino_client import DominoCredentials, RetryPolicy
from domino_flows.backends.domino_jobs import staging_path
from domino_flows.backends.domino_start import unsent_fields
from domino_flows.cli import main
from domino_flows.contract import job_settings
from domino_flows.contract.data_sources import ExternalDataVolume, NetAppVolumeSnapshot
from domino_flows.execution import attempt, recording
from domino_flows.records.store import RunStore
from domino_flows.runner.show import show_document, show_text
from domino_flows.submit.resolve import NameResolver, resolve_all
from domino_flows.testing import DEFAULT_ENVIRONMENTS, FakeDomino
from domino_flows.testing.workflow_job import (
    COPIED,
    START_WORKFLOW_JOB,
    workflow_job_problems,
    workflow_job_request,
)

pytest_plugins = ["domino_flows.testing.fixtures"]

PYTHON_311 = DEFAULT_ENVIRONMENTS["Python 3.11"]
VOLUME = "0123456789abcdef01234567"
FIELDS = job_settings.job_fields(DominoJobConfig)
# One value per job field, valid for the fake Domino (its names, ids and revision). A field added
# to the model without one fails test_every_field_has_a_sample.
SAMPLES: dict[str, Any] = {
    "Command": "python train.py",
    "Title": "Nightly churn",
    "CommitId": "",  # the fake's head commit, set by the ``sample`` fixture
    "MainRepoGitRef": GitRef("branches", "main"),
    "HardwareTierId": "small-k8s",
    "HardwareTierName": "Small",
    "EnvironmentId": PYTHON_311,
    "EnvironmentName": "Python 3.11",
    "EnvironmentRevisionSpec": EnvironmentRevisionSpecification(
        EnvironmentRevisionType.SomeRevision, "5f0c3e5e8a1b2c3d4e5f6a7b"
    ),
    "ComputeClusterProperties": ClusterProperties(
        ClusterType="Ray",
        ComputeEnvironmentId=PYTHON_311,
        WorkerHardwareTierId="medium-k8s",
        WorkerCount=2,
        MasterHardwareTierId="small-k8s",
    ),
    "VolumeSizeGiB": 25.0,
    "DatasetSnapshots": [DatasetSnapshot(Name="churn", Version=3)],
    "ExternalVolumeMountIds": [VOLUME],
    "ExternalDataVolumes": [ExternalDataVolume(Name="shared")],
    "NetAppVolumeSnapshots": [NetAppVolumeSnapshot(Id="vol-1", Version=2)],
    "NetAppVolumeSnapshotInputs": ["netapp_volume_snapshot_0"],
    "UseLatest": True,
    "UseProjectDefaultsForOmitted": True,
    "CapacityType": "spot",
}
# What ``submit`` registers for the kit's additions, which Domino Flows does not read: the
# registered key that carries the field, or the error that refuses it.
REGISTERED_AS = {
    "HardwareTierName": "hardwareTierId",
    "EnvironmentName": "environmentId",
    "ExternalDataVolumes": "externalVolumeMountIds",
    "UseLatest": "environmentId",  # omitted fields filled from the project's defaults
    "UseProjectDefaultsForOmitted": "environmentId",
}
REFUSED_BY_SUBMIT = {"NetAppVolumeSnapshotInputs": "the NetApp snapshot chosen at launch"}


@pytest.fixture
def fake(fake_domino: FakeDomino) -> FakeDomino:
    fake_domino.add_dataset("churn")
    fake_domino.data_mounts["mounted"] = VOLUME
    fake_domino.add_data_mount("shared")
    SAMPLES["CommitId"] = fake_domino.head
    return fake_domino


@pytest.fixture
def backend(fake: FakeDomino, project: Path) -> DominoBackend:
    settings = SimpleNamespace(domino_project=fake.project, domino_host=fake.url)
    return DominoBackend(
        project,
        settings,
        credentials=DominoCredentials(api_key=fake.api_key),
        retry=RetryPolicy(attempts=2, base_delay=0.0, sleep=lambda _: None),
    )


def config_with(name: str) -> DominoJobConfig:
    return DominoJobConfig(**{"Command": SAMPLES["Command"], name: SAMPLES[name]})


def spec_of(config: DominoJobConfig, task: str = "churn.train") -> JobSpec:
    return JobSpec("run-1", "churn.pipeline", task, config)


def test_every_field_has_a_sample():
    assert {f.name for f in FIELDS} == set(SAMPLES)
    additions = {f.name for f in FIELDS if f.setting.addition}
    assert additions == set(REGISTERED_AS) | set(REFUSED_BY_SUBMIT)


def test_the_request_domino_flows_makes_copies_every_field_domino_defines():
    assert set(COPIED) <= set(_properties(START_WORKFLOW_JOB))
    assert {f.setting.custom_key for f in FIELDS if not f.setting.addition} - set(COPIED) == {
        "command"  # its commandToRun
    }


def _properties(schema: str) -> dict[str, Any]:
    path = Path(__file__).parents[1] / "domino_flows/testing/schemas/v4-subset.json"
    return json.loads(path.read_text())["components"]["schemas"][schema]["properties"]


@pytest.mark.parametrize("name", [f.name for f in FIELDS])
def test_each_field_reaches_the_domino_start_body(name, backend):
    config = config_with(name)
    spec = spec_of(config)
    body = backend.job_payload(spec, staging_path(spec))
    setting = next(f.setting for f in FIELDS if f.name == name)
    if setting.unsent:
        assert [u.split(" (")[0] for u in unsent_fields(config)] == [name]
        return
    assert setting.start, f"{name}: declare start=(...) or unsent='why' in config.py"
    for property_name in setting.start:
        assert body.get(property_name) is not None, (name, property_name, body)


@pytest.mark.parametrize("name", [f.name for f in FIELDS])
def test_each_field_reaches_what_submit_registers(name, backend, fake):
    custom = config_with(name).to_custom()
    resolver = NameResolver(backend)
    resolutions, checks = resolve_all(resolver, "churn.pipeline", {"churn.train": custom}, False)
    if name in REFUSED_BY_SUBMIT:
        assert any(REFUSED_BY_SUBMIT[name] in c.message for c in checks), checks
        return
    assert [c for c in checks if c.level == "error"] == []
    registered = resolutions["churn.train"].custom
    assert workflow_job_problems(registered, fake.project_id) == []
    request = workflow_job_request(registered, fake.project_id)
    key = next(f.setting.custom_key for f in FIELDS if f.name == name)
    carried = REGISTERED_AS.get(name, "commandToRun" if key == "command" else key)
    assert request.get(carried) not in (None, []), (name, carried, request)
    assert not set(registered) & {f.setting.custom_key for f in FIELDS if f.setting.addition}


@pytest.mark.parametrize("name", [f.name for f in FIELDS])
def test_each_field_reaches_the_attempt_record_show_and_lineage(name, project):
    config = config_with(name)
    spec = spec_of(config)
    record = attempt.new_record(SimpleNamespace(name="local"), spec, project)
    record.job_id = "job-1"
    RunStore.for_project(project).start_run("run-1", "churn.pipeline", "local")
    recording.task_started(record, ResolvedJob(None, None, None, None, None))
    setting = next(f.setting for f in FIELDS if f.name == name)
    written = config.to_custom()[setting.custom_key]

    store = RunStore.for_project(project)
    (row,) = store.attempts("run-1")
    assert json.loads(row.job_settings or "{}")[setting.custom_key] == written
    text = show_text(show_document(store, store.runs()[0]))
    assert f"{setting.keyword or setting.custom_key}=" in text
    (event,) = [e for e in store.lineage_events("run-1") if e["task"] == "churn.train"]
    facet = json.loads(event["event"])["run"]["facets"]["dominoJob"]
    assert facet["jobSettings"][setting.custom_key] == written


# --- the title, end to end ---------------------------------------------------------------------

TITLED_FLOW = """
from flytekit import workflow

from domino_flows import domino_task


@domino_task(title="Nightly churn")
def train(rows: int) -> int:
    return rows + 1


@workflow
def wf(rows: int = 1) -> int:
    return train(rows=rows)
"""


def test_a_title_is_recorded_shown_and_in_lineage_after_a_local_run(project):
    write_files(project, {"titled.py": TITLED_FLOW})
    result = CliRunner().invoke(main, ["run", "titled.py", "wf", "--json"])
    assert result.exit_code == 0, result.output
    run_id = json.loads(result.stdout)["run_id"]
    store = RunStore.for_project(project)
    (row,) = store.attempts(run_id)
    assert json.loads(row.job_settings or "{}")["title"] == "Nightly churn"
    (run,) = [r for r in store.runs() if r["run_id"] == run_id]
    assert "title=Nightly churn" in show_text(show_document(store, run))
    shown = CliRunner().invoke(main, ["show", run_id])
    assert "settings: command=python -m domino_flows.entrypoint titled.py:train, " in (shown.output)
    assert "title=Nightly churn" in shown.output
    events = [json.loads(e["event"]) for e in store.lineage_events(run_id) if e["task"]]
    assert {e["run"]["facets"]["dominoJob"]["jobSettings"]["title"] for e in events} == {
        "Nightly churn"
    }
    job = json.loads(next((project / ".domino-flows").rglob(local_jobdir.JOB_FILE)).read_text())
    assert (job["title"], job["settings"]["title"]) == ("Nightly churn", "Nightly churn")


def test_a_title_reaches_the_domino_start_body_through_the_fake(backend, fake):
    task = domino_task(name="churn.train", title="Nightly churn")(_plain)
    spec = spec_of(DominoJobConfig.from_custom(task.get_custom(None)).replace(Command="true"))
    handle = backend.start(spec, backend.stage_inputs(spec, {}))
    (job,) = fake.jobs.values()
    assert job.title == job.payload["title"] == "Nightly churn"
    assert handle.job_id == job.id
    untitled = spec_of(DominoJobConfig(Command="true"), task="churn.other")
    assert backend.job_payload(untitled, staging_path(untitled))["title"] == (
        "churn.pipeline / churn.other [run run-1, attempt 1]"
    )


def test_submit_registers_the_title(backend, fake):
    task = domino_task(name="churn.train", title="Nightly churn")(_plain)
    resolutions, _checks = resolve_all(
        NameResolver(backend), "churn.pipeline", {"churn.train": task.get_custom(None)}, False
    )
    registered = resolutions["churn.train"].custom
    assert registered["title"] == "Nightly churn"
    assert workflow_job_request(registered, fake.project_id)["title"] == "Nightly churn"


def _plain() -> None: ...


def test_a_credential_in_a_setting_is_masked_in_the_record_and_lineage(project, monkeypatch):
    canary = "sk-SETTINGS-CANARY-0042"
    monkeypatch.setenv("DOMINO_USER_API_KEY", canary)
    config = DominoJobConfig(Command=f"python train.py --key {canary}", Title=f"t {canary}")
    record = attempt.new_record(SimpleNamespace(name="local"), spec_of(config), project)
    record.job_id = "job-1"
    recording.task_started(record, ResolvedJob(None, None, None, None, None))
    store = RunStore.for_project(project)
    (row,) = store.attempts("run-1")
    events = store.lineage_events("run-1")
    assert canary not in (row.job_settings or "") and "redacted" in (row.job_settings or "")
    assert events and all(canary not in e["event"] for e in events)
    assert json.loads(row.job_settings or "{}")["title"] == "t <DOMINO_USER_API_KEY redacted>"
