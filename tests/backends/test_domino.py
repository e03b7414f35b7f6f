"""The domino backend's requests, held against the fake Domino, which checks each one against
Domino's published API description: start bodies, names, defaults, datasets, statuses, retries,
lost starts and recovery, credentials."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from domino_flows.authoring.config import (
    ClusterProperties,
    DatasetSnapshot,
    DominoJobConfig,
    EnvironmentRevisionSpecification,
    EnvironmentRevisionType,
    GitRef,
)
from domino_flows.backends.base import JobSpec, JobState
from domino_flows.backends.domino import DominoBackend
from domino_flows.backends.domino_client import (
    DominoApiError,
    DominoCredentials,
    RetryPolicy,
    resolve_credentials,
    resolve_host,
    resolve_project,
)
from domino_flows.backends.domino_jobs import (
    STATUS_TABLE,
    UnknownStatus,
    attempt_marker,
    map_status,
    staging_path,
)
from domino_flows.backends.domino_polling import PollPolicy
from domino_flows.contract.data_sources import ExternalDataVolume, NetAppVolumeSnapshot
from domino_flows.core.errors import ConfigurationError
from domino_flows.testing import DEFAULT_ENVIRONMENTS, FakeDomino

pytest_plugins = ["domino_flows.testing.fixtures"]

KEY = "sk-UNIT-TEST-CANARY-0042"
PYTHON_311 = DEFAULT_ENVIRONMENTS["Python 3.11"]
VOLUME = "0123456789abcdef01234567"
# Every execution status of Domino's published run status enum (RunMonolithDTO.status).
PUBLISHED_STATUSES = [
    "Scheduled",
    "Queued",
    "Pending",
    "Preparing",
    "Building",
    "Pulling",
    "Running",
    "Serving",
    "Finishing",
    "Stopping",
    "StopRequested",
    "StopAndDiscardRequested",
    "Stopped",
    "Succeeded",
    "Failed",
    "Error",
    "Faulty",
]


@pytest.fixture
def sleeps() -> list[float]:
    return []


def make(fake: FakeDomino, root: Path, sleeps: list[float], **kwargs: Any) -> DominoBackend:
    settings = kwargs.pop("settings", None) or SimpleNamespace(
        domino_project=fake.project, domino_host=fake.url
    )
    return DominoBackend(
        root,
        settings,
        credentials=DominoCredentials(api_key=fake.api_key),
        retry=RetryPolicy(attempts=4, base_delay=1.0, sleep=sleeps.append, random=lambda: 1.0),
        poll=PollPolicy(initial=0.02, factor=1.5, max_interval=0.1),
        **kwargs,
    )


@pytest.fixture
def backend(fake_domino: FakeDomino, tmp_path: Path, sleeps: list[float]) -> DominoBackend:
    return make(fake_domino, tmp_path / "project", sleeps)


def spec(task: str = "churn.train", run_id: str = "run-1", attempt: int = 1, **config) -> JobSpec:
    config.setdefault("Command", 'echo 0.93 > "$DOMINO_FLOWS_OUTPUTS_DIR/accuracy"')
    return JobSpec(
        run_id=run_id,
        flow="churn.pipeline",
        task=task,
        config=DominoJobConfig(**config),
        input_types={"rows": int},
        output_types={"accuracy": float},
        attempt=attempt,
    )


def started_body(fake: FakeDomino) -> dict[str, Any]:
    (request,) = [r for r in fake.requests if r["route"] == "job_start"]
    return dict(json.loads(request["body"]))


def run(backend: DominoBackend, job: JobSpec) -> Any:
    handle = backend.start(job, backend.stage_inputs(job, {"rows": 3}))
    return handle, backend.wait(handle, timeout=30)


# --- the start body --------------------------------------------------------------------------


def test_the_start_body_carries_every_field_in_the_shape_domino_defines(backend, fake_domino):
    fake_domino.data_mounts["raw"] = VOLUME
    job = spec(
        HardwareTierName="Small",
        EnvironmentName="Python 3.11",
        EnvironmentRevisionSpec=EnvironmentRevisionSpecification(
            EnvironmentRevisionType.SomeRevision, "rev-7"
        ),
        MainRepoGitRef=GitRef("branches", "main"),
        ComputeClusterProperties=ClusterProperties(
            ClusterType="Spark",
            ComputeEnvironmentId=PYTHON_311,
            WorkerHardwareTierId="medium-k8s",
            WorkerCount=2,
            WorkerStorageGiB=20,
            MasterHardwareTierId="small-k8s",
        ),
        VolumeSizeGiB=25,
        ExternalVolumeMountIds=[VOLUME],
    )
    handle, status = run(backend, job)
    assert status.state is JobState.SUCCEEDED, status.message
    staging = handle.details["staging"]
    assert started_body(fake_domino) == {
        "projectId": fake_domino.project_id,
        "commandToRun": f"python /mnt/{staging}/job.pyz",
        "title": "churn.pipeline / churn.train [run run-1, attempt 1]",
        "overrideHardwareTierId": "small-k8s",
        "environmentId": PYTHON_311,
        "environmentRevisionSpec": {"revisionId": "rev-7"},
        "mainRepoGitRef": {"type": "branches", "value": "main"},
        "computeClusterProperties": {
            "clusterType": "Spark",
            "computeEnvironmentId": PYTHON_311,
            "workerHardwareTierId": {"value": "medium-k8s"},
            "workerCount": 2,
            "workerStorage": {"value": 20, "unit": "GiB"},
            "masterHardwareTierId": {"value": "small-k8s"},
        },
        "overrideVolumeSizeGiB": 25.0,
        "externalVolumeMounts": [VOLUME],
    }


def test_omitted_ids_are_sent_as_null_for_project_defaults(backend, fake_domino):
    _handle, status = run(backend, spec())
    assert status.state is JobState.SUCCEEDED
    body = started_body(fake_domino)
    assert body["overrideHardwareTierId"] is None and body["environmentId"] is None
    assert "environmentRevisionSpec" not in body  # its schema has no null: left out


def test_fields_the_start_cannot_carry_are_named_in_a_warning(backend, fake_domino, caplog):
    raw = fake_domino.add_data_mount("raw-data")
    job = spec(
        DatasetSnapshots=[DatasetSnapshot(Id=VOLUME, Version=2)],
        ExternalDataVolumes=[ExternalDataVolume(Name="raw-data")],
        NetAppVolumeSnapshots=[NetAppVolumeSnapshot(Id="vol-1", Version=3)],
    )
    with caplog.at_level(logging.WARNING):
        run(backend, job)
    for unsent in ("DatasetSnapshots", "NetAppVolumeSnapshots"):
        assert unsent in caplog.text
    # a volume by name is sent, by the id the project's data mounts give it
    assert "raw-data" not in caplog.text
    assert started_body(fake_domino)["externalVolumeMounts"] == [raw]


def test_volumes_by_name_and_by_id_are_mounted_once_each(backend, fake_domino):
    raw = fake_domino.add_data_mount("raw-data")
    shared = fake_domino.add_data_mount("shared")
    job = spec(
        ExternalVolumeMountIds=[shared],
        ExternalDataVolumes=[ExternalDataVolume(Name="raw-data"), ExternalDataVolume("shared")],
    )
    run(backend, job)
    assert started_body(fake_domino)["externalVolumeMounts"] == [shared, raw]
    assert fake_domino.count("data_mounts") == 1


def test_an_unknown_volume_name_lists_the_projects_volumes(backend, fake_domino):
    fake_domino.add_data_mount("shared")
    with pytest.raises(ConfigurationError) as caught:
        backend.resolve(spec(ExternalDataVolumes=[ExternalDataVolume(Name="sharde")]))
    assert (
        "task 'churn.train': Domino project alice/flows has no external data volume named "
        "'sharde'. Did you mean 'shared'? Available: 'shared'. Fix ExternalDataVolume Name."
    ) in str(caught.value)


# --- names, defaults, datasets --------------------------------------------------------------------


def test_two_tiers_with_one_name_are_an_error_naming_both_ids(backend, fake_domino):
    fake_domino.extra_tiers.append(("Small", "small-k8s-2"))
    with pytest.raises(ConfigurationError) as caught:
        backend.resolve(spec(HardwareTierName="Small"))
    message = str(caught.value)
    assert "2 hardware tiers named 'Small'" in message
    assert "small-k8s, small-k8s-2" in message and "HardwareTierId" in message
    assert backend.resolve(spec(HardwareTierName="Large")).hardware_tier_id == "large-k8s"


def defaults_bodies(fake: FakeDomino) -> list[dict[str, Any]]:
    return [json.loads(r["body"]) for r in fake.requests if r["route"] == "resolve_defaults"]


def test_job_defaults_are_asked_once_per_distinct_request(backend, fake_domino):
    claims = fake_domino.add_dataset("claims")
    plain = spec(task="a", UseProjectDefaultsForOmitted=True)
    again = spec(task="b", UseProjectDefaultsForOmitted=True)
    bigger = spec(
        task="c",
        VolumeSizeGiB=40,
        DatasetSnapshots=[DatasetSnapshot(Name="claims", Version=3)],
        ComputeClusterProperties=ClusterProperties(
            "Ray", PYTHON_311, "small-k8s", 1, WorkerStorageGiB=5, MasterHardwareTierId="x"
        ),
        UseProjectDefaultsForOmitted=True,
    )
    for job in (plain, again, bigger):
        resolved = backend.resolve(job)
        assert (resolved.hardware_tier_id, resolved.environment_id) == ("small-k8s", PYTHON_311)
    first, second = defaults_bodies(fake_domino)
    assert first == {}
    assert second == {
        "volumeSizeGiB": 40.0,
        "datasetSnapshots": [{"datasetId": claims, "datasetName": "claims", "snapshotVersion": 3}],
        "computeClusterProperties": {
            "clusterType": "Ray",
            "computeEnvironmentId": PYTHON_311,
            "workerHardwareTierId": {"value": "small-k8s"},
            "workerCount": 1,
            "workerStorage": {"value": 5, "unit": "GiB"},
            "masterHardwareTierId": {"value": "x"},
        },
    }
    assert fake_domino.count("datasets") == 1


def test_an_unknown_dataset_name_lists_the_projects_datasets(backend, fake_domino):
    fake_domino.add_dataset("claims")
    job = spec(DatasetSnapshots=[DatasetSnapshot(Name="clams", Version=1)], UseLatest=True)
    with pytest.raises(ConfigurationError, match=r"no dataset named 'clams'.*'claims'"):
        backend.resolve(job)


def test_a_request_domino_would_refuse_fails_at_once_saying_what_was_wrong(backend, fake_domino):
    with pytest.raises(DominoApiError) as caught:
        backend.routes._get(
            "GET /v4/jobs", "/v4/jobs", {"projectId": backend.project_id, "newest": "1"}
        )
    message = str(caught.value)
    assert "HTTP 400: the request was refused" in message
    assert "query parameter 'newest' is not one Domino reads" in message
    assert len(fake_domino.violations) == 1
    fake_domino.violations.clear()  # sent on purpose


# --- statuses ----------------------------------------------------------------------------------


def test_every_published_status_is_mapped_explicitly():
    assert set(STATUS_TABLE) == set(PUBLISHED_STATUSES)
    assert map_status("Faulty") is JobState.ERROR
    assert map_status("StopRequested") is JobState.RUNNING
    assert map_status("Scheduled") is JobState.QUEUED
    terminal = {s for s in PUBLISHED_STATUSES if map_status(s).is_terminal}
    assert terminal == {"Stopped", "Succeeded", "Failed", "Error", "Faulty"}
    with pytest.raises(UnknownStatus, match="'Hibernating'"):
        map_status("Hibernating")


def test_an_unknown_status_fails_the_task_naming_it(backend, fake_domino):
    handle, _status = run(backend, spec())
    fake_domino.jobs[handle.job_id].status = "Hibernating"
    status = backend.status(handle)
    assert status.state is JobState.ERROR
    assert "'Hibernating'" in status.message and handle.url in status.message


# --- retries --------------------------------------------------------------------------------------


def test_polls_retry_server_errors_with_growing_jittered_waits(backend, fake_domino, sleeps):
    handle, _ = run(backend, spec())
    sleeps.clear()
    fake_domino.fail_next("job_status", status=503)
    fake_domino.fail_next("job_status", status=502)
    assert backend.status(handle).state is JobState.SUCCEEDED
    assert sleeps == [1.0, 2.0]


def test_retry_after_is_honoured(backend, fake_domino, sleeps):
    fake_domino.fail_next("hardware_tiers", status=429, retry_after=7)
    backend.resolve(spec(HardwareTierName="Small"))
    assert sleeps == [7.0]


def test_retries_are_bounded_and_the_error_names_the_endpoint(backend, fake_domino, sleeps):
    fake_domino.fail_next("hardware_tiers", status=503, times=10)
    with pytest.raises(DominoApiError) as caught:
        backend.resolve(spec(HardwareTierName="Small"))
    message = str(caught.value)
    assert message.startswith(
        "Domino answered GET /v4/projects/{projectId}/hardwareTiers with HTTP 503 after 4 attempts"
    )
    assert fake_domino.url not in message and fake_domino.api_key not in message
    assert len(sleeps) == 3


def test_polling_rides_out_an_outage_longer_than_the_attempt_count(backend, fake_domino, sleeps):
    handle, _ = run(backend, spec())
    fake_domino.fail_next("job_status", status=503, times=12)
    assert backend.status(handle).state is JobState.SUCCEEDED  # 4 attempts would have failed
    assert fake_domino.count("job_status") >= 13


def test_the_poll_outage_budget_comes_from_the_settings(fake_domino, tmp_path, sleeps):
    settings = SimpleNamespace(
        domino=SimpleNamespace(
            project=fake_domino.project, host=fake_domino.url, poll_outage_minutes=1e-9
        )
    )
    backend = make(fake_domino, tmp_path, sleeps, settings=settings)
    handle, _ = run(backend, spec())
    fake_domino.fail_next("job_status", status=503, times=3)
    with pytest.raises(DominoApiError, match=r"GET /v4/jobs/\{jobId\} with HTTP 503"):
        backend.status(handle)


def test_client_errors_are_not_retried(backend, fake_domino, sleeps):
    handle, _ = run(backend, spec())
    sleeps.clear()
    fake_domino.fail_next("job_status", status=404)
    with pytest.raises(DominoApiError, match="HTTP 404"):
        backend.status(handle)
    assert sleeps == []


def test_expired_credentials_are_reported_without_retrying(backend, fake_domino, sleeps):
    fake_domino.fail_next("hardware_tiers", status=409)
    with pytest.raises(DominoApiError, match="credentials expired"):
        backend.resolve(spec(HardwareTierName="Small"))
    assert sleeps == []


# --- one job per attempt ------------------------------------------------------------------------


def test_a_refused_start_is_not_retried_and_says_why(backend, fake_domino, sleeps):
    fake_domino.fail_next("job_start", status=400)
    job = spec()
    with pytest.raises(DominoApiError) as caught:
        backend.start(job, backend.stage_inputs(job, {"rows": 1}))
    assert "HTTP 400" in str(caught.value) and "Domino said: injected 400" in str(caught.value)
    assert fake_domino.count("job_start") == 1 and fake_domino.job_count == 0


def test_a_lost_start_that_cannot_be_checked_is_not_repeated(backend, fake_domino):
    fake_domino.drop_next("job_start", after_acting=True)
    fake_domino.fail_next("jobs_list", status=503, times=10)
    job = spec()
    with pytest.raises(DominoApiError) as caught:
        backend.start(job, backend.stage_inputs(job, {"rows": 1}))
    assert attempt_marker("run-1", "churn.train", 1) in str(caught.value)
    assert fake_domino.count("job_start") == 1 and fake_domino.job_count == 1


def test_a_read_timeout_on_start_adopts_the_job_the_server_made(fake_domino, tmp_path, sleeps):
    backend = make(fake_domino, tmp_path, sleeps, timeout=(5.0, 0.5))
    fake_domino.slow_next("job_start", seconds=1.5)
    handle, status = run(backend, spec())
    assert status.state is JobState.SUCCEEDED
    assert fake_domino.count("job_start") == 1 and fake_domino.job_count == 1
    assert fake_domino.count("jobs_list") >= 1  # looked (again, if a listing was slow too)
    assert handle.job_id in fake_domino.jobs


def test_a_start_still_being_created_after_a_read_timeout_is_waited_for(
    fake_domino, tmp_path, sleeps
):
    # the server is slow to act: when the client gives up, the job does not exist yet
    backend = DominoBackend(
        tmp_path,
        SimpleNamespace(domino_project=fake_domino.project, domino_host=fake_domino.url),
        credentials=DominoCredentials(api_key=fake_domino.api_key),
        retry=RetryPolicy(attempts=4, base_delay=0.05, max_delay=0.2),  # real, short waits
        poll=PollPolicy(initial=0.02, factor=1.5, max_interval=0.1),
        timeout=(5.0, 0.3),
        start_settle=10.0,
    )
    fake_domino.slow_next("job_start", seconds=1.0, before_acting=True)
    _handle, status = run(backend, spec())
    assert status.state is JobState.SUCCEEDED
    assert fake_domino.count("job_start") == 1 and fake_domino.job_count == 1
    assert fake_domino.count("jobs_list") >= 2  # looked until the job appeared


def test_a_start_that_exhausts_its_tries_looks_once_more(backend, fake_domino):
    fake_domino.fail_next("job_start", status=503, times=3)
    fake_domino.fail_next("job_start", status=503, after_acting=True)
    _handle, status = run(backend, spec())
    assert status.state is JobState.SUCCEEDED
    assert fake_domino.job_count == 1 and fake_domino.count("job_start") == 4


def test_a_restarted_runner_finds_the_job_of_an_attempt_and_no_other(
    backend, fake_domino, tmp_path, sleeps
):
    first = spec(task="t", attempt=1)
    handle = backend.start(first, backend.stage_inputs(first, {"rows": 1}))
    other_run = spec(task="t", run_id="run-2")
    backend.start(other_run, backend.stage_inputs(other_run, {"rows": 1}))
    fresh = make(fake_domino, tmp_path / "again", sleeps)  # a new process: nothing cached
    found = fresh.find_attempt_job(first)
    assert found is not None and found.job_id == handle.job_id
    assert found.details["staging"] == handle.details["staging"]
    assert fresh.find_attempt_job(spec(task="t", attempt=2)) is None
    assert fresh.find_attempt_job(spec(task="u")) is None
    fresh.wait(found, timeout=30)
    assert fresh.collect_outputs(found, first) == {"accuracy": 0.93}
    rebuilt = fresh.handle_for("run-1", "t", 1, handle.job_id, handle.url)
    assert fresh.wait(rebuilt, timeout=30).state is JobState.SUCCEEDED
    assert fresh.collect_outputs(rebuilt, first) == {"accuracy": 0.93}


def test_staging_names_are_unique_per_attempt_even_when_cut():
    long = "fanout.score_item_" + "x" * 200
    names = {staging_path(spec(task=f"{long}[{i}]", attempt=a)) for i in range(3) for a in (1, 2)}
    assert len(names) == 6
    assert all(len(name) < 200 for name in names)
    assert staging_path(spec()) == staging_path(spec())  # stable for a given attempt


def test_a_staging_reference_of_another_attempt_is_refused(backend):
    staged = backend.stage_inputs(spec(attempt=1), {"rows": 1})
    with pytest.raises(ConfigurationError, match="was not made by the domino backend"):
        backend.start(spec(attempt=2), staged)
    with pytest.raises(ConfigurationError, match="was not made by the domino backend"):
        backend.start(spec(), "somewhere/else")


# --- failures, stop, scheduling ------------------------------------------------------------------


def test_a_failed_job_shows_its_error_file_and_log_tail(backend, fake_domino):
    command = (
        "seq 1 100; echo 'ValueError: rows must be positive' > $DOMINO_FLOWS_OUTPUTS_DIR/_ERROR"
    )
    handle, status = run(backend, spec(Command=command + "; exit 2"))
    assert status.state is JobState.FAILED
    assert f"Domino job #1 {handle.job_id} ended Failed" in status.message
    assert "_ERROR: ValueError: rows must be positive" in status.message
    assert "\n100\n" in status.message and "\n60\n" not in status.message
    assert backend.error_text(handle).strip() == "ValueError: rows must be positive"


def test_stop_posts_the_published_body_once(backend, fake_domino):
    job = spec(Command="sleep 30")
    handle = backend.start(job, backend.stage_inputs(job, {"rows": 1}))
    backend.stop(handle)
    assert backend.wait(handle, timeout=20).state is JobState.STOPPED
    backend.stop(handle)
    (stop,) = [r for r in fake_domino.requests if r["route"] == "job_stop"]
    assert json.loads(stop["body"]) == {"jobId": handle.job_id, "commitResults": True}


def test_domino_schedules_its_own_hardware(backend):
    assert backend.scheduling_slots(spec(HardwareTierName="Large")) == 1
    assert backend.default_capacity() == 16


# --- credentials --------------------------------------------------------------------------------


def test_credentials_follow_python_dominos_order(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("tok")
    env = {
        "DOMINO_API_PROXY": "http://localhost:8899",
        "DOMINO_TOKEN_FILE": str(token_file),
        "DOMINO_USER_API_KEY": KEY,
    }
    assert resolve_credentials(None, env).kind == "api_proxy"
    assert resolve_credentials(None, {**env, "DOMINO_API_PROXY": ""}).kind == "token_file"
    only_key = {"DOMINO_USER_API_KEY": KEY}
    assert resolve_credentials(None, only_key).client_kwargs() == {"api_key": KEY}
    explicit = DominoCredentials(auth_token="t", api_key="k")
    assert resolve_credentials(explicit, env).client_kwargs() == {"auth_token": "t"}
    assert DominoCredentials(token_file="f", api_key="k").kind == "token_file"


def test_missing_credentials_say_which_variables_to_set():
    with pytest.raises(ConfigurationError) as caught:
        resolve_credentials(None, {})
    for name in ("DOMINO_USER_API_KEY", "DOMINO_TOKEN_FILE", "DOMINO_API_PROXY"):
        assert name in str(caught.value)


def test_a_token_file_that_does_not_exist_is_reported(tmp_path):
    with pytest.raises(ConfigurationError, match="not a file"):
        resolve_credentials(None, {"DOMINO_TOKEN_FILE": str(tmp_path / "nope")})


def test_credentials_never_show_in_repr_or_str():
    credentials = DominoCredentials(api_key=KEY, source="DOMINO_USER_API_KEY")
    assert KEY not in repr(credentials) and KEY not in str(credentials)
    assert "DOMINO_USER_API_KEY" in repr(credentials)


def test_host_and_project_come_from_settings_or_the_environment():
    assert resolve_host(None, {"DOMINO_API_HOST": "https://d.example/"}) == "https://d.example"
    assert resolve_host("https://set.example", {"DOMINO_API_HOST": "x"}) == "https://set.example"
    with pytest.raises(ConfigurationError, match="DOMINO_API_HOST"):
        resolve_host(None, {})
    with pytest.raises(ConfigurationError, match="no scheme"):
        resolve_host("domino.example", {})
    env = {"DOMINO_PROJECT_OWNER": "bob", "DOMINO_PROJECT_NAME": "p"}
    assert resolve_project(None, env) == "bob/p"
    assert resolve_project("alice/churn", env) == "alice/churn"
    with pytest.raises(ConfigurationError, match="owner/name"):
        resolve_project("churn", {})
    with pytest.raises(ConfigurationError, match="DOMINO_PROJECT_OWNER"):
        resolve_project(None, {})


def test_an_unknown_project_says_what_to_check(fake_domino, tmp_path, sleeps):
    settings = SimpleNamespace(domino_project="alice/nope", domino_host=fake_domino.url)
    backend = make(fake_domino, tmp_path, sleeps, settings=settings)
    with pytest.raises(ConfigurationError, match="'alice/nope' not found"):
        backend.resolve(spec(HardwareTierName="Small"))


def test_project_settings_objects_are_accepted(tmp_path):
    settings = SimpleNamespace(domino=SimpleNamespace(project="alice/churn", host="https://d.x"))
    backend = DominoBackend(tmp_path, settings, credentials=DominoCredentials(api_key=KEY))
    assert (backend.project, backend.host) == ("alice/churn", "https://d.x")
    assert KEY not in repr(backend)


def test_a_connection_refused_is_retried_then_named(tmp_path, sleeps):
    settings = SimpleNamespace(domino_project="alice/churn", domino_host="http://127.0.0.1:9")
    backend = DominoBackend(
        tmp_path,
        settings,
        credentials=DominoCredentials(api_key=KEY),
        retry=RetryPolicy(attempts=3, sleep=sleeps.append),
    )
    with pytest.raises(DominoApiError, match=r"Could not reach Domino for GET /version after 3"):
        backend.project_id  # noqa: B018
    assert len(sleeps) == 2


def test_the_export_task_is_refused_naming_what_domino_lacks(backend, fake_domino):
    from domino_flows.export_job import COMMAND

    with pytest.raises(ConfigurationError) as caught:
        backend.resolve(spec(task="Export artifacts", Command=COMMAND))
    message = str(caught.value)
    assert message.startswith("task 'Export artifacts': it is domino-flows' export job")
    for gap in ("domino-flows installed", "mounts them by name", "governance bundle"):
        assert gap in message
    assert fake_domino.job_count == 0
