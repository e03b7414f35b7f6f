"""``Artifact(name, DATA, register=...)``: each file a task writes becomes part of a new snapshot
of the dataset, named by ``show`` and by the task's COMPLETE lineage event; an unknown dataset is
refused before any job starts.

Locally a snapshot is a numbered folder. On the domino backend (against the fake Domino) the job
writes the files into the dataset's read-write folder, under a folder of its attempt, and the
runner snapshots them through ``POST /api/datasetrw/v1/datasets/{datasetId}/snapshots``; a
snapshot Domino refuses is recorded as not made, and no credential reaches any record."""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
from click.testing import CliRunner
from flytekit.types.file import FlyteFile

from domino_flows import DATA, REPORT, Artifact
from domino_flows.authoring.artifacts import artifact_of
from domino_flows.authoring.config import DominoJobConfig
from domino_flows.backends import domino_job_datasets
from domino_flows.backends.base import JobHandle, JobSpec, JobState, JobStatus, ResolvedJob
from domino_flows.backends.domino_records import (
    DominoRecords,
    SnapshotError,
    attempt_folder,
    closest_first,
    dataset_folders,
)
from domino_flows.cli import main
from domino_flows.core.errors import TaskDefinitionError
from domino_flows.execution import attempt
from domino_flows.execution.session import RunSession
from domino_flows.records.store import RunStore
from domino_flows.records.tracking import DATASET_SNAPSHOTS, TrackingRecords

pytest_plugins = ["domino_flows.testing.fixtures"]

FLOW = Path(__file__).with_name("snapshot_flow.py")
Features = Artifact("Features", DATA, register="features")
TASK = "snapshot_flow.featurize"


def make_project(root: Path, datasets: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    root.mkdir()
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "snap"\nversion = "0"\n\n[tool.domino_flows.datasets]\n{datasets}\n'
    )
    shutil.copy(FLOW, root / "snapshot_flow.py")
    monkeypatch.chdir(root)
    monkeypatch.delenv("DOMINO_FLOWS_PROJECT_ROOT", raising=False)
    monkeypatch.setenv("DOMINO_FLOWS_BACKEND", "local")
    return root


def lineage_to_file(path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[dict]]:
    """Send the run's OpenLineage events to ``path`` through OpenLineage's own file transport;
    a reader of the events sent."""
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__TYPE", "file")
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__LOG_FILE_PATH", str(path))
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__APPEND", "true")
    return lambda: [json.loads(line) for line in path.read_text().splitlines()]


def registered_outputs(events: list[dict], kind: str, task: str) -> list[list[dict]]:
    """Per ``kind`` event of ``task`` (in order): its outputs that name a registration."""
    return [
        [o for o in e["outputs"] if "dominoRegistered" in o.get("facets", {})]
        for e in events
        if e["eventType"] == kind and e["job"]["name"].endswith(task)
    ]


def run_flow(*args: str) -> dict:
    result = CliRunner().invoke(
        main, ["run", "snapshot_flow.py", "wf", *args, "--json"], catch_exceptions=False
    )
    return json.loads(result.stdout)


def test_register_on_data_names_the_dataset_and_report_is_refused():
    assert artifact_of(Artifact("Features", DATA, register=True).File(name="f.csv"))["dataset"] == (
        "Features"
    )
    plain = artifact_of(Artifact("Features", DATA).File(name="f.csv"))
    assert "dataset" not in plain and "register" not in plain
    with pytest.raises(TaskDefinitionError, match="REPORT artifact cannot be registered"):
        Artifact("Summary", REPORT, register=True)
    with pytest.raises(TaskDefinitionError, match="the dataset's name"):
        Artifact("Features", DATA, register=3)  # type: ignore[arg-type]


@pytest.mark.slow
def test_a_local_task_makes_numbered_snapshots_named_in_show(tmp_path, monkeypatch):
    root = make_project(tmp_path / "project", 'features = "data/features"', monkeypatch)
    events = lineage_to_file(tmp_path / "lineage.jsonl", monkeypatch)
    first = run_flow()
    assert first["success"], first["error"]
    second = run_flow("--rows", "2")
    assert second["success"], second["error"]

    snapshots = root / "data" / "features" / "snapshots"
    assert sorted(p.name for p in snapshots.iterdir()) == ["1", "2"]  # no pending folder left
    assert (snapshots / "1" / "features.csv").read_text() == "0,0\n1,1\n2,4\n"
    assert (snapshots / "2" / "features.csv").read_text() == "0,0\n1,1\n"
    records = TrackingRecords(RunStore.for_project(root))
    (kept,) = records.get(second["run_id"], TASK, 1, DATASET_SNAPSHOTS)
    assert kept == {
        "dataset": "features",
        "snapshot": str(snapshots / "2"),
        "version": 2,
        "artifact": "Features",
    }
    shown = CliRunner().invoke(main, ["show", second["run_id"]], catch_exceptions=False).output
    assert f"dataset 'features' snapshot {snapshots / '2'} version 2 (artifact Features)" in (
        " ".join(shown.split())
    )
    (registered,) = registered_outputs(events(), "COMPLETE", TASK)[-1]
    assert registered["name"] == "datasets/features"
    assert registered["facets"]["version"]["datasetVersion"] == "2"
    facet = registered["facets"]["dominoRegistered"]
    assert (facet["kind"], facet["snapshotFolder"], facet["version"]) == (
        "dataset_snapshot",
        str(snapshots / "2"),
        2,
    )


def run_refused(*args: str) -> str:
    """A run the preflight refused: its error, one line."""
    result = CliRunner().invoke(main, ["run", "snapshot_flow.py", "wf", *args, "--json"])
    assert result.exit_code == 2, result.output[-3000:]
    return " ".join(result.output.split())


@pytest.mark.slow
def test_an_unknown_dataset_is_refused_before_any_job_starts(tmp_path, monkeypatch):
    root = make_project(tmp_path / "project", 'featurez = "data/features"', monkeypatch)
    error = run_refused()
    assert "cannot start: 1 problem found before any job started" in error
    assert "task 'snapshot_flow.featurize'" in error
    assert "dataset 'features', which [tool.domino_flows.datasets]" in error
    assert "Did you mean 'featurez'?" in error
    assert not (root / "data").exists()  # nothing written
    assert RunStore.for_project(root).runs() == []  # nothing started


def test_a_snapshot_that_cannot_be_copied_leaves_no_folder_behind(tmp_path):
    from domino_flows.backends.local_snapshots import new_snapshot
    from domino_flows.core.errors import ConfigurationError

    good = tmp_path / "a.csv"
    good.write_text("1\n")
    with pytest.raises(ConfigurationError, match="snapshot 1 of dataset folder .* could not be"):
        new_snapshot(tmp_path / "ds", [(good, "a.csv"), (tmp_path / "missing.csv", "b.csv")])
    assert list((tmp_path / "ds" / "snapshots").iterdir()) == []
    assert new_snapshot(tmp_path / "ds", [(good, "a.csv")])["version"] == 1


# --- the domino backend --------------------------------------------------------------------


def domino_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake) -> Path:
    root = make_project(tmp_path / "project", "", monkeypatch)
    monkeypatch.setenv("DOMINO_FLOWS_BACKEND", "domino")
    fake.add_tree(root)
    return root


def show(run_id: str) -> str:
    output = CliRunner().invoke(main, ["show", run_id], catch_exceptions=False).output
    return " ".join(output.split())


@pytest.mark.slow
def test_domino_refuses_an_unknown_dataset_before_any_job_starts(tmp_path, monkeypatch, domino_env):
    domino_env.add_dataset("other")
    domino_env.add_dataset("featurez")
    domino_project(tmp_path, monkeypatch, domino_env)
    error = run_refused()
    assert "task 'snapshot_flow.featurize'" in error
    assert f"dataset 'features' (register=), which Domino project {domino_env.project}" in error
    assert "closest first: 'featurez', 'other'" in error  # the project's datasets
    assert domino_env.jobs == {}  # refused before any job started
    assert domino_env.count("datasets") == 1  # one listing per run


@pytest.mark.slow
def test_a_domino_task_snapshots_what_its_job_wrote_into_the_dataset(
    tmp_path, monkeypatch, domino_env
):
    dataset_id = domino_env.add_dataset("features")
    root = domino_project(tmp_path, monkeypatch, domino_env)
    events = lineage_to_file(tmp_path / "lineage.jsonl", monkeypatch)
    document = run_flow()
    assert document["success"], document["error"]
    run_id = document["run_id"]

    # in the dataset: the attempt's folder, which the snapshot holds
    written = f"{attempt_folder(run_id, TASK, 1)}/features.csv"
    assert (domino_env.dataset_folder("features") / written).read_text() == "0,0\n1,1\n2,4\n"
    (snapshot,) = domino_env.dataset_snapshots["features"]
    held = domino_env.snapshot_folder("features", 1) / written
    assert held.read_text() == "0,0\n1,1\n2,4\n"
    (request,) = [r for r in domino_env.requests if r["route"] == "create_snapshot"]
    assert json.loads(request["body"]) == {"relativeFilePaths": [written]}

    (kept,) = TrackingRecords(RunStore.for_project(root)).get(run_id, TASK, 1, DATASET_SNAPSHOTS)
    assert kept == {
        "dataset": "features",
        "dataset_id": dataset_id,
        "snapshot": snapshot["id"],
        "version": 1,
        "status": "active",
        "files": [written],
        "artifact": "Features",
    }
    assert f"dataset 'features' snapshot {snapshot['id']} version 1 (artifact Features)" in (
        show(run_id)
    )
    (complete,) = [e for e in events() if e["eventType"] == "COMPLETE" and TASK in e["job"]["name"]]
    (registered,) = registered_outputs([complete], "COMPLETE", TASK)[0]
    assert registered["name"] == "datasets/features"
    assert registered["namespace"] == complete["job"]["namespace"]  # the run's
    assert registered["facets"]["version"]["datasetVersion"] == "1"
    facet = registered["facets"]["dominoRegistered"]
    assert (facet["datasetId"], facet["snapshotId"], facet["artifactName"]) == (
        dataset_id,
        snapshot["id"],
        "Features",
    )
    assert registered_outputs(events(), "START", TASK) == [[]]


@pytest.mark.slow
def test_a_snapshot_domino_refuses_is_recorded_as_not_made_without_credentials(
    tmp_path, monkeypatch, domino_env
):
    domino_env.add_dataset("features")
    root = domino_project(tmp_path, monkeypatch, domino_env)
    events = lineage_to_file(tmp_path / "lineage.jsonl", monkeypatch)
    # a refusal quoting the request's credentials, as a careless gateway might
    domino_env.echo_credentials_next("create_snapshot", status=400)
    document = run_flow()
    assert document["success"], document["error"]  # the task's outputs are fine
    run_id = document["run_id"]

    assert domino_env.dataset_snapshots.get("features", []) == []  # no snapshot
    (kept,) = TrackingRecords(RunStore.for_project(root)).get(run_id, TASK, 1, DATASET_SNAPSHOTS)
    assert set(kept) == {"dataset", "artifact", "error"}  # nothing claims a snapshot
    assert "Domino refused the snapshot" in kept["error"] and "HTTP 400" in kept["error"]
    assert "<DOMINO_USER_API_KEY redacted>" in kept["error"]  # Domino's answer quoted the key
    folder = attempt_folder(run_id, TASK, 1)
    assert f"the files are in the dataset at {folder}/" in kept["error"]
    shown = show(run_id)
    assert "dataset 'features': no snapshot made (artifact Features): Domino refused" in shown
    assert registered_outputs(events(), "COMPLETE", TASK) == [[]]

    key = domino_env.api_key
    texts = {
        "show": shown,
        "records": json.dumps(
            [r.value for r in TrackingRecords(RunStore.for_project(root)).of_run(run_id)]
        ),
        "lineage": (tmp_path / "lineage.jsonl").read_text(),
        "document": json.dumps(document),
    }
    for folder_path, _dirs, files in os.walk(root / ".domino-flows"):
        for name in files:
            path = Path(folder_path, name)
            texts[str(path)] = path.read_bytes().decode("utf-8", "replace")
    leaked = [where for where, text in texts.items() if key in text]
    assert leaked == []


def test_the_job_copies_registered_files_into_the_mounted_dataset(tmp_path):
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    (outputs / "o0").write_text("a,b\n")
    wanted = {
        "o0": {
            "dataset": "features",
            "folders": dataset_folders("dfs", "features"),
            "target": attempt_folder("run-1", "flow.task", 2),
            "file": "features.csv",
        }
    }
    mount = tmp_path / "datasets"
    (mount / "features").mkdir(parents=True)
    report = domino_job_datasets.write(outputs, wanted, {"DOMINO_DATASETS_DIR": str(mount)})
    written = "domino-flows/run-1/flow.task/attempt-2/features.csv"
    assert report == {"features": {"target": written.rsplit("/", 1)[0], "files": [written]}}
    assert (mount / "features" / written).read_text() == "a,b\n"
    assert json.loads((outputs / domino_job_datasets.REPORT).read_text()) == report


def test_a_dataset_the_job_cannot_reach_or_write_is_reported_and_leaves_nothing(tmp_path):
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    want = {"dataset": "features", "folders": [str(tmp_path / "nowhere")], "target": "d/a-1"}
    report = domino_job_datasets.write(outputs, {"o0": {**want, "file": "f.csv"}}, {})
    assert "dataset 'features' is not mounted in this job" in report["features"]["error"]
    assert str(tmp_path / "nowhere") in report["features"]["error"]

    mount = tmp_path / "features"
    mount.mkdir()
    (outputs / "o0").write_text("1\n")  # o1 is missing: the copy fails half way
    wanted = {
        "o0": {**want, "folders": [str(mount)], "file": "a.csv"},
        "o1": {**want, "folders": [str(mount)], "file": "b.csv"},
    }
    report = domino_job_datasets.write(outputs, wanted, {})
    assert "could not be written to dataset 'features'" in report["features"]["error"]
    assert list(mount.rglob("*")) == [mount / "d"]  # no file, no pending folder


def test_datasets_are_looked_for_where_the_project_type_mounts_them():
    assert dataset_folders("dfs", "x") == ["/domino/datasets/local/x", "/mnt/data/x"]
    assert dataset_folders("git", "x") == ["/mnt/data/x", "/domino/datasets/local/x"]
    assert closest_first("features", ["zeta", "feature", "featurez"])[-1] == "zeta"


def test_the_fake_domino_snapshots_files_of_a_dataset_and_reads_them_back(fake_domino):
    dataset_id = fake_domino.add_dataset("features")
    (fake_domino.dataset_folder("features") / "run").mkdir()
    (fake_domino.dataset_folder("features") / "run" / "a.csv").write_text("1\n")
    headers = {"X-Domino-Api-Key": fake_domino.api_key}
    base = f"{fake_domino.url}/api/datasetrw/v1"

    def post(paths: list[str]) -> requests.Response:
        body = {"relativeFilePaths": paths}
        url = f"{base}/datasets/{dataset_id}/snapshots"
        return requests.post(url, json=body, headers=headers, timeout=10)

    for refused in (["run/missing.csv"], ["../features/run/a.csv"], ["/etc/passwd"]):
        assert post(refused).status_code == 400, refused
    assert fake_domino.dataset_snapshots.get("features", []) == []  # nothing made
    made = post(["run/a.csv"]).json()["snapshot"]
    assert (fake_domino.snapshot_folder("features", 1) / "run" / "a.csv").read_text() == "1\n"
    listed = requests.get(f"{base}/datasets/{dataset_id}/snapshots", headers=headers, timeout=10)
    assert listed.json()["snapshots"] == [made]
    one = requests.get(f"{base}/snapshots/{made['id']}", headers=headers, timeout=10).json()
    assert one["snapshot"] == made
    datasets = requests.get(
        f"{base}/datasets",
        params={"projectId": fake_domino.project_id},
        headers=headers,
        timeout=10,
    ).json()["datasets"]
    assert datasets[0]["snapshotIds"] == [made["id"]]
    unknown = requests.post(
        f"{base}/datasets/{'0' * 24}/snapshots",
        json={"relativeFilePaths": ["a"]},
        headers=headers,
        timeout=10,
    )
    assert unknown.status_code == 404
    assert (
        requests.get(f"{base}/snapshots/{'0' * 24}", headers=headers, timeout=10).status_code == 404
    )


class ScriptedBackend:
    """A backend whose one job wrote ``f.csv`` of artifact Features; it counts snapshots."""

    name = "scripted"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.snapshots: list[tuple[str, list[tuple[Path, str]]]] = []

    def resolve(self, spec: JobSpec) -> ResolvedJob:
        return ResolvedJob("env-1", "Python", None, "tier-1", "Small")

    def stage_inputs(self, spec: JobSpec, values: dict) -> str:
        return "staged"

    def start(self, spec: JobSpec, staging: str) -> JobHandle:
        return JobHandle(self.name, "job-1", spec.run_id, spec.task)

    def collect_outputs(self, handle: JobHandle, spec: JobSpec) -> dict:
        (self.folder / "f.csv").write_text("1\n")
        return {"features": FlyteFile(str(self.folder / "f.csv"))}

    def records_in_job(self) -> bool:
        return False

    def tag_job(self, handle: JobHandle, tags: list[str]) -> None:
        return None

    def check_dataset(self, task: str, name: str) -> None:
        return None

    def snapshot_dataset(self, handle: JobHandle, name: str, files: list) -> dict:
        self.snapshots.append((name, files))
        return {"snapshot": "snap-1", "version": 1}


def test_an_attempt_read_twice_makes_one_snapshot(tmp_path, monkeypatch):
    root = make_project(tmp_path / "project", 'features = "data/features"', monkeypatch)
    backend = ScriptedBackend(tmp_path)
    spec = JobSpec(
        "run-1",
        "flows.wf",
        "flows.featurize",
        DominoJobConfig(Command="python f.py"),
        output_types={"features": Features.File(name="f.csv")},
    )
    session = RunSession(root, "run-1", "flows.wf", backend)  # type: ignore[arg-type]
    session.begin()
    record = attempt.start(backend, spec, {}, root)  # type: ignore[arg-type]
    for _ in range(2):  # the connector may read a finished job's status twice
        done = JobStatus(JobState.SUCCEEDED)
        attempt.finish(backend, record, done, spec, {})  # type: ignore[arg-type]
    session.close(JobState.SUCCEEDED)
    assert backend.snapshots == [("features", [(tmp_path / "f.csv", "f.csv")])]
    (kept,) = TrackingRecords(RunStore.for_project(root)).get("run-1", spec.task, 1, "promoted")
    assert kept["kind"] == "dataset_snapshot" and kept["snapshot"] == "snap-1"
    events = RunStore.for_project(root).lineage_events("run-1", spec.task)
    completes = [json.loads(e["event"]) for e in events if e["event_type"] == "COMPLETE"]
    (complete,) = completes
    assert [o["name"] for o in complete["outputs"]][-1] == "datasets/features"


def outputs_zip(report: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr(domino_job_datasets.REPORT, json.dumps(report))
    return buffer.getvalue()


class Records(DominoRecords):
    """The domino backend's records side over a finished job's outputs and scripted routes."""

    project = "alice/flows"

    def __init__(self, report: dict, listing: list[dict]) -> None:
        self.data = outputs_zip(report)
        self.routes = SimpleNamespace(  # type: ignore[assignment]
            create_snapshot=lambda dataset_id, paths: (
                self.posted.append(paths) or {"id": "snap-9", "status": "pending"}
            ),
            datasets=lambda project_id: listing,
        )
        self._names = SimpleNamespace(dataset_ids=lambda: {"features": "ds-1"})  # type: ignore[assignment]
        self.posted: list[list[str]] = []

    @property
    def project_id(self) -> str:
        return "p-1"

    def _finished_outputs(self, handle: JobHandle) -> bytes | None:
        return self.data


HANDLE = JobHandle("domino", "job-7", "run-1", "flows.featurize")


def test_no_snapshot_is_asked_for_when_the_job_could_not_write_the_dataset():
    report = {
        "features": {"target": "domino-flows/x", "error": "dataset 'features' is not mounted"}
    }
    records = Records(report, [])
    with pytest.raises(SnapshotError, match="job job-7 wrote no files to dataset 'features': data"):
        records.snapshot_dataset(HANDLE, "features", [])
    assert records.posted == []
    with pytest.raises(SnapshotError, match="its outputs do not say it did"):
        records.snapshot_dataset(HANDLE, "other", [])


def test_a_snapshot_version_domino_does_not_list_is_unknown_not_guessed():
    report = {"features": {"target": "d", "files": ["d/f.csv"]}}
    listed = [{"id": "ds-1", "snapshotIds": ["snap-1", "snap-9"]}]
    made = Records(report, listed).snapshot_dataset(HANDLE, "features", [])
    assert (made["snapshot"], made["version"], made["status"]) == ("snap-9", 2, "pending")
    made = Records(report, [{"id": "ds-1", "snapshotIds": ["snap-1"]}]).snapshot_dataset(
        HANDLE, "features", []
    )
    assert made["version"] is None
