"""A three-task flow leaves its records where Domino users look, on both backends: one MLflow run
per task attempt (params, metrics, tags, artifacts, input datasets) under a parent run per flow
run, job tags, a dominostats.json per job, one registered model version and one dataset snapshot,
all named by ``show`` and the snapshot and model version by the tasks' COMPLETE lineage events.
Read back with MLflow's own client from MLflow's own file store, from the fake Domino's API and
through OpenLineage's own file transport."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from domino_flows.backends.domino_records import attempt_folder
from domino_flows.cli import main
from domino_flows.records.store import RunStore
from domino_flows.records.tracking import TrackingRecords

mlflow_tracking = pytest.importorskip("mlflow.tracking")

pytest_plugins = ["domino_flows.testing.fixtures"]

FLOW = Path(__file__).with_name("tracked_flow.py")
TASKS = ("tracked_flow.prep", "tracked_flow.train", "tracked_flow.evaluate")


def make_project(root: Path, tracking: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    root.mkdir()
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "tracked"\nversion = "0"\n\n[tool.domino_flows.tracking]\n{tracking}\n'
        '\n[tool.domino_flows.datasets]\nfeatures = "data/features"\n'  # the local backend's
    )
    shutil.copy(FLOW, root / "tracked_flow.py")
    monkeypatch.chdir(root)
    monkeypatch.delenv("DOMINO_FLOWS_PROJECT_ROOT", raising=False)
    return root


def run_flow(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(
        main, ["run", "tracked_flow.py", "wf", *args, "--json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output[-3000:]
    document = json.loads(result.stdout)
    assert document["success"], document["error"]
    return document


def runs_by_task(uri: str) -> tuple[Any, dict[str, Any], Any]:
    """(client, task -> its run, the parent run) of the one flow experiment in store ``uri``."""
    client = mlflow_tracking.MlflowClient(tracking_uri=uri)
    experiments = [e for e in client.search_experiments() if e.name != "Default"]
    assert len(experiments) == 1, [e.name for e in experiments]
    runs = client.search_runs([experiments[0].experiment_id])
    tasks = {
        r.data.tags["domino_flows.task"]: r for r in runs if "domino_flows.task" in r.data.tags
    }
    parents = [r for r in runs if "domino_flows.task" not in r.data.tags]
    assert len(parents) == 1
    return client, tasks, parents[0]


def check_task_runs(client: Any, tasks: dict[str, Any], parent: Any, run_id: str) -> None:
    assert sorted(tasks) == sorted(TASKS)
    for task, run in tasks.items():
        tags = run.data.tags
        assert tags["mlflow.parentRunId"] == parent.info.run_id
        assert tags["domino_flows.run_id"] == run_id
        assert tags["domino_flows.flow"] == "tracked_flow.wf"
        assert tags["domino_flows.attempt"] == "1"
        assert tags["domino_flows.job_id"], task
        assert tags["domino_flows.environment"] and tags["domino_flows.hardware_tier"]
        assert run.info.status == "FINISHED"
        lineage = client.download_artifacts(run.info.run_id, "openlineage/attempt-1.ndjson")
        events = [json.loads(line) for line in Path(lineage).read_text().splitlines()]
        assert [e["eventType"] for e in events] == ["START", "COMPLETE"]
    prep, train, evaluate = (tasks[t] for t in TASKS)
    assert prep.data.params == {"rows": "5", "label": "churn"}
    assert prep.data.metrics == {"n": 10.0, "rows_seen": 5.0}
    assert train.data.params == {"rows": "10", "rate": "0.1", "solver": "lbfgs"}
    assert evaluate.data.metrics == {"o0": 0.75, "loss": 0.5}
    history = client.get_metric_history(evaluate.info.run_id, "loss")
    assert [(m.value, m.step) for m in history] == [(0.5, 1)]
    model = client.download_artifacts(train.info.run_id, "artifacts/Churn model/model.json")
    assert json.loads(Path(model).read_text()) == {"rows": 10, "rate": 0.1}
    inputs = {d.dataset.name: d.dataset.digest for d in prep.inputs.dataset_inputs}
    assert set(inputs) == {"rows", "label"} and all(len(d) == 64 for d in inputs.values())
    model_input = evaluate.inputs.dataset_inputs[0].dataset
    assert model_input.source == "artifacts/Churn model/model.json"  # what it was bound to


def check_show(run_id: str, tasks: dict[str, Any], snapshot: str) -> None:
    shown = CliRunner().invoke(main, ["show", run_id], catch_exceptions=False).output
    for run in tasks.values():
        assert f"MLflow run {run.info.run_id}" in shown
    for task in TASKS:
        assert f"job tags: flow:tracked_flow.wf, run:{run_id}, task:{task}" in shown
    assert shown.count("dominostats.json: ") == 3
    assert "registered model 'churn' version 1 (artifact Churn model)" in shown
    assert f"dataset 'features' snapshot {snapshot} version 1 (artifact Features)" in " ".join(
        shown.split()
    )


def lineage_to_file(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The run's OpenLineage events go to ``path`` through OpenLineage's own file transport."""
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__TYPE", "file")
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__LOG_FILE_PATH", str(path))
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__APPEND", "true")


def check_registrations(
    path: Path, tasks: dict[str, Any], snapshot: str, snapshot_id_key: str
) -> None:
    """The prep task's MLflow run and COMPLETE event name the snapshot; train's the model."""
    tags = tasks["tracked_flow.prep"].data.tags
    assert tags["domino_flows.dataset_snapshot.features.id"] == snapshot
    assert tags["domino_flows.dataset_snapshot.features.version"] == "1"
    events = [json.loads(line) for line in path.read_text().splitlines()]
    named = {}
    for event in events:
        if event["eventType"] == "COMPLETE" and event["job"]["name"].endswith(TASKS[:2]):
            for output in event["outputs"]:
                if "dominoRegistered" in output["facets"]:
                    named[output["name"]] = output["facets"]
    assert sorted(named) == ["datasets/features", "models/churn"]
    assert named["datasets/features"]["version"]["datasetVersion"] == "1"
    assert named["datasets/features"]["dominoRegistered"][snapshot_id_key] == snapshot
    model = named["models/churn"]
    assert model["version"]["datasetVersion"] == "1"
    train_run = tasks["tracked_flow.train"].info.run_id
    assert model["dominoRegistered"]["experimentRunId"] == train_run


@pytest.mark.slow
def test_a_local_flow_fills_the_projects_mlflow_store(tmp_path, monkeypatch):
    root = make_project(tmp_path / "project", "mlflow = true", monkeypatch)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_ALLOW_FILE_STORE", raising=False)  # the kit allows its own store
    monkeypatch.setenv("DOMINO_FLOWS_BACKEND", "local")
    lineage_to_file(tmp_path / "lineage.jsonl", monkeypatch)
    run_id = run_flow()["run_id"]

    store = root / ".domino-flows" / "mlruns"
    client, tasks, parent = runs_by_task(store.as_uri())
    check_task_runs(client, tasks, parent, run_id)
    assert parent.data.tags["domino_flows.run_id"] == run_id and parent.info.status == "FINISHED"
    snapshot = root / "data" / "features" / "snapshots" / "1"
    assert (snapshot / "features.csv").read_text() == "churn,5\n"
    check_show(run_id, tasks, str(snapshot))
    check_registrations(tmp_path / "lineage.jsonl", tasks, str(snapshot), "snapshotFolder")
    registry = mlflow_tracking.MlflowClient(store.as_uri(), registry_uri=store.as_uri())
    (version,) = registry.search_model_versions("name = 'churn'")
    assert (version.run_id, int(version.version)) == (tasks["tracked_flow.train"].info.run_id, 1)
    assert not (root / "mlflow.db").exists()  # MLflow's default registry was never used
    stats = root / ".domino-flows" / "tracking" / run_id / "tracked_flow.prep" / "1"
    assert json.loads((stats / "dominostats.json").read_text()) == {"n": 10.0, "rows_seen": 5}


# each job's own numbers: a later job does not inherit an earlier one's dominostats.json
STATS = {
    "tracked_flow.prep": {"n": 10.0, "rows_seen": 5},
    "tracked_flow.train": {"solver": "lbfgs"},
    "tracked_flow.evaluate": {"o0": 0.75, "loss": 0.5},
}


def file_from_domino(fake: Any, commit: str, path: str) -> Any:
    """A project file at a commit, through the (fake) Domino's published files API."""
    url = f"{fake.url}/api/projects/v1/projects/{fake.project_id}/files/{commit}/{path}/content"
    answer = requests.get(url, headers={"X-Domino-Api-Key": fake.api_key}, timeout=10)
    answer.raise_for_status()
    return answer.json()


@pytest.mark.slow
def test_a_domino_flow_records_itself_from_inside_its_jobs(tmp_path, domino_env, monkeypatch):
    root = make_project(tmp_path / "project", "", monkeypatch)  # on by default on Domino
    domino_env.add_tree(root)
    domino_env.add_dataset("features")
    lineage_to_file(tmp_path / "lineage.jsonl", monkeypatch)
    # the runner reaches the jobs' store (as in a Domino workspace): parent run and lineage
    monkeypatch.setenv("MLFLOW_TRACKING_URI", domino_env.tracking_uri)
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # the fake's store is a file store
    run_id = run_flow()["run_id"]

    client, tasks, parent = runs_by_task(domino_env.tracking_uri)
    check_task_runs(client, tasks, parent, run_id)
    experiment = client.get_experiment(parent.info.experiment_id).name
    assert experiment == f"{domino_env.project}/tracked_flow.wf"
    (snapshot,) = domino_env.dataset_snapshots["features"]  # through Domino's datasets API
    written = domino_env.snapshot_folder("features", 1) / attempt_folder(run_id, TASKS[0], 1)
    assert (written / "features.csv").read_text() == "churn,5\n"
    check_show(run_id, tasks, snapshot["id"])
    check_registrations(tmp_path / "lineage.jsonl", tasks, snapshot["id"], "snapshotId")
    (version,) = domino_env.registered_models["churn"]  # through Domino's registered models API
    assert version["experimentRunId"] == tasks["tracked_flow.train"].info.run_id
    store = TrackingRecords(RunStore.for_project(root))
    for task, run in tasks.items():
        job_id = run.data.tags["domino_flows.job_id"]
        job = domino_env.jobs[job_id]  # the MLflow run was written by that job itself
        tags = [t["name"] for t in domino_env.job_tags[job_id]]
        assert tags == ["flow:tracked_flow.wf", f"run:{run_id}", f"task:{task}"]
        stats = file_from_domino(domino_env, job.output_commit_id, "dominostats.json")
        assert stats == STATS[task]
        assert store.get(run_id, task, 1, "mlflow_run")["run_id"] == run.info.run_id
