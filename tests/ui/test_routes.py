"""The pages of `domino-flows ui`, requested in process."""

import json
import re

import pytest
from ui_store import cached_run, job_log, pipeline_run, project_store

pytest.importorskip("starlette", reason="the [ui] extra is not installed")

CANARY = "canary-key-7f3e9a"


def test_the_runs_page_lists_runs_newest_first_with_relative_links(client, root):
    pipeline_run(root, "r1")
    store = pipeline_run(root, "r2", running=True)
    store.start_run("r3", "other.flow", "local")
    store.finish_run("r3", "Failed", "boom")
    page = client.get("/")
    assert page.status_code == 200
    assert re.findall(r'href="(run\?id=[^"]+)"', page.text) == [
        "run?id=r3",
        "run?id=r2",
        "run?id=r1",
    ]
    assert not re.search(r'(href|src|action)="/', page.text)  # works under any path prefix
    assert "abc1234def" in page.text and "pipeline.training" in page.text
    filtered = client.get("/", params={"flow": "other.flow"}).text
    assert "run?id=r3" in filtered and "run?id=r1" not in filtered
    assert "run?id=r3" not in client.get("/", params={"state": "Succeeded"}).text


def test_a_store_with_no_runs_says_how_to_start_one(client):
    page = client.get("/")
    assert page.status_code == 200 and "domino-flows run FILE WORKFLOW" in page.text


def test_the_run_page_draws_the_graph_with_states_and_polls_while_running(client, root):
    store = pipeline_run(root, "r1", running=True)
    page = client.get("/run", params={"id": "r1"})
    assert page.status_code == 200
    assert 'class="node running" data-node="n1"' in page.text
    assert 'class="node waiting" data-node="n2"' in page.text
    assert 'data-live="1"' in page.text and "rows" in page.text
    state = client.get("/state", params={"id": "r1"}).json()
    assert state == {
        "state": "Running",
        "running": True,
        "nodes": {"n0": "Succeeded", "n1": "Running", "n2": "Waiting"},
    }
    store.finish_attempt("r1", "pipeline.train", 1, "Succeeded")
    assert client.get("/state", params={"id": "r1"}).json()["nodes"]["n1"] == "Succeeded"


def test_a_finished_run_page_does_not_poll_and_shows_outputs(client, root):
    pipeline_run(root, "r1")
    page = client.get("/run", params={"id": "r1"}).text
    assert 'data-live="0"' in page and "accuracy" in page and "Churn report" in page


def test_the_task_panel_shows_attempts_environment_and_a_following_log(client, root):
    pipeline_run(root, "r1", running=True)
    panel = client.get("/panel", params={"id": "r1", "node": "n1"})
    assert panel.status_code == 200
    assert "r1/pipeline.train/1" in panel.text and "Python 3.11 / Small" in panel.text
    assert "pipeline.train says hello" in panel.text and 'data-follow="1"' in panel.text
    log_url = re.search(r'data-log-url="([^"]+)"', panel.text).group(1).replace("&amp;", "&")
    job_log(root, "r1/pipeline.train/1", "pipeline.train says hello\nepoch 2\n")
    log = client.get("/" + log_url).json()
    assert log["running"] is True and log["text"].endswith("epoch 2\n")


def test_a_cached_task_panel_links_the_run_it_came_from(client, root):
    pipeline_run(root, "r1")
    cached_run(root, "r2", source_run="r1")
    panel = client.get("/panel", params={"id": "r2", "node": "n0"}).text
    assert "Cached from" in panel and 'href="run?id=r1"' in panel


def test_credentials_never_reach_a_page(client, root, monkeypatch):
    monkeypatch.setenv("DOMINO_USER_API_KEY", CANARY)
    pipeline_run(root, "r1", running=True)
    job_log(root, "r1/pipeline.train/1", f"key is {CANARY}\n")
    panel = client.get("/panel", params={"id": "r1", "node": "n1"}).text
    log = client.get("/log", params={"id": "r1", "task": "pipeline.train"}).text
    assert CANARY not in panel and CANARY not in log
    assert "DOMINO_USER_API_KEY redacted" in panel


def test_artifacts_are_listed_previewed_and_downloaded(client, root):
    pipeline_run(root, "r1")
    listing = client.get("/artifacts").text
    assert "Churn report" in listing
    where = {"id": "r1", "task": "pipeline.evaluate", "output": "report"}
    page = client.get("/artifact", params=where).text
    assert "<h1>Churn report</h1>" in page and "<strong>0.91</strong>" in page
    assert "<script>alert(1)</script>" not in page  # raw HTML in Markdown is not rendered
    download = client.get("/download", params=where)
    assert download.status_code == 200 and download.text.startswith("# Churn report")
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.headers["content-security-policy"] == "sandbox"


@pytest.mark.parametrize(
    ("name", "content", "seen"),
    [
        ("scores.csv", "model,score\nA,0.9\n", "<td>0.9</td>"),
        ("metrics.json", '{"b": 1, "a": [1, 2]}', "&#34;a&#34;: [\n"),
        ("notes.txt", "plain <text>", "plain &lt;text&gt;"),
        ("blob.bin", "\xff\xfe".encode("latin-1"), "binary file"),
        ("plot.png", b"\x89PNG\r\n", 'src="download?id=r1&amp;task=t&amp;output=o&amp;inline=1"'),
    ],
)
def test_each_kind_of_artifact_has_its_preview(client, root, name, content, seen):
    from domino_flows.records.store import ArtifactRecord

    store = project_store(root)
    store.start_run("r1", "f", "local")
    path = root / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    store.add_artifact(ArtifactRecord("r1", "t", "o", "A", "DATA", name, str(path), "0" * 64))
    page = client.get("/artifact", params={"id": "r1", "task": "t", "output": "o"}).text
    assert seen in page


def test_an_artifact_whose_file_is_gone_says_so(client, root):
    pipeline_run(root, "r1")
    (root / ".domino-flows" / "artifacts" / "r1" / "report.md").unlink()
    where = {"id": "r1", "task": "pipeline.evaluate", "output": "report"}
    assert "the file is gone from" in client.get("/artifact", params=where).text
    assert client.get("/download", params=where).status_code == 404


def test_only_listed_artifacts_can_be_fetched(client, root):
    pipeline_run(root, "r1")
    answer = client.get("/download", params={"id": "r1", "task": "x", "output": "../../etc"})
    assert answer.status_code == 404 and "has no artifact from task &#39;x&#39;" in answer.text


def test_lineage_links_a_run_that_read_another_runs_output(client, root):
    store = project_store(root)
    for run_id in ("r1", "r2"):
        store.start_run(run_id, "f", "local")
    facet = {"dominoFlowsContent": {"sha256": "ab" * 32}}
    made = {"eventType": "COMPLETE", "outputs": [{"name": "prep/outputs/o0", "facets": facet}]}
    read = {"eventType": "COMPLETE", "inputs": [{"name": "f/inputs/data", "facets": facet}]}
    store.add_lineage_event("r1", "COMPLETE", json.dumps(made), task="prep", attempt=1)
    store.add_lineage_event("r2", "COMPLETE", json.dumps(read), task="train", attempt=1)
    page = client.get("/lineage").text
    assert "read prep/outputs/o0" in page and "abababababab" in page
    assert re.search(r"run\?id=r1.*→.*run\?id=r2", page, re.S)
    assert "read prep" in client.get("/lineage", params={"run": "r2"}).text


def test_unknown_runs_and_missing_parameters_get_a_page_that_says_so(client, root):
    pipeline_run(root, "r1")
    missing = client.get("/run", params={"id": "nope"})
    assert missing.status_code == 404 and "no run &#39;nope&#39;" in missing.text
    assert "recent runs: r1" in missing.text
    assert client.get("/run").status_code == 400
    assert client.get("/panel", params={"id": "r1", "node": "n9"}).status_code == 404


def test_a_damaged_store_is_explained(client, root):
    (root / ".domino-flows").mkdir()
    (root / ".domino-flows" / "runs.sqlite").write_bytes(b"not a database at all" * 100)
    page = client.get("/")
    assert page.status_code == 500 and "runs.sqlite" in page.text


def test_static_files_are_served(client):
    assert "select(" in client.get("/static/ui.js").text
    assert client.get("/static/ui.css").status_code == 200


def test_the_runs_page_links_older_and_newer_pages(client, root):
    store = project_store(root)
    with store.connect() as db:
        db.executemany(
            "INSERT INTO runs (run_id, flow, started_at) VALUES (?, 'f', ?)",
            [(f"r{i:03d}", f"2026-01-01T00:00:00.{i:06d}Z") for i in range(150)],
        )
    first = client.get("/").text
    assert "page 1 of 2" in first and 'href="?flow=&amp;state=&amp;page=2">older' in first
    second = client.get("/", params={"page": "2"}).text
    assert "run?id=r000" in second and "run?id=r149" not in second and "newer" in second


def test_a_job_on_domino_links_to_its_page_instead_of_a_log(client, root):
    store = project_store(root)
    store.start_run("r1", "f", "domino")
    url = "https://domino.example.com/jobs/proj/6612ab"
    store.start_attempt("r1", "flows.train", 1, "6612ab", url, "Python 3.11", "Small")
    panel = client.get("/panel", params={"id": "r1", "node": "flows.train"}).text
    assert f'href="{url}"' in panel and "its log is on Domino" in panel
    assert "data-log-url" not in panel


def test_a_log_of_an_unknown_attempt_is_404(client, root):
    pipeline_run(root, "r1")
    answer = client.get("/log", params={"id": "r1", "task": "pipeline.train", "attempt": "7"})
    assert answer.status_code == 404 and "no attempt 7 of task" in answer.text


def test_a_runner_that_is_gone_is_flagged_on_the_runs_page(client, root):
    from domino_flows.runner.lease import lease_path

    pipeline_run(root, "r1", running=True)
    path = lease_path(root, "r1")
    path.parent.mkdir(parents=True)
    path.write_text("4242")
    assert "runner gone" in client.get("/").text


def test_markdown_links_cannot_run_script(client, root):
    from domino_flows.records.store import ArtifactRecord

    store = project_store(root)
    store.start_run("r1", "f", "local")
    path = root / "notes.md"
    path.write_text("[click](javascript:alert(1)) and [docs](https://example.com)\n")
    store.add_artifact(ArtifactRecord("r1", "t", "o", "N", "REPORT", "notes.md", str(path), ""))
    page = client.get("/artifact", params={"id": "r1", "task": "t", "output": "o"}).text
    assert 'href="https://example.com"' in page and 'href="javascript' not in page


def test_lineage_links_a_cached_task_to_the_run_that_made_its_result(client, root):
    store = project_store(root)
    for run_id in ("r1", "r2"):
        store.start_run(run_id, "f", "local")
    facet = {"dominoFlowsContent": {"sha256": "cd" * 32}}
    made = {"eventType": "COMPLETE", "outputs": [{"name": "prep/outputs/o0", "facets": facet}]}
    cached = {**made, "run": {"facets": {"dominoFlowsCache": {"sourceRunId": "r1"}}}}
    store.add_lineage_event("r1", "COMPLETE", json.dumps(made), task="prep", attempt=1)
    store.add_lineage_event("r2", "COMPLETE", json.dumps(cached), task="prep", attempt=0)
    page = client.get("/lineage").text
    assert re.search(r"run\?id=r1.*→.*run\?id=r2.*cached prep", page, re.S)
    assert "read prep" not in page  # r2 made the same content itself (from the cache)
