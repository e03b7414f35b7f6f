"""A task served from the cache, recorded in the run that used it: artifacts and lineage."""

from __future__ import annotations

import json
from pathlib import Path

from domino_flows.execution.cached import CachedTask, record_cached_task
from domino_flows.records import artifacts_store
from domino_flows.records.lineage import DatasetRef, sha256_file
from domino_flows.records.store import RunStore

MODEL = {"name": "Churn model", "type": "MODEL", "file": "model.json"}


def _model(tmp_path: Path, text: str) -> DatasetRef:
    path = tmp_path / "data" / "model.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return DatasetRef("model", "file", sha256_file(path), path=str(path), artifact=MODEL)


def _cached(ref: DatasetRef) -> CachedTask:
    rows = DatasetRef("rows", "int", "ab" * 32)
    return CachedTask(
        run_id="r2",
        flow="pipeline",
        task="train",
        source_run="r1",
        inputs=[rows],
        outputs=[ref, DatasetRef("score", "float", "cd" * 32)],
        cache_key="key-1",
        environment="Python 3.11",
        hardware_tier="Small",
        command="python -m domino_flows.entrypoint flow.py:train",
    )


def test_artifacts_point_at_the_source_runs_copy_and_lineage_names_the_source(tmp_path: Path):
    store = RunStore.for_project(tmp_path)
    ref = _model(tmp_path, '{"w": 1}')
    (source,) = artifacts_store.collect(store, tmp_path, "r1", "train", [ref])
    assert record_cached_task(store, tmp_path, _cached(ref)) == ["Churn model"]
    (listed,) = store.artifacts("r2")
    assert (listed.task, listed.output, listed.path, listed.sha256) == (
        "train",
        "model",
        source.path,
        ref.sha256,
    )
    (row,) = store.lineage_events("r2", task="train")
    assert (row["event_type"], row["attempt"]) == ("COMPLETE", 0)
    event = json.loads(row["event"])
    assert event["run"]["facets"]["dominoFlowsCache"]["sourceRunId"] == "r1"
    assert event["run"]["facets"]["dominoFlowsCache"]["cacheKey"] == "key-1"
    assert event["job"]["name"] == "pipeline.train"
    assert [d["name"] for d in event["inputs"]] == ["train/inputs/rows"]
    assert {d["name"] for d in event["outputs"]} == {
        "artifacts/Churn model/model.json",
        "train/outputs/score",
    }
    assert event["run"]["facets"]["dominoJob"]["hardwareTierName"] == "Small"


def test_an_artifact_the_source_run_no_longer_has_is_collected_into_this_run(tmp_path: Path):
    store = RunStore.for_project(tmp_path)
    ref = _model(tmp_path, '{"w": 2}')
    (source,) = artifacts_store.collect(store, tmp_path, "r1", "train", [ref])
    Path(source.path).unlink()  # the source run's artifacts were cleaned up
    assert record_cached_task(store, tmp_path, _cached(ref)) == ["Churn model"]
    (listed,) = store.artifacts("r2")
    assert listed.path == str(artifacts_store.artifact_path(tmp_path, "r2", MODEL))
    assert Path(listed.path).read_text() == '{"w": 2}'


def test_a_cached_task_without_artifacts_records_only_its_lineage(tmp_path: Path):
    store = RunStore.for_project(tmp_path)
    plain = DatasetRef("count", "int", "ef" * 32)
    assert record_cached_task(store, tmp_path, _cached(plain)) == []
    assert store.artifacts("r2") == []
    assert len(store.lineage_events("r2")) == 1
