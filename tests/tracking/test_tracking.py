"""Tracking in process: the attempt's MLflow run through the execution core, the settings that
turn it on or off, what is said without MLflow, and credentials kept out of every record."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from domino_flows.authoring.config import DominoJobConfig
from domino_flows.backends.base import JobHandle, JobSpec, JobState, JobStatus, ResolvedJob
from domino_flows.cli import main
from domino_flows.contract import tracking_job
from domino_flows.core import redaction
from domino_flows.core.errors import ConfigurationError
from domino_flows.execution import attempt, tracking
from domino_flows.execution.session import RunSession
from domino_flows.records.store import RunStore
from domino_flows.records.tracking import TrackingRecords, store_address

mlflow_tracking = pytest.importorskip("mlflow.tracking")

CANARY = "sk-TRACKING-CANARY-5d1e0b7a"


class Backend:
    """Jobs that end as the test says; the runner records them (as locally)."""

    name = "scripted"

    def __init__(self, in_job: bool = False) -> None:
        self.in_job = in_job
        self.tags: dict[str, list[str]] = {}
        self.specs: list[JobSpec] = []

    def resolve(self, spec: JobSpec) -> ResolvedJob:
        return ResolvedJob("env-1", "Python", None, "tier-1", "Small")

    def stage_inputs(self, spec: JobSpec, values: dict[str, Any]) -> str:
        self.specs.append(spec)
        return "staged"

    def start(self, spec: JobSpec, staging: str) -> JobHandle:
        return JobHandle(self.name, f"job-{spec.attempt}", spec.run_id, spec.task)

    def status(self, handle: JobHandle) -> JobStatus:
        return JobStatus(JobState.SUCCEEDED)

    def stop(self, handle: JobHandle) -> None:
        return None

    def collect_outputs(self, handle: JobHandle, spec: JobSpec) -> dict[str, Any]:
        return {"score": 0.5}

    def logs(self, handle: JobHandle, tail: int | None = None) -> str:
        return "the log\n"

    def error_text(self, handle: JobHandle) -> str:
        return ""

    def records_in_job(self) -> bool:
        return self.in_job

    def tag_job(self, handle: JobHandle, tags: list[str]) -> None:
        self.tags[handle.job_id] = tags

    def job_records(self, handle: JobHandle) -> dict[str, str]:
        return {}


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'tracked'\n\n[tool.domino_flows.tracking]\nmlflow = true\n"
    )
    monkeypatch.setenv("DOMINO_USER_API_KEY", CANARY)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return tmp_path


def task_spec(number: int = 1) -> JobSpec:
    return JobSpec(
        "run-1",
        "flows.wf",
        "flows.train@n1",
        DominoJobConfig(Command="python train.py"),
        input_types={"label": str, "rows": int},
        output_types={"score": float},
        attempt=number,
    )


def client_for(root: Path) -> Any:
    return mlflow_tracking.MlflowClient((root / ".domino-flows" / "mlruns").as_uri())


def only_run(root: Path, task: str = "flows.train") -> Any:
    """The one MLflow run of ``task`` (with "", of the flow run itself: it has no task tag)."""
    client = client_for(root)
    experiment = client.get_experiment_by_name(f"local/{root.name}/flows.wf")
    runs = client.search_runs([experiment.experiment_id])
    chosen = [r for r in runs if r.data.tags.get("domino_flows.task", "") == task]
    assert len(chosen) == 1
    return chosen[0]


def run_attempt(root: Path, backend: Backend, state: JobState, values: dict[str, Any]) -> None:
    session = RunSession(root, "run-1", "flows.wf", backend)  # type: ignore[arg-type]
    session.begin()
    spec = task_spec()
    record = attempt.start(backend, spec, values, root)  # type: ignore[arg-type]
    attempt.finish(backend, record, JobStatus(state, "it broke"), spec, {})  # type: ignore[arg-type]
    session.close(state)


def test_an_attempt_is_one_nested_mlflow_run_with_no_credential(root: Path) -> None:
    backend = Backend()
    run_attempt(root, backend, JobState.SUCCEEDED, {"label": f"key={CANARY}", "rows": 3})
    run = only_run(root)
    assert run.data.params == {"label": "key=<DOMINO_USER_API_KEY redacted>", "rows": "3"}
    assert run.data.metrics == {"score": 0.5}
    assert run.data.tags["domino_flows.node"] == "n1"
    assert run.data.tags["domino_flows.job_id"] == "job-1"
    assert run.data.tags["domino_flows.hardware_tier"] == "Small"
    parent = only_run(root, task="")  # the flow run's own: no task tag
    assert run.data.tags["mlflow.parentRunId"] == parent.info.run_id
    assert (run.info.status, parent.info.status) == ("FINISHED", "FINISHED")
    # the job was told which run is its own, and where its numbers go
    environment = backend.specs[0].environment
    assert environment["MLFLOW_RUN_ID"] == run.info.run_id
    assert environment["DOMINO_FLOWS_STATS_FILE"].endswith("/1/dominostats.json")
    assert backend.tags["job-1"] == ["flow:flows.wf", "run:run-1", "task:flows.train"]
    assert not any(CANARY in p.read_text(errors="ignore") for p in _files(root))


def _files(root: Path) -> list[Path]:
    return [p for p in (root / ".domino-flows").rglob("*") if p.is_file()]


def test_a_failed_attempt_ends_its_run_failed_without_metrics(root: Path) -> None:
    run_attempt(root, Backend(), JobState.FAILED, {"label": "x", "rows": 1})
    run = only_run(root)
    assert run.info.status == "FAILED"
    assert run.data.metrics == {}
    assert only_run(root, task="").info.status == "FAILED"


def test_a_job_that_records_itself_gets_the_plan_not_a_run(root: Path) -> None:
    (root / "pyproject.toml").write_text("[project]\nname = 'tracked'\n")  # default: on
    backend = Backend(in_job=True)
    session = RunSession(root, "run-1", "flows.wf", backend)  # type: ignore[arg-type]
    session.begin()
    attempt.start(backend, task_spec(), {"label": CANARY, "rows": 2}, root)  # type: ignore[arg-type]
    (spec,) = backend.specs
    plan = spec.tracking
    assert plan["mlflow"] and plan["stats"]
    assert plan["params"] == {"label": "<DOMINO_USER_API_KEY redacted>", "rows": "2"}
    assert plan["metric_outputs"] == ["score"]
    assert plan["experiment"] == f"local/{root.name}/flows.wf"
    assert "MLFLOW_RUN_ID" not in spec.environment  # the job opens its own run
    assert not (root / ".domino-flows" / "mlruns").exists()  # the runner cannot reach it


@pytest.mark.parametrize(
    ("table", "wrong"), [("mlflow = 'yes'", "mlflow = 'yes'"), ("job_tags = 1", "job_tags = 1")]
)
def test_a_setting_that_is_not_a_boolean_is_refused_before_the_run_is_recorded(
    root: Path, table: str, wrong: str
) -> None:
    (root / "pyproject.toml").write_text(f"[tool.domino_flows.tracking]\n{table}\n")
    session = RunSession(root, "run-1", "flows.wf", Backend())  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError) as caught:
        session.begin()
    assert str(caught.value) == (
        f"{root / 'pyproject.toml'} [tool.domino_flows.tracking]: {wrong}; write "
        f"{wrong.split()[0]} = true or {wrong.split()[0]} = false."
    )
    assert RunStore.for_project(root).runs() == []


def test_tracking_off_records_nothing_in_mlflow_but_keeps_the_stats(root: Path) -> None:
    (root / "pyproject.toml").write_text("[tool.domino_flows.tracking]\nmlflow = false\n")
    run_attempt(root, Backend(), JobState.SUCCEEDED, {"label": "x", "rows": 1})
    assert not (root / ".domino-flows" / "mlruns").exists()
    stats = next((root / ".domino-flows" / "tracking" / "run-1").glob("*/1/dominostats.json"))
    assert json.loads(stats.read_text()) == {"score": 0.5}


def test_without_mlflow_one_line_says_what_is_skipped(
    root: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "mlflow", None)  # as when it is not installed
    monkeypatch.setitem(sys.modules, "mlflow.tracking", None)
    run_attempt(root, Backend(), JobState.SUCCEEDED, {"label": "x", "rows": 1})
    said = [r.getMessage() for r in caplog.records if "MLflow" in r.getMessage()]
    assert said == [tracking_job.skipped_line("for this runner")]
    assert "no MLflow run recorded (params, metrics, artifacts skipped)" in said[0]
    assert not (root / ".domino-flows" / "mlruns").exists()
    monkeypatch.chdir(root)
    shown = CliRunner().invoke(main, ["show", "run-1"], catch_exceptions=False).output
    assert said[0] in shown


def test_the_in_job_copy_masks_what_the_kit_masks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert tracking_job.CREDENTIAL_VARIABLES == redaction.CREDENTIAL_VARIABLES
    token = tmp_path / "token"
    token.write_text("bearer-token-" + CANARY)
    monkeypatch.setenv("DOMINO_TOKEN_FILE", str(token))
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "mlflow-secret-value")
    text = tracking_job.mask(f"a bearer-token-{CANARY} b {token} c mlflow-secret-value")
    assert "CANARY" not in text and "mlflow-secret-value" not in text and str(token) not in text


def test_a_store_address_keeps_no_password() -> None:
    assert (
        store_address("https://alice:pw@mlflow.example:5000/x") == "https://mlflow.example:5000/x"
    )
    assert store_address("file:///p/.domino-flows/mlruns") == "file:///p/.domino-flows/mlruns"
    assert store_address(None) == ""


def test_records_are_kept_per_attempt(root: Path) -> None:
    records = TrackingRecords(RunStore.for_project(root))
    records.put("run-1", "t", 1, "job_tags", ["a"])
    records.put("run-1", "t", 1, "job_tags", ["a", "b"])  # the last one wins
    assert [(r.kind, r.value) for r in records.of_run("run-1")] == [("job_tags", ["a", "b"])]
    assert tracking.experiment_name(root, "run-1", "flows.wf") == f"local/{root.name}/flows.wf"


def test_a_model_or_data_artifact_can_be_registered() -> None:
    from domino_flows import DATA, MODEL, REPORT, Artifact
    from domino_flows.authoring.artifacts import artifact_of
    from domino_flows.core.errors import TaskDefinitionError

    assert Artifact("Churn model", MODEL, register=True).model_name == "Churn model"
    assert Artifact("Churn model", MODEL, register="churn").model_name == "churn"
    assert Artifact("Churn model", MODEL).model_name is None
    marked = artifact_of(Artifact("Churn model", MODEL, register="churn").File(name="m.json"))
    assert marked == {"name": "Churn model", "type": "MODEL", "file": "m.json", "register": "churn"}
    assert "register" not in artifact_of(Artifact("Churn model", MODEL).File(name="m.json"))
    assert Artifact("Prepared", DATA, register=True).model_name is None  # a dataset instead
    with pytest.raises(TaskDefinitionError, match="a REPORT artifact cannot be registered"):
        Artifact("Summary", REPORT, register=True)
    with pytest.raises(TaskDefinitionError, match=r"register=''; give True"):
        Artifact("Churn model", MODEL, register="")


def test_a_runner_without_mlflow_still_lets_domino_jobs_record_themselves(
    root: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "mlflow", None)
    monkeypatch.setitem(sys.modules, "mlflow.tracking", None)
    (root / "pyproject.toml").write_text("[project]\nname = 'tracked'\n")  # default: on
    backend = Backend(in_job=True)
    RunSession(root, "run-1", "flows.wf", backend).begin()  # type: ignore[arg-type]
    attempt.start(backend, task_spec(), {"label": "x", "rows": 2}, root)  # type: ignore[arg-type]
    assert backend.specs[0].tracking["mlflow"] is True  # the job's environment decides
    said = [r.getMessage() for r in caplog.records if "MLflow" in r.getMessage()]
    assert said == [
        "domino-flows: MLflow is not installed for this runner: no parent MLflow run for this "
        "flow run; each job records its own run where MLflow is installed."
    ]


def test_a_runner_that_makes_no_parent_run_does_not_import_mlflow(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Domino's tracking server is out of the runner's reach: the jobs record themselves, so the
    # runner only looks for MLflow (importing it costs seconds of CPU per run)
    monkeypatch.delenv(tracking_job.TRACKING_URI_VARIABLE, raising=False)
    asked: list[bool] = []
    real = tracking_job.mlflow_available

    def looked_for(*, importing: bool = True) -> bool:
        asked.append(importing)
        return real(importing=importing)

    monkeypatch.setattr(tracking_job, "mlflow_available", looked_for)
    (root / "pyproject.toml").write_text("[project]\nname = 'tracked'\n")  # default: on
    backend = Backend(in_job=True)
    RunSession(root, "run-1", "flows.wf", backend).begin()  # type: ignore[arg-type]
    attempt.start(backend, task_spec(), {"label": "x", "rows": 2}, root)  # type: ignore[arg-type]
    assert asked == [False]
    assert backend.specs[0].tracking["mlflow"] is True
    (kept,) = [
        r.value
        for r in TrackingRecords(RunStore.for_project(root)).of_run("run-1")
        if r.kind == "mlflow_run"
    ]
    assert kept["mlflow"] is True and "run_id" not in kept


def test_looking_for_mlflow_without_importing_it_sees_a_missing_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert tracking_job.mlflow_available(importing=False) is True
    monkeypatch.setitem(sys.modules, "mlflow", None)  # as when it is not installed
    assert tracking_job.mlflow_available(importing=False) is False


def test_a_task_run_by_one_node_is_tagged_with_that_node_and_every_documented_tag(
    root: Path,
) -> None:
    backend = Backend()
    session = RunSession(root, "run-1", "flows.wf", backend)  # type: ignore[arg-type]
    session.begin()
    spec = replace(task_spec(), task="flows.train", node="n0")  # the only node running it
    record = attempt.start(backend, spec, {"label": "x", "rows": 1}, root)  # type: ignore[arg-type]
    attempt.finish(backend, record, JobStatus(JobState.SUCCEEDED), spec, {})  # type: ignore[arg-type]
    session.close(JobState.SUCCEEDED)
    tags = {k: v for k, v in only_run(root).data.tags.items() if k.startswith("domino_flows.")}
    assert sorted(tags) == [
        "domino_flows.attempt",
        "domino_flows.environment",
        "domino_flows.flow",
        "domino_flows.hardware_tier",
        "domino_flows.job_id",
        "domino_flows.node",
        "domino_flows.run_id",
        "domino_flows.task",
    ]  # and the commit, in a project with one (this test's folder is not a git repository)
    assert (tags["domino_flows.task"], tags["domino_flows.node"]) == ("flows.train", "n0")
