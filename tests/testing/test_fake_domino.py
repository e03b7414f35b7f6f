"""The fake Domino server itself: routes, auth, commits, jobs and fault injection, through
plain ``requests`` and through python-domino's client."""

from __future__ import annotations

import os
import time

import pytest
import requests

from domino_flows.backends.domino_client import root_logging_preserved
from domino_flows.testing import FakeDomino

pytest_plugins = ["domino_flows.testing.fixtures"]


def api(fake: FakeDomino, method: str, path: str, **kwargs) -> requests.Response:
    headers = {"X-Domino-Api-Key": fake.api_key, **kwargs.pop("headers", {})}
    return requests.request(method, fake.url + path, headers=headers, timeout=10, **kwargs)


def start_job(fake: FakeDomino, command: str, **extra) -> str:
    body = {"projectId": fake.project_id, "commandToRun": command, "title": "t", **extra}
    response = api(fake, "POST", "/v4/jobs/start", json=body)
    assert response.status_code == 200, response.text
    return response.json()["id"]


def wait_done(fake: FakeDomino, job_id: str) -> dict:
    fake.jobs[job_id].done.wait(20)
    return api(fake, "GET", f"/v4/jobs/{job_id}").json()


def test_requests_need_the_api_key(fake_domino):
    assert requests.get(fake_domino.url + "/version", timeout=5).status_code == 401
    wrong = {"X-Domino-Api-Key": "nope"}
    assert requests.get(fake_domino.url + "/version", headers=wrong, timeout=5).status_code == 401
    bearer = {"Authorization": f"Bearer {fake_domino.api_key}"}
    response = requests.get(fake_domino.url + "/version", headers=bearer, timeout=5)
    assert response.json()["version"] == "5.11.0"
    assert api(fake_domino, "GET", "/v4/nothing/here").status_code == 404


def test_python_dominos_client_talks_to_it(fake_domino):
    from domino import Domino

    with root_logging_preserved():
        client = Domino(fake_domino.project, api_key=fake_domino.api_key, host=fake_domino.url)
    assert client.project_id == fake_domino.project_id
    tiers = {t["hardwareTier"]["name"] for t in client.hardware_tiers_list()}
    assert tiers == {"Small", "Medium", "Large"}
    assert {e["name"] for e in client.environments_list()["data"]} >= {"Python 3.11"}
    client.files_upload("/notes/a.txt", b"hello")
    head = client.commits_list()[0]["id"]
    listed = client.files_list(head, "notes")["data"]
    assert [(e["path"], e["isDir"]) for e in listed] == [("notes/a.txt", False)]
    content = client.blobs_get_v2("notes/a.txt", head, client.project_id).read()
    assert content == b"hello"
    job = client.job_start(command="echo from-job; echo x > made.txt", commit_id=None)
    fake_domino.jobs[job["id"]].done.wait(20)
    status = client.job_status(job["id"])
    assert status["statuses"]["executionStatus"] == "Succeeded"
    assert "from-job" in client.runs_stdout(job["id"])
    output = status["commitDetails"]["outputCommitId"]
    assert fake_domino.read_file("made.txt", output) == b"x\n"
    assert any(run["id"] == job["id"] for run in client.runs_list()["data"])
    assert client.jobs_list(fake_domino.project_id)["jobs"][0]["id"] == job["id"]


def test_every_commit_is_a_snapshot(fake_domino):
    first = fake_domino.add_files({"a.txt": "1"})
    second = fake_domino.add_files({"a.txt": "2", "b/c.txt": "3"})
    assert fake_domino.read_file("a.txt", first) == b"1"
    assert fake_domino.read_file("a.txt", second) == b"2"
    assert not (fake_domino.tree(first) / "b").exists()
    commits = api(fake_domino, "GET", f"/v1/projects/{fake_domino.project}/commits").json()
    assert [c["id"] for c in commits[:2]] == [second, first]


def test_a_job_runs_at_its_commit_and_commits_what_it_changed(fake_domino):
    start = fake_domino.add_files({"data.txt": "old"})
    fake_domino.add_files({"other.txt": "uploaded meanwhile"})
    job_id = start_job(
        fake_domino, "cat data.txt > seen.txt; echo new > data.txt; pwd", commitId=start
    )
    job = wait_done(fake_domino, job_id)
    assert job["statuses"] == {
        "isCompleted": True,
        "executionStatus": "Succeeded",
        "isArchived": False,
        "isScheduled": False,
    }
    output = job["commitDetails"]["outputCommitId"]
    assert job["commitDetails"]["inputCommitId"] == start
    assert fake_domino.read_file("seen.txt", output) == b"old"
    assert fake_domino.read_file("data.txt", output) == b"new\n"
    assert fake_domino.read_file("other.txt", output) == b"uploaded meanwhile"
    assert fake_domino.read_file("data.txt", start) == b"old"


def test_jobs_do_not_see_the_api_key(fake_domino, monkeypatch):
    monkeypatch.setenv("DOMINO_USER_API_KEY", fake_domino.api_key)
    job = wait_done(fake_domino, start_job(fake_domino, "env > env.txt"))
    dumped = fake_domino.read_file("env.txt", job["commitDetails"]["outputCommitId"])
    assert fake_domino.api_key.encode() not in dumped
    assert b"DOMINO_PROJECT_NAME=flows" in dumped


def test_a_failing_command_fails_the_job(fake_domino):
    job = wait_done(fake_domino, start_job(fake_domino, "exit 5"))
    assert job["statuses"]["executionStatus"] == "Failed"
    assert fake_domino.jobs[job["id"]].exit_code == 5


def test_unknown_tiers_environments_and_commits_are_refused(fake_domino):
    for extra in ({"overrideHardwareTierId": "x"}, {"environmentId": "x"}, {"commitId": "x"}):
        body = {"projectId": fake_domino.project_id, "commandToRun": "true", **extra}
        assert api(fake_domino, "POST", "/v4/jobs/start", json=body).status_code == 400
    assert fake_domino.job_count == 0


def test_faults_fail_the_next_calls_then_clear(fake_domino):
    fake_domino.fail_next("version", times=2, status=503, retry_after=3)
    first = api(fake_domino, "GET", "/version")
    assert (first.status_code, first.headers["Retry-After"]) == (503, "3")
    assert api(fake_domino, "GET", "/version").status_code == 503
    assert api(fake_domino, "GET", "/version").status_code == 200
    assert fake_domino.count("version") == 3


def test_a_dropped_start_after_acting_leaves_a_job(fake_domino):
    fake_domino.drop_next("job_start", after_acting=True)
    body = {"projectId": fake_domino.project_id, "commandToRun": "true"}
    with pytest.raises(requests.ConnectionError):
        api(fake_domino, "POST", "/v4/jobs/start", json=body)
    assert fake_domino.job_count == 1
    fake_domino.drop_next("job_start", after_acting=False)
    with pytest.raises(requests.ConnectionError):
        api(fake_domino, "POST", "/v4/jobs/start", json=body)
    assert fake_domino.job_count == 1


@pytest.mark.parametrize("end", ["Stopped", "Error"])
def test_the_next_job_can_be_made_to_end_stopped_or_error(fake_domino, end):
    fake_domino.end_next_job_as(end)
    job = wait_done(fake_domino, start_job(fake_domino, "sleep 10"))
    assert job["statuses"]["executionStatus"] == end
    log = api(fake_domino, "GET", f"/v1/projects/{fake_domino.project}/run/{job['id']}/stdout")
    assert "[fake-domino]" in log.json()["stdout"]
    assert wait_done(fake_domino, start_job(fake_domino, "true"))["statuses"][
        "executionStatus"
    ] == ("Succeeded")


def test_stop_ends_a_running_job(fake_domino):
    job_id = start_job(fake_domino, "sleep 30")
    deadline = time.monotonic() + 10
    while fake_domino.jobs[job_id].status != "Running" and time.monotonic() < deadline:
        time.sleep(0.02)
    started = time.monotonic()
    body = {"projectId": fake_domino.project_id, "jobId": job_id, "commitResults": True}
    assert api(fake_domino, "POST", "/v4/jobs/stop", json=body).status_code == 200
    assert wait_done(fake_domino, job_id)["statuses"]["executionStatus"] == "Stopped"
    assert time.monotonic() - started < 5
    assert api(fake_domino, "POST", "/v4/jobs/stop", json=body).status_code == 200


def test_domino_env_points_the_environment_at_the_fake(domino_env):
    assert os.environ["DOMINO_API_HOST"] == domino_env.url
    assert os.environ["DOMINO_USER_API_KEY"] == domino_env.api_key
    assert os.environ["DOMINO_PROJECT_OWNER"] == "alice"
    assert os.environ["DOMINO_PROJECT_NAME"] == "flows"
    assert "DOMINO_TOKEN_FILE" not in os.environ


def test_configurable_tiers_and_environments(tmp_path):
    with FakeDomino(
        tmp_path, hardware_tiers={"Tiny": "t1"}, environments={"R": "r1"}, owner="bob"
    ) as fake:
        tiers = api(fake, "GET", f"/v4/projects/{fake.project_id}/hardwareTiers").json()
        assert tiers == [{"hardwareTier": {"id": "t1", "name": "Tiny", "isDefault": True}}]
        found = api(
            fake,
            "GET",
            "/v4/gateway/projects/findProjectByOwnerAndName",
            params={"ownerName": "bob", "projectName": "flows"},
        )
        assert found.json()["id"] == fake.project_id
