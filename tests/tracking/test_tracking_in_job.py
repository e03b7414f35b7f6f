"""The job's side: ``job.log_metric`` / ``log_param`` and the Domino bootstrap writing the
attempt's MLflow run from inside the job, with MLflow and without."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from domino_flows import job
from domino_flows.authoring.config import DominoJobConfig
from domino_flows.backends import domino_bootstrap
from domino_flows.backends.base import JobSpec
from domino_flows.backends.domino_files import build_archive, tracking_report_of
from domino_flows.contract import tracking_job
from domino_flows.contract.formats import FormatError

CANARY = "sk-IN-JOB-CANARY-93be1f04"
STAGING = ".domino-flows/staging/20240105-run-1/task-dfa-0123456789abcdef"
PLAN = {
    "mlflow": True,
    "stats": True,
    "experiment": "alice/flows/flows.wf",
    "run_name": "flows.train (attempt 1)",
    "params": {"a": "41"},
    "tags": {"domino_flows.task": "flows.train", "domino_flows.run_id": "run-1"},
    "datasets": [{"name": "a", "digest": "ab" * 32, "source": "flows.wf/inputs/a"}],
    "metric_outputs": ["score"],
    "artifact_outputs": {"model": {"name": "Churn model", "type": "MODEL", "file": "m.json"}},
}
COMMAND = (
    'echo 3 > "$DOMINO_FLOWS_OUTPUTS_DIR/score"; echo "{}" > "$DOMINO_FLOWS_OUTPUTS_DIR/model"; '
    "python -c \"from domino_flows import job; job.log_metric('loss', 2, step=4); "
    "job.log_param('note', 'key=' + __import__('os').environ['SECRET'])\""
)


@pytest.fixture
def numbers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(tracking_job.STATS_FILE_VARIABLE, str(tmp_path / "dominostats.json"))
    monkeypatch.setenv(tracking_job.RECORDS_FILE_VARIABLE, str(tmp_path / "records.jsonl"))
    monkeypatch.setenv("DOMINO_USER_API_KEY", CANARY)
    return tmp_path


def test_logged_numbers_go_to_dominostats_and_the_records(numbers: Path) -> None:
    job.log_metric("rmse", 0.25)
    job.log_metric("rmse", 0.2, step=2)
    job.log_param("solver", f"lbfgs {CANARY}")
    stats = json.loads((numbers / "dominostats.json").read_text())
    assert stats == {"rmse": 0.2, "solver": "lbfgs <credential redacted>"}
    records = tracking_job.read_records(numbers / "records.jsonl")
    assert [(r["name"], r["value"], r["step"]) for r in records] == [
        ("rmse", 0.25, None),
        ("rmse", 0.2, 2),
        ("solver", "lbfgs <credential redacted>", None),
    ]


def test_without_the_kit_numbers_go_to_the_working_directorys_dominostats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in (tracking_job.STATS_FILE_VARIABLE, tracking_job.RECORDS_FILE_VARIABLE):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.chdir(tmp_path)
    job.log_metric("accuracy", 1)
    assert json.loads((tmp_path / "dominostats.json").read_text()) == {"accuracy": 1}


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ok", True, "metric 'ok' is a bool; a metric is an int or a float"),
        ("ok", "0.5", "metric 'ok' is a str; a metric is an int or a float"),
        ("ok", float("nan"), "metric 'ok' is nan; Domino's Jobs dashboard needs a finite number"),
        ("", 1.0, "metric name '' must be a non-empty text of at most 250 characters"),
    ],
)
def test_a_number_that_cannot_be_kept_is_refused_and_nothing_written(
    numbers: Path, name: str, value: Any, message: str
) -> None:
    with pytest.raises(FormatError) as caught:
        job.log_metric(name, value)
    assert str(caught.value).startswith(message)
    assert not (numbers / "dominostats.json").exists()


def test_the_job_helper_imports_neither_mlflow_nor_flytekit() -> None:
    code = "import sys, domino_flows.job; print(sorted({'mlflow', 'flytekit'} & set(sys.modules)))"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"


def test_the_in_job_module_imports_only_the_standard_library_at_load() -> None:
    tree = ast.parse(Path(tracking_job.__file__).read_text())
    modules = set()
    for node in tree.body:  # module level; MLflow is imported inside functions, when used
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module.split(".")[0])
    assert modules - {"__future__"} <= set(sys.stdlib_module_names)


def stage(root: Path, plan: dict[str, Any]) -> Path:
    staging = root / STAGING
    staging.mkdir(parents=True)
    spec = JobSpec("run-1", "flows.wf", "flows.train", DominoJobConfig(Command=COMMAND))
    manifest = {
        "staging": STAGING,
        "task": "flows.train",
        "command": COMMAND,
        "outputs": {"score": "int", "model": "file"},
        "tracking": plan,
    }
    (staging / "job.pyz").write_bytes(build_archive(spec, {}, manifest))
    # an earlier job's numbers, committed with its results
    (root / "dominostats.json").write_text('{"from_before": 1}')
    return staging


def test_a_domino_job_writes_its_own_mlflow_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mlflow_tracking = pytest.importorskip("mlflow.tracking")
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    store = (tmp_path / "mlruns").as_uri()
    staging = stage(tmp_path / "files", PLAN)
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "MLFLOW_TRACKING_URI": store,
        "MLFLOW_ALLOW_FILE_STORE": "true",
        "DOMINO_FAKE_JOB_ID": "job-7",
        "SECRET": CANARY,
        "DOMINO_USER_API_KEY": CANARY,  # a real job has its key; it never reaches a record
        "HOME": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, str(staging / "job.pyz")], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    report = tracking_report_of((staging / "outputs.zip").read_bytes())
    client = mlflow_tracking.MlflowClient(store)
    run = client.get_run(report["mlflow_run_id"])
    assert run.info.status == "FINISHED"
    assert run.data.tags["domino_flows.job_id"] == "job-7"
    assert run.data.params == {"a": "41", "note": "key=<credential redacted>"}
    assert run.data.metrics == {"score": 3.0, "loss": 2.0}
    assert [m.step for m in client.get_metric_history(run.info.run_id, "loss")] == [4]
    assert [a.path for a in client.list_artifacts(run.info.run_id, "artifacts/Churn model")] == [
        "artifacts/Churn model/m.json"
    ]
    (dataset,) = run.inputs.dataset_inputs
    assert (dataset.dataset.name, dataset.dataset.digest) == ("a", "ab" * 32)
    stats = json.loads((tmp_path / "files" / "dominostats.json").read_text())
    assert stats == {"score": 3.0, "loss": 2, "note": "key=<credential redacted>"}
    assert f"MLflow run {run.info.run_id}" in done.stderr
    assert sorted(p.name for p in staging.iterdir()) == ["outputs.zip"]  # nothing else left
    assert not any(
        CANARY in p.read_text(errors="ignore")
        for p in (tmp_path / "mlruns").rglob("*")
        if p.is_file()
    )


def test_a_domino_job_without_mlflow_says_so_and_still_succeeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "mlflow", None)  # as when it is not installed in the job
    monkeypatch.setitem(sys.modules, "mlflow.tracking", None)
    monkeypatch.setenv("SECRET", "x")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", (tmp_path / "mlruns").as_uri())
    staging = stage(tmp_path / "files", PLAN)
    assert domino_bootstrap.run_archive(staging / "job.pyz") == 0
    said = [line for line in capfd.readouterr().err.splitlines() if "MLflow" in line]
    assert said == [tracking_job.skipped_line("in this job's environment")]
    with zipfile.ZipFile(staging / "outputs.zip") as bundle:
        report = json.loads(bundle.read(domino_bootstrap.TRACKING_REPORT))
    assert report == {"stats_file": str(tmp_path / "files" / "dominostats.json")}
    assert not (tmp_path / "mlruns").exists()
