"""``Artifact(name, DATA, register=...)``: each file a task writes becomes part of a new snapshot
of the dataset, named by ``show``; an unknown dataset is refused before the job starts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from domino_flows import DATA, REPORT, Artifact
from domino_flows.authoring.artifacts import artifact_of
from domino_flows.cli import main
from domino_flows.core.errors import TaskDefinitionError
from domino_flows.records.store import RunStore
from domino_flows.records.tracking import DATASET_SNAPSHOTS, TrackingRecords

pytest_plugins = ["domino_flows.testing.fixtures"]

FLOW = Path(__file__).with_name("snapshot_flow.py")
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


@pytest.mark.slow
def test_an_unknown_dataset_is_refused_before_the_job_starts(tmp_path, monkeypatch):
    root = make_project(tmp_path / "project", 'featurez = "data/features"', monkeypatch)
    document = run_flow()
    assert not document["success"]
    error = " ".join(document["error"].split())
    assert "task 'snapshot_flow.featurize'" in error
    assert "dataset 'features', which [tool.domino_flows.datasets]" in error
    assert "Did you mean 'featurez'?" in error
    assert not (root / "data").exists()  # nothing written
    records = TrackingRecords(RunStore.for_project(root))
    assert records.get(document["run_id"], TASK, 1, DATASET_SNAPSHOTS) is None


@pytest.mark.slow
def test_the_domino_backend_refuses_a_snapshot_before_any_job_starts(
    tmp_path, monkeypatch, domino_env
):
    make_project(tmp_path / "project", 'features = "data/features"', monkeypatch)
    monkeypatch.setenv("DOMINO_FLOWS_BACKEND", "domino")
    document = run_flow()
    assert not document["success"]
    error = " ".join(document["error"].split())
    assert "task 'snapshot_flow.featurize'" in error and "dataset 'features'" in error
    assert "local backend only" in error and "remove register=" in error
    assert domino_env.jobs == {}  # refused before its job was started


def test_a_snapshot_that_cannot_be_copied_leaves_no_folder_behind(tmp_path):
    from domino_flows.backends.local_snapshots import new_snapshot
    from domino_flows.core.errors import ConfigurationError

    good = tmp_path / "a.csv"
    good.write_text("1\n")
    with pytest.raises(ConfigurationError, match="snapshot 1 of dataset folder .* could not be"):
        new_snapshot(tmp_path / "ds", [(good, "a.csv"), (tmp_path / "missing.csv", "b.csv")])
    assert list((tmp_path / "ds" / "snapshots").iterdir()) == []
    assert new_snapshot(tmp_path / "ds", [(good, "a.csv")])["version"] == 1
