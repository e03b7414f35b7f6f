"""The domino backend's HTTP conversation, pinned with ``responses``: exact payloads, retries,
lost job starts, credentials and status mapping."""

from __future__ import annotations

import json
import logging
import re
from types import SimpleNamespace

import pytest
import requests
import responses
from responses import matchers

from domino_flows.backends.base import JobHandle, JobSpec, JobState, JobStatus
from domino_flows.backends.domino import DominoBackend, map_status, parse_staging, staging_path
from domino_flows.backends.domino_client import (
    DominoApiError,
    DominoCredentials,
    RetryPolicy,
    resolve_credentials,
    resolve_host,
    resolve_project,
)
from domino_flows.backends.domino_polling import JobPoller, PollPolicy
from domino_flows.config import DominoJobConfig, EnvironmentRevisionSpecification, GitRef
from domino_flows.errors import ConfigurationError

HOST = "https://domino.test"
PROJECT_ID = "65f0c0ffee0000000000abcd"
KEY = "sk-UNIT-TEST-CANARY-0042"
STAGING = ".domino-flows/staging/run-1/churn.train/1"
JOB_URL = f"{HOST}/v4/jobs/job-1"


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.get(f"{HOST}/version", json={"version": "5.11.0"})
        rsps.get(
            f"{HOST}/v4/gateway/projects/findProjectByOwnerAndName",
            match=[matchers.query_param_matcher({"ownerName": "alice", "projectName": "churn"})],
            json={"id": PROJECT_ID},
        )
        rsps.get(
            f"{HOST}/v4/projects/{PROJECT_ID}/hardwareTiers",
            json=[
                {"hardwareTier": {"id": "small-k8s", "name": "Small"}},
                {"hardwareTier": {"id": "gpu-k8s", "name": "GPU"}},
            ],
        )
        rsps.get(
            f"{HOST}/v4/projects/{PROJECT_ID}/useableEnvironments",
            json={"environments": [{"id": "env-1", "name": "Python 3.11"}]},
        )
        yield rsps


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def backend(tmp_path, sleeps) -> DominoBackend:
    return DominoBackend(
        tmp_path,
        SimpleNamespace(domino_project="alice/churn", domino_host=HOST),
        credentials=DominoCredentials(api_key=KEY),
        retry=RetryPolicy(attempts=4, base_delay=1.0, sleep=sleeps.append, random=lambda: 1.0),
    )


def spec(**config) -> JobSpec:
    config.setdefault("Command", "python train.py")
    return JobSpec(
        run_id="run-1",
        flow="churn.pipeline",
        task="churn.train",
        config=DominoJobConfig(**config),
        input_types={"rows": int},
        output_types={"accuracy": float},
    )


def handle() -> JobHandle:
    return JobHandle(
        "domino", "job-1", "run-1", "churn.train", details={"staging": STAGING, "job_number": "7"}
    )


def job_json(status: str, output_commit: str | None = "out-1") -> dict:
    return {
        "id": "job-1",
        "statuses": {"isCompleted": status in ("Succeeded", "Failed"), "executionStatus": status},
        "commitDetails": {"inputCommitId": "in-1", "outputCommitId": output_commit},
    }


# --- job start ----------------------------------------------------------------------------------


def test_job_start_sends_exactly_python_dominos_payload(mocked, backend):
    expected = {
        "projectId": PROJECT_ID,
        "commandToRun": f"python {STAGING}/bootstrap.py",
        "commitId": "c0ffee",
        "mainRepoGitRef": {"type": "branches", "value": "main"},
        "overrideHardwareTierId": "small-k8s",
        "onDemandSparkClusterProperties": None,
        "computeClusterProperties": None,
        "environmentId": "env-1",
        "externalVolumeMounts": ["vol-1"],
        "title": "churn.pipeline / churn.train [run run-1, attempt 1]",
        "environmentRevisionSpec": "ActiveRevision",
    }
    mocked.post(
        f"{HOST}/v4/jobs/start",
        match=[
            matchers.json_params_matcher(expected),
            matchers.header_matcher({"X-Domino-Api-Key": KEY}),
        ],
        json={"id": "job-1", "number": 7},
    )
    started = backend.start(
        spec(
            HardwareTierName="Small",
            EnvironmentName="Python 3.11",
            MainRepoGitRef=GitRef("branches", "main"),
            ExternalVolumeMountIds=["vol-1"],
            EnvironmentRevisionSpec=EnvironmentRevisionSpecification("ActiveRevision"),
        ),
        f"{STAGING}@c0ffee",
    )
    assert started.to_dict() == {
        "backend": "domino",
        "job_id": "job-1",
        "run_id": "run-1",
        "task": "churn.train",
        "url": f"{HOST}/jobs/alice/churn/job-1",
        "details": {
            "project": "alice/churn",
            "staging": STAGING,
            "input_commit": "c0ffee",
            "job_number": "7",
        },
    }


def test_omitted_ids_are_sent_as_null_for_project_defaults(mocked, backend):
    mocked.post(f"{HOST}/v4/jobs/start", json={"id": "job-1"})
    backend.start(spec(), f"{STAGING}@c1")
    body = json.loads(mocked.calls[-1].request.body)
    assert body["overrideHardwareTierId"] is None and body["environmentId"] is None
    assert "environmentRevisionSpec" not in body
    assert not any("hardwareTiers" in call.request.url for call in mocked.calls)


def test_fields_the_start_cannot_carry_are_named_in_a_warning(mocked, backend, caplog):
    from domino_flows.config import DatasetSnapshot

    mocked.post(f"{HOST}/v4/jobs/start", json={"id": "job-1"})
    with caplog.at_level(logging.WARNING, logger="domino_flows.backends.domino"):
        backend.start(
            spec(CommitId="abc", DatasetSnapshots=[DatasetSnapshot(Name="d")], VolumeSizeGiB=5),
            f"{STAGING}@c1",
        )
    assert "CommitId 'abc'" in caplog.text
    assert "DatasetSnapshots" in caplog.text and "VolumeSizeGiB" in caplog.text


def test_a_lost_start_adopts_the_job_it_created(mocked, backend):
    mocked.post(f"{HOST}/v4/jobs/start", body=requests.ConnectionError("connection dropped"))
    mocked.get(
        f"{HOST}/v1/projects/alice/churn/runs",
        json={"data": [{"id": "other", "commitId": "c0"}, {"id": "job-9", "commitId": "c1"}]},
    )
    started = backend.start(spec(), f"{STAGING}@c1")
    assert started.job_id == "job-9"
    posts = [c for c in mocked.calls if c.request.method == "POST"]
    assert len(posts) == 1


def test_a_start_that_made_no_job_is_sent_again(mocked, backend, sleeps):
    mocked.post(f"{HOST}/v4/jobs/start", body=requests.ConnectionError("refused"))
    mocked.post(f"{HOST}/v4/jobs/start", json={"id": "job-2"})
    mocked.get(f"{HOST}/v1/projects/alice/churn/runs", json={"data": []})
    assert backend.start(spec(), f"{STAGING}@c1").job_id == "job-2"
    assert len([c for c in mocked.calls if c.request.method == "POST"]) == 2
    assert sleeps == [1.0]


def test_a_lost_start_that_cannot_be_checked_is_not_repeated(mocked, backend):
    mocked.post(f"{HOST}/v4/jobs/start", body=requests.ConnectionError("connection dropped"))
    mocked.get(f"{HOST}/v1/projects/alice/churn/runs", status=503)
    with pytest.raises(DominoApiError) as caught:
        backend.start(spec(), f"{STAGING}@c1")
    assert "Check the project's Jobs page" in str(caught.value)
    assert len([c for c in mocked.calls if c.request.method == "POST"]) == 1


def test_a_refused_start_is_not_retried_and_says_why(mocked, backend):
    mocked.post(f"{HOST}/v4/jobs/start", status=400, json={"message": "hardware tier is archived"})
    with pytest.raises(DominoApiError) as caught:
        backend.start(spec(), f"{STAGING}@c1")
    message = str(caught.value)
    assert "POST /v4/jobs/start" in message and "HTTP 400" in message
    assert "hardware tier is archived" in message
    assert len([c for c in mocked.calls if c.request.method == "POST"]) == 1


def test_a_start_after_429_waits_for_retry_after_without_looking_for_a_job(mocked, backend, sleeps):
    mocked.post(f"{HOST}/v4/jobs/start", status=429, headers={"Retry-After": "7"})
    mocked.post(f"{HOST}/v4/jobs/start", json={"id": "job-3"})
    assert backend.start(spec(), f"{STAGING}@c1").job_id == "job-3"
    assert sleeps == [7.0]
    assert not any("/runs" in c.request.url for c in mocked.calls)


def test_a_bad_staging_reference_is_refused():
    with pytest.raises(ConfigurationError, match="staging reference"):
        parse_staging("somewhere/else")
    assert parse_staging(f"{STAGING}@abc") == (STAGING, "abc")
    assert staging_path(spec()) == STAGING


# --- uploads ------------------------------------------------------------------------------------


def test_staging_uploads_inputs_manifest_and_bootstrap(mocked, backend):
    uploads = {}

    def record(request):
        uploads[request.path_url] = request.body
        return (201, {}, json.dumps({"path": request.path_url}))

    mocked.add_callback(
        responses.PUT, re.compile(rf"{HOST}/v1/projects/alice/churn/.*"), callback=record
    )
    mocked.get(f"{HOST}/v1/projects/alice/churn/commits", json=[{"id": "c2"}, {"id": "c1"}])
    job = JobSpec(
        run_id="run-1",
        flow="f",
        task="churn.train",
        config=DominoJobConfig(Command="python train.py"),
        input_types={"rows": int, "names": list[str], "empty": list[int]},
        output_types={"accuracy": float},
    )
    reference = backend.stage_inputs(job, {"rows": 3, "names": ["a", "b"], "empty": []})
    assert reference == f"{STAGING}@c2"
    base = f"/v1/projects/alice/churn/{STAGING}"
    assert set(uploads) == {
        f"{base}/bootstrap.py",
        f"{base}/job.json",
        f"{base}/inputs/rows",
        f"{base}/inputs/names/0",
        f"{base}/inputs/names/1",
        f"{base}/inputs/empty/.keep",
    }
    assert uploads[f"{base}/inputs/rows"] == b"3"
    assert uploads[f"{base}/inputs/names/1"] == b"b"
    assert json.loads(uploads[f"{base}/job.json"]) == {
        "command": "python train.py",
        "outputs": {"accuracy": "float"},
        "staging": STAGING,
        "task": "churn.train",
    }
    assert b"import json" in uploads[f"{base}/bootstrap.py"]
    for body in uploads.values():
        assert KEY.encode() not in (body or b"")


def test_a_commit_id_in_the_upload_answer_is_used(mocked, backend):
    mocked.put(re.compile(rf"{HOST}/v1/projects/.*"), json={"commitId": "from-upload"})
    assert backend.stage_inputs(spec(), {"rows": 1}).endswith("@from-upload")
    assert not any(c.request.url.endswith("/commits") for c in mocked.calls)


# --- status, retries ----------------------------------------------------------------------------


def test_status_retries_server_errors_with_growing_jittered_waits(mocked, backend, sleeps):
    mocked.get(JOB_URL, status=503)
    mocked.get(JOB_URL, status=502)
    mocked.get(JOB_URL, json=job_json("Running"))
    assert backend.status(handle()) == JobStatus(JobState.RUNNING, "Running")
    assert sleeps == [1.0, 2.0]


def test_retry_after_is_honoured(mocked, backend, sleeps):
    mocked.get(JOB_URL, status=429, headers={"Retry-After": "7"})
    mocked.get(JOB_URL, json=job_json("Queued"))
    assert backend.status(handle()).state is JobState.QUEUED
    assert sleeps == [7.0]


def test_retries_are_bounded_and_the_error_names_the_endpoint(mocked, backend, sleeps):
    mocked.get(JOB_URL, status=503)
    with pytest.raises(DominoApiError) as caught:
        backend.status(handle())
    message = str(caught.value)
    assert message.startswith("Domino answered GET /v4/jobs/{id} with HTTP 503 after 4 attempts")
    assert HOST not in message and KEY not in message
    assert len(sleeps) == 3


def test_client_errors_are_not_retried(mocked, backend, sleeps):
    mocked.get(JOB_URL, status=404, json={"message": "no such job"})
    with pytest.raises(DominoApiError, match="HTTP 404"):
        backend.status(handle())
    assert sleeps == []


def test_a_failed_job_shows_its_error_file_and_log_tail(mocked, backend):
    mocked.get(JOB_URL, json=job_json("Failed", "out-9"))
    mocked.get(
        f"{HOST}/api/projects/v1/projects/{PROJECT_ID}/files/out-9/{STAGING}/outputs/_ERROR/content",
        body=b"ValueError: rows must be positive",
    )
    log = "\n".join(f"line {i}" for i in range(100))
    mocked.get(f"{HOST}/v1/projects/alice/churn/run/job-1/stdout", json={"stdout": log})
    status = backend.status(handle())
    assert status.state is JobState.FAILED
    assert "Domino job #7 job-1 ended Failed" in status.message
    assert "_ERROR: ValueError: rows must be positive" in status.message
    assert "line 99" in status.message and "line 69" not in status.message


def test_stop_posts_the_pinned_payload(mocked, backend):
    mocked.get(JOB_URL, json=job_json("Running"))
    mocked.post(
        f"{HOST}/v4/jobs/stop",
        match=[
            matchers.json_params_matcher(
                {"projectId": PROJECT_ID, "jobId": "job-1", "commitResults": True}
            )
        ],
        json={},
    )
    backend.stop(handle())
    assert [c.request.method for c in mocked.calls].count("POST") == 1


def test_stopping_a_finished_job_does_nothing(mocked, backend):
    mocked.get(JOB_URL, json=job_json("Succeeded"))
    backend.stop(handle())
    assert not any(c.request.method == "POST" for c in mocked.calls)


def test_outputs_are_read_from_the_output_commit(mocked, backend, tmp_path):
    mocked.get(JOB_URL, json=job_json("Succeeded", "out-1"))
    mocked.get(
        f"{HOST}/v1/projects/alice/churn/files/out-1/{STAGING}/outputs",
        json={"data": [{"path": f"{STAGING}/outputs/accuracy", "isDir": False}]},
    )
    mocked.get(
        f"{HOST}/api/projects/v1/projects/{PROJECT_ID}/files/out-1/{STAGING}/outputs/accuracy/content",
        body=b"0.93",
    )
    assert backend.collect_outputs(handle(), spec()) == {"accuracy": 0.93}
    assert (tmp_path / ".domino-flows/domino-outputs/run-1/churn.train/1/accuracy").is_file()


# --- status table, polling ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "completed", "state"),
    [
        ("Queued", False, JobState.QUEUED),
        ("Pending", False, JobState.PENDING),
        ("Preparing", False, JobState.PENDING),
        ("Running", False, JobState.RUNNING),
        ("Succeeded", True, JobState.SUCCEEDED),
        ("Failed", True, JobState.FAILED),
        ("Error", True, JobState.ERROR),
        ("Stopped", True, JobState.STOPPED),
        ("SomethingNew", False, JobState.PENDING),
        ("SomethingNew", True, JobState.ERROR),
    ],
)
def test_statuses_map_explicitly(status, completed, state):
    assert map_status(status, completed) is state


def test_polling_backs_off_with_jitter_up_to_a_cap():
    policy = PollPolicy(initial=1.0, factor=2.0, max_interval=10.0, random=lambda: 1.0)
    assert [policy.interval(n) for n in range(1, 7)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    low = PollPolicy(initial=1.0, factor=2.0, max_interval=10.0, random=lambda: 0.0)
    assert low.interval(3) == 3.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_waiting_polls_on_a_backed_off_schedule_until_terminal():
    clock = FakeClock()
    states = iter([JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED])
    polls: list[float] = []

    def get_status() -> JobStatus:
        polls.append(clock.now)
        return JobStatus(next(states))

    policy = PollPolicy(
        initial=1.0, factor=2.0, sleep=clock.sleep, random=lambda: 1.0, clock=lambda: clock.now
    )
    final = JobPoller(policy).wait("job", get_status)
    assert final.state is JobState.SUCCEEDED
    assert polls == [0.0, 1.0, 3.0]


def test_short_waits_keep_the_schedule_and_return_the_last_status():
    clock = FakeClock()
    polls: list[float] = []

    def get_status() -> JobStatus:
        polls.append(clock.now)
        return JobStatus(JobState.RUNNING)

    policy = PollPolicy(
        initial=1.0, factor=2.0, sleep=clock.sleep, random=lambda: 1.0, clock=lambda: clock.now
    )
    poller = JobPoller(policy)
    for _ in range(20):  # the runner waits half a second at a time
        assert poller.wait("job", get_status, timeout=0.5).state is JobState.RUNNING
    assert clock.now == 10.0
    assert polls == [0.0, 1.0, 3.0, 7.0]  # not every half second


# --- credentials, host, project -----------------------------------------------------------------


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


def test_project_settings_objects_are_accepted(tmp_path):
    settings = SimpleNamespace(domino=SimpleNamespace(project="alice/churn", host=HOST))
    backend = DominoBackend(tmp_path, settings, credentials=DominoCredentials(api_key=KEY))
    assert (backend.project, backend.host) == ("alice/churn", HOST)
    assert KEY not in repr(backend)


def test_constructing_the_client_keeps_root_logging(mocked, backend):
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    backend.client  # noqa: B018
    assert (list(root.handlers), root.level) == before


def test_expired_credentials_are_reported_without_retrying(mocked, backend, sleeps):
    mocked.get(JOB_URL, status=409, body="relogin")
    with pytest.raises(DominoApiError, match="credentials expired"):
        backend.status(handle())
    assert sleeps == []
