"""OpenLineage events: the facets each task and run event carries, and content hashes."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import uuid
from pathlib import Path

import pytest
from flytekit.types.file import FlyteFile

from domino_flows import MODEL, Artifact
from domino_flows.records import lineage
from domino_flows.records.lineage import DatasetRef, RunState, TaskContext

CONTEXT = TaskContext(
    namespace="domino://alice/churn",
    run_id="run-7",
    flow="training_pipeline",
    task="train",
    attempt=2,
    job_id="64f0c0ffee",
    job_url="https://domino.example.com/jobs/alice/churn/64f0c0ffee",
    backend="domino",
    command="python -m domino_flows.entrypoint flows/train.py:train",
    environment_id="env-1",
    environment_name="GPU Python 3.11",
    environment_revision="rev-9",
    hardware_tier_id="large-k8s",
    hardware_tier_name="Large",
    input_commit="in-commit",
    output_commit="out-commit",
    source_url="file:///projects/churn",
    source_path="flows/train.py",
    source_version="abc123",
    inputs=[DatasetRef("rows", "int", "f" * 64)],
)


def parsed(event) -> dict:
    return json.loads(lineage.to_json(event))


def test_task_start_event_carries_domino_and_standard_facets() -> None:
    event = parsed(lineage.task_event(RunState.START, CONTEXT, started_at="2026-01-01T00:00:00Z"))
    assert event["eventType"] == "START"
    assert event["job"] == {
        "namespace": "domino://alice/churn",
        "name": "training_pipeline.train",
        "facets": event["job"]["facets"],
    }
    job_type = event["job"]["facets"]["jobType"]
    assert (job_type["integration"], job_type["jobType"], job_type["processingType"]) == (
        "DOMINO_FLOWS",
        "TASK",
        "BATCH",
    )
    source = event["job"]["facets"]["sourceCodeLocation"]
    assert (source["type"], source["path"], source["version"]) == (
        "git",
        "flows/train.py",
        "abc123",
    )
    facets = event["run"]["facets"]
    domino = facets["dominoJob"]
    assert domino["jobId"] == "64f0c0ffee" and domino["jobUrl"].endswith("/64f0c0ffee")
    assert (domino["inputCommitId"], domino["outputCommitId"]) == ("in-commit", "out-commit")
    assert (domino["environmentId"], domino["environmentRevisionId"]) == ("env-1", "rev-9")
    assert (domino["hardwareTierId"], domino["hardwareTierName"]) == ("large-k8s", "Large")
    assert domino["command"] == CONTEXT.command and domino["attempt"] == 2
    assert facets["processing_engine"]["name"] == "domino-flows"
    assert facets["nominalTime"]["nominalStartTime"] == "2026-01-01T00:00:00Z"
    assert facets["parent"]["run"]["runId"] == lineage.run_uuid("run-7")
    assert facets["parent"]["job"]["name"] == "training_pipeline"
    (dataset,) = event["inputs"]
    assert dataset["name"] == "train/inputs/rows"
    assert dataset["facets"]["dominoFlowsContent"]["sha256"] == "f" * 64


def test_end_events_share_the_start_run_id() -> None:
    start = parsed(lineage.task_event(RunState.START, CONTEXT))
    outputs = [
        DatasetRef("model", "file", "a" * 64, path="/x/model.json", artifact=None),
        DatasetRef(
            "report",
            "file",
            "b" * 64,
            artifact={"name": "Churn report", "type": "REPORT", "file": "r.md"},
        ),
    ]
    complete = parsed(lineage.task_event(RunState.COMPLETE, CONTEXT, outputs=outputs))
    assert complete["run"]["runId"] == start["run"]["runId"]
    uuid.UUID(complete["run"]["runId"])
    assert "nominalEndTime" in complete["run"]["facets"]["nominalTime"]
    names = [d["name"] for d in complete["outputs"]]
    assert names == ["train/outputs/model", "artifacts/Churn report/r.md"]
    content = complete["outputs"][1]["facets"]["dominoFlowsContent"]
    assert (content["artifactName"], content["artifactType"]) == ("Churn report", "REPORT")
    failed = parsed(lineage.task_event(RunState.FAIL, CONTEXT, error="exit code 1"))
    assert failed["run"]["facets"]["errorMessage"]["message"] == "exit code 1"


def test_attempts_are_distinct_runs() -> None:
    assert lineage.run_uuid("r", "train", 1) != lineage.run_uuid("r", "train", 2)
    assert lineage.run_uuid("r", "train", 1) == lineage.run_uuid("r", "train", 1)


def test_run_events() -> None:
    event = parsed(
        lineage.run_event(RunState.FAIL, "domino://a/b", "run-7", "pipe", "tasks failed")
    )
    assert event["eventType"] == "FAIL" and event["job"]["name"] == "pipe"
    assert event["run"]["runId"] == lineage.run_uuid("run-7")
    assert event["job"]["facets"]["jobType"]["jobType"] == "FLOW"
    assert event["run"]["facets"]["errorMessage"]["message"] == "tasks failed"


def test_content_hashes(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    data.write_text("x,y\n1,2\n")
    ref = lineage.dataset_ref("data", FlyteFile(str(data)), FlyteFile)
    assert (ref.kind, ref.sha256) == ("file", hashlib.sha256(b"x,y\n1,2\n").hexdigest())
    assert lineage.dataset_ref("rows", 50, int).sha256 == hashlib.sha256(b"50").hexdigest()
    when = _dt.datetime(2024, 5, 1, 12, tzinfo=_dt.timezone.utc)
    stamp = lineage.dataset_ref("when", when, _dt.datetime).sha256
    assert stamp == hashlib.sha256(b"2024-05-01T12:00:00Z").hexdigest()
    struct = lineage.dataset_ref("params", {"b": 1, "a": 2}, dict)
    assert struct.sha256 == hashlib.sha256(b'{"a": 2, "b": 1}').hexdigest()
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a.txt").write_text("a")
    before = lineage.sha256_tree(folder)
    (folder / "a.txt").write_text("b")
    assert lineage.sha256_tree(folder) != before


def test_artifact_types_are_recognised(tmp_path: Path) -> None:
    model = tmp_path / "model.json"
    model.write_text("{}")
    annotated = Artifact("Churn model", MODEL).File(name="model.json")
    ref = lineage.dataset_ref("model", FlyteFile(str(model)), annotated)
    assert ref.artifact == {"name": "Churn model", "type": "MODEL", "file": "model.json"}
    assert DatasetRef.from_dict(ref.to_dict()) == ref


def test_source_location_reads_git_head(tmp_path: Path) -> None:
    (tmp_path / ".git" / "refs" / "heads").mkdir(parents=True)
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (tmp_path / ".git" / "refs" / "heads" / "main").write_text("0123abcd\n")
    url, path, version = lineage.source_location(
        tmp_path, "PYTHONPATH=/mnt/code python examples/scripts/count_words.py"
    )
    assert (url, path, version) == (
        tmp_path.as_uri(),
        "examples/scripts/count_words.py",
        "0123abcd",
    )
    assert lineage.source_location(tmp_path / "nowhere", "echo hi")[1:] == (None, None)


def test_events_never_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOMINO_USER_API_KEY", "fake-key-11aa22")
    text = lineage.to_json(lineage.task_event(RunState.COMPLETE, CONTEXT))
    assert "fake-key-11aa22" not in text and "DOMINO_USER_API_KEY" not in text
