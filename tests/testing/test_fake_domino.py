"""The fake Domino server itself: routes and checks from Domino's published API description,
auth, commits, both project layouts, jobs and fault injection, through plain ``requests`` and
through python-domino's client."""

from __future__ import annotations

import os
import time
from urllib.parse import quote

import pytest
import requests

from domino_flows.backends.domino_client import root_logging_preserved
from domino_flows.testing import DEFAULT_ENVIRONMENTS, FakeDomino
from domino_flows.testing.fake_domino_schema import LEGACY_ROUTES

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


def content(fake: FakeDomino, commit: str, path: str) -> requests.Response:
    route = f"/api/projects/v1/projects/{fake.project_id}/files/{commit}/{quote(path, safe='')}"
    return api(fake, "GET", route + "/content")


def test_requests_need_the_api_key(fake_domino):
    assert requests.get(fake_domino.url + "/version", timeout=5).status_code == 401
    wrong = {"X-Domino-Api-Key": "nope"}
    assert requests.get(fake_domino.url + "/version", headers=wrong, timeout=5).status_code == 401
    bearer = {"Authorization": f"Bearer {fake_domino.api_key}"}
    response = requests.get(fake_domino.url + "/version", headers=bearer, timeout=5)
    assert response.json()["version"] == "5.11.0"


def test_routes_domino_lacks_are_404s_and_legacy_ones_are_marked(fake_domino):
    for method, path in (("GET", "/v4/nothing/here"), ("POST", "/v4/jobs"), ("GET", "/v2/jobs")):
        answer = api(fake_domino, method, path)
        assert answer.status_code == 404 and "Domino has no route" in answer.json()["message"]
    # python-domino's own unpublished routes are served, each with the method that needs it
    for _method, _pattern, name, why in LEGACY_ROUTES:
        assert "python-domino" in why, name
    assert api(fake_domino, "GET", f"/v1/projects/{fake_domino.project}/runs").status_code == 200
    assert fake_domino.legacy_calls == [("GET", "runs_v1")]


def test_a_request_domino_would_refuse_is_a_400_naming_what_was_wrong(fake_domino):
    body = {
        "projectId": fake_domino.project_id,
        "commandToRun": "true",
        "computeClusterProperties": {
            "clusterType": "Spark",
            "computeEnvironmentId": DEFAULT_ENVIRONMENTS["Python 3.11"],
            "workerCount": 1,
            "workerHardwareTierId": {"value": "small-k8s"},
            "workerStorage": {"value": 10},
        },
    }
    answer = api(fake_domino, "POST", "/v4/jobs/start", json=body)
    assert answer.status_code == 400
    message = answer.json()["message"]
    assert "startJob (POST /v4/jobs/start)" in message
    assert "body['computeClusterProperties']['workerStorage']: 'unit' is a required property" in (
        message
    )
    assert fake_domino.job_count == 0
    # a query without a required parameter, and one Domino does not read
    assert api(fake_domino, "GET", "/v4/jobs").status_code == 400
    listing = {"projectId": fake_domino.project_id, "newest": "1"}
    assert api(fake_domino, "GET", "/v4/jobs", params=listing).status_code == 400
    with pytest.raises(AssertionError) as caught:
        fake_domino.assert_valid()
    report = str(caught.value)
    assert "POST /v4/jobs/start: body['computeClusterProperties']['workerStorage']" in report
    assert "query parameter 'projectId' is required" in report
    assert "query parameter 'newest' is not one Domino reads" in report
    fake_domino.violations.clear()  # this test sent them on purpose


def test_answers_match_the_published_schemas(fake_domino):
    job_id = start_job(fake_domino, "true")
    wait_done(fake_domino, job_id)
    pid = fake_domino.project_id
    for path, params in [
        (
            "/v4/gateway/projects/findProjectByOwnerAndName",
            {"ownerName": "alice", "projectName": "flows"},
        ),
        (f"/v4/projects/{pid}/hardwareTiers", None),
        (f"/v4/projects/{pid}/useableEnvironments", None),
        (f"/v4/projects/{pid}/commits/head", None),
        ("/v4/jobs", {"projectId": pid, "page_size": 10, "page_no": 1}),
        (f"/v4/jobs/{job_id}", None),
        (f"/api/jobs/beta/jobs/{job_id}/logs", {"limit": 5}),
        ("/api/datasetrw/v1/datasets", {"projectId": pid}),
    ]:
        assert api(fake_domino, "GET", path, params=params).status_code == 200, path
    assert fake_domino.violations == []  # the fixture checks this too, at teardown


def test_python_dominos_client_talks_to_it(fake_domino):
    from domino import Domino

    with root_logging_preserved():
        client = Domino(fake_domino.project, api_key=fake_domino.api_key, host=fake_domino.url)
    assert client.project_id == fake_domino.project_id
    tiers = {t["hardwareTier"]["name"] for t in client.hardware_tiers_list()}
    assert tiers == {"Small", "Medium", "Large"}
    # (python-domino sends a nested path unencoded, where the description asks for %2F: the
    # domino backend encodes it, see test_uploads_are_commits_and_every_commit_is_a_snapshot)
    assert {e["name"] for e in client.environments_list()["data"]} >= {"Python 3.11"}
    client.files_upload("/notes/a.txt", b"hello")
    head = client.commits_list()[0]["id"]
    listed = client.files_list(head, "notes")["data"]
    assert [(e["path"], e["isDir"]) for e in listed] == [("notes/a.txt", False)]
    commit = fake_domino.add_files({"a.txt": "hello"})
    assert client.blobs_get_v2("a.txt", commit, client.project_id).read() == b"hello"
    job_id = start_job(fake_domino, "echo from-job")
    fake_domino.jobs[job_id].done.wait(20)
    assert client.job_status(job_id)["statuses"]["executionStatus"] == "Succeeded"
    assert "from-job" in client.runs_stdout(job_id)
    assert any(run["id"] == job_id for run in client.runs_list()["data"])
    assert client.jobs_list(fake_domino.project_id)["jobs"][0]["id"] == job_id
    assert {route for _, route in fake_domino.legacy_calls} == {
        "version",
        "environments_v1",
        "upload_v1",
        "commits_v1",
        "files_list_v1",
        "stdout_v1",
        "runs_v1",
    }


def test_uploads_are_commits_and_every_commit_is_a_snapshot(fake_domino):
    first = fake_domino.add_files({"a.txt": "1"})
    route = f"/v4/projects/{fake_domino.project_id}/commits/head/files/{quote('b/c.txt', safe='')}"
    uploaded = api(fake_domino, "POST", route, files={"upfile": ("c.txt", b"3")})
    assert uploaded.status_code == 201 and uploaded.json()["path"] == "b/c.txt"
    second = fake_domino.head
    assert fake_domino.read_file("a.txt", second) == b"1"
    assert not (fake_domino.tree(first) / "b").exists()
    assert content(fake_domino, second, "b/c.txt").content == b"3"
    assert content(fake_domino, first, "b/c.txt").status_code == 404
    commits = api(fake_domino, "GET", f"/v4/projects/{fake_domino.project_id}/commits").json()
    assert [c["id"] for c in commits[:2]] == [second, first]


def test_a_job_runs_at_its_commit_and_commits_what_it_changed_or_deleted(fake_domino):
    start = fake_domino.add_files({"data.txt": "old", "gone.txt": "x"})
    fake_domino.add_files({"other.txt": "uploaded meanwhile"})
    job_id = start_job(
        fake_domino, "cat data.txt > seen.txt; echo new > data.txt; rm gone.txt", commitId=start
    )
    job = wait_done(fake_domino, job_id)
    assert job["statuses"]["executionStatus"] == "Succeeded"
    output = job["commitDetails"]["outputCommitId"]
    assert job["commitDetails"]["inputCommitId"] == start
    assert fake_domino.read_file("seen.txt", output) == b"old"
    assert fake_domino.read_file("data.txt", output) == b"new\n"
    assert fake_domino.read_file("other.txt", output) == b"uploaded meanwhile"
    assert not (fake_domino.tree(output) / "gone.txt").exists()
    assert fake_domino.read_file("data.txt", start) == b"old"


def test_a_dfs_job_starts_in_mnt_with_the_project_files(fake_domino):
    fake_domino.add_files({"data.txt": "dfs"})
    job = wait_done(
        fake_domino, start_job(fake_domino, "cat data.txt > a.txt; cat /mnt/data.txt > b.txt")
    )
    output = job["commitDetails"]["outputCommitId"]
    assert fake_domino.read_file("a.txt", output) == fake_domino.read_file("b.txt", output)
    assert fake_domino.read_file("a.txt", output) == b"dfs"


def test_a_git_based_job_starts_in_the_repository_and_finds_files_in_artifacts(
    fake_domino_git, tmp_path
):
    fake = fake_domino_git
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "train.sh").write_text('echo trained > "$1"\n')
    fake.add_tree(tmp_path / "code")
    fake.add_files({"data.txt": "in project files"})
    project = api(
        fake,
        "GET",
        "/v4/gateway/projects/findProjectByOwnerAndName",
        params={"ownerName": "alice", "projectName": "flows"},
    ).json()
    assert project["mainRepository"]["serviceProvider"] == "github"
    job_id = start_job(
        fake,
        "pwd > /mnt/artifacts/cwd.txt; sh train.sh /mnt/artifacts/result.txt; "
        "cat data.txt > /mnt/artifacts/relative.txt 2>/dev/null "
        "|| echo no > /mnt/artifacts/relative.txt; "
        "cat /mnt/artifacts/data.txt > /mnt/artifacts/absolute.txt",
    )
    output = wait_done(fake, job_id)["commitDetails"]["outputCommitId"]
    assert fake.read_file("cwd.txt", output).decode().strip().endswith("/mnt/code")
    assert fake.read_file("result.txt", output) == b"trained\n"
    assert fake.read_file("relative.txt", output) == b"no\n"  # not visible by a relative path
    assert fake.read_file("absolute.txt", output) == b"in project files"
    assert not (fake.tree(output) / "train.sh").exists()  # the repository is not project files


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
    unknown_environment = "0123456789abcdef01234567"
    for extra in (
        {"overrideHardwareTierId": "x"},
        {"environmentId": unknown_environment},
        {"commitId": "x"},
    ):
        body = {"projectId": fake_domino.project_id, "commandToRun": "true", **extra}
        assert api(fake_domino, "POST", "/v4/jobs/start", json=body).status_code == 400
    assert fake_domino.job_count == 0
    assert fake_domino.violations == []  # valid requests, refused for what they name


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


def test_a_slow_answer_acts_first(fake_domino):
    fake_domino.slow_next("job_start", seconds=0.5)
    body = {"projectId": fake_domino.project_id, "commandToRun": "true"}
    with pytest.raises(requests.Timeout):
        requests.post(
            fake_domino.url + "/v4/jobs/start",
            json=body,
            headers={"X-Domino-Api-Key": fake_domino.api_key},
            timeout=(5, 0.1),
        )
    assert fake_domino.job_count == 1


def test_chaos_faults_a_reproducible_share_of_requests(tmp_path):
    def outcomes(seed: int) -> list[int | str]:
        with FakeDomino(tmp_path / str(seed) / f"{time.monotonic_ns()}") as fake:
            fake.chaos(seed, rate=0.5, kinds=("503", "429", "drop_before"))
            seen: list[int | str] = []
            for _ in range(40):
                try:
                    seen.append(
                        api(fake, "GET", f"/v4/projects/{fake.project_id}/commits/head").status_code
                    )
                except requests.ConnectionError:
                    seen.append("dropped")
            return seen

    first = outcomes(7)
    assert first == outcomes(7)
    faulted = sum(1 for outcome in first if outcome != 200)
    assert 10 <= faulted <= 30
    assert {503, 429, "dropped"} <= set(first)


@pytest.mark.parametrize("end", ["Stopped", "Error"])
def test_the_next_job_can_be_made_to_end_stopped_or_error(fake_domino, end):
    fake_domino.end_next_job_as(end)
    job = wait_done(fake_domino, start_job(fake_domino, "sleep 10"))
    assert job["statuses"]["executionStatus"] == end
    log = api(fake_domino, "GET", f"/api/jobs/beta/jobs/{job['id']}/logs").json()
    assert any("[fake-domino]" in line["log"] for line in log["logs"]["logContent"])
    assert wait_done(fake_domino, start_job(fake_domino, "true"))["statuses"][
        "executionStatus"
    ] == ("Succeeded")


def test_stop_ends_a_running_job(fake_domino):
    job_id = start_job(fake_domino, "sleep 30")
    deadline = time.monotonic() + 10
    while fake_domino.jobs[job_id].status != "Running" and time.monotonic() < deadline:
        time.sleep(0.02)
    body = {"jobId": job_id, "commitResults": True}
    assert api(fake_domino, "POST", "/v4/jobs/stop", json=body).status_code == 200
    # Stopped, not Succeeded: the 30 s sleep was cut short.
    assert wait_done(fake_domino, job_id)["statuses"]["executionStatus"] == "Stopped"
    assert api(fake_domino, "POST", "/v4/jobs/stop", json=body).status_code == 200


def test_domino_env_points_the_environment_at_the_fake(domino_env):
    assert os.environ["DOMINO_API_HOST"] == domino_env.url
    assert os.environ["DOMINO_USER_API_KEY"] == domino_env.api_key
    assert os.environ["DOMINO_PROJECT_OWNER"] == "alice"
    assert os.environ["DOMINO_PROJECT_NAME"] == "flows"
    assert "DOMINO_TOKEN_FILE" not in os.environ


def test_configurable_tiers_environments_and_datasets(tmp_path):
    with FakeDomino(
        tmp_path, hardware_tiers={"Tiny": "t1"}, environments={"R": "ab" * 12}, owner="bob"
    ) as fake:
        dataset = fake.add_dataset("claims")
        tiers = api(fake, "GET", f"/v4/projects/{fake.project_id}/hardwareTiers").json()
        assert [(t["hardwareTier"]["id"], t["hardwareTier"]["name"]) for t in tiers] == [
            ("t1", "Tiny")
        ]
        found = api(
            fake,
            "GET",
            "/v4/gateway/projects/findProjectByOwnerAndName",
            params={"ownerName": "bob", "projectName": "flows"},
        )
        assert found.json()["id"] == fake.project_id
        assert "mainRepository" not in found.json()  # a DFS project
        datasets = api(fake, "GET", "/api/datasetrw/v1/datasets").json()["datasets"]
        assert [(d["id"], d["name"]) for d in datasets] == [(dataset, "claims")]
        fake.assert_valid()


def test_without_the_testing_extra_the_import_says_what_to_install(monkeypatch):
    import importlib
    import sys

    for name in [n for n in sys.modules if n.startswith("domino_flows.testing")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "openapi_schema_validator", None)  # as if not installed
    with pytest.raises(ModuleNotFoundError) as raised:
        importlib.import_module("domino_flows.testing")
    assert raised.value.name == "openapi_schema_validator"
    assert 'pip install "domino-flows[testing]"' in str(raised.value)
