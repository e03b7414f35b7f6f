"""The examples, run end to end on the local backend as users run them.

A temporary project holds a copy of ``examples/`` and a pyproject.toml mapping the examples'
environments and hardware tiers; flows run as ``python flow.py`` and ``pyflyte run`` in real
subprocesses, with fake Domino credentials in their environment that must never show up anywhere.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from processes import alive, wait_for

from domino_flows.authoring import serialize
from domino_flows.records.store import RunStore

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FAKE_KEY = "fake-api-key-3c1d9e7f"
FAKE_PROXY = "http://fake-proxy-51a2b3:8899"

PYPROJECT = f"""
[project]
name = "churn"

[tool.domino_flows.environments."Python 3.11"]
python = "{sys.executable}"

[tool.domino_flows.environments."GPU Python 3.11"]
command_prefix = "env DOMINO_FLOWS_EXAMPLE_GPU=1 PATH={BIN}:/usr/bin:/bin"

[tool.domino_flows.hardware_tiers.Small]
cores = 1
memory_gib = 2

[tool.domino_flows.hardware_tiers.Medium]
cores = 1
memory_gib = 3

[tool.domino_flows.hardware_tiers.Large]
cores = 2
memory_gib = 4

[tool.domino_flows.domino]
project = "alice/churn"
"""

NAPPING = """
import os
import subprocess
import sys
import time
from pathlib import Path

from flytekit import workflow

from domino_flows import domino_task


@domino_task(environment="Python 3.11", hardware_tier="Small")
def nap(seconds: int) -> int:
    child = subprocess.Popen(["sleep", str(seconds)])
    Path(os.environ["NAP_PIDS"]).write_text(f"{os.getpid()} {child.pid}")
    time.sleep(seconds)
    return seconds


@domino_task(environment="Python 3.11", hardware_tier="Small")
def leak() -> str:
    print(dict(os.environ))
    print(dict(os.environ), file=sys.stderr)
    if "NAP_PIDS" not in os.environ:
        key = os.environ.get("DOMINO_USER_API_KEY", "absent")
        raise RuntimeError("failed on purpose, key " + key)
    return "unexpected"


@workflow
def napping(seconds: int = 120) -> int:
    return nap(seconds=seconds)


@workflow
def leaking() -> str:
    return leak()


if __name__ == "__main__":
    print(napping() if sys.argv[1:] == ["nap"] else leaking())
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("churn")
    shutil.copytree(REPO / "examples", root / "examples")
    (root / "flows").mkdir()
    (root / "flows" / "napping.py").write_text(NAPPING)
    (root / "pyproject.toml").write_text(PYPROJECT)
    return root


def environment(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DOMINO_FLOWS_") and k != "PYTEST_CURRENT_TEST"
    }
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        DOMINO_USER_API_KEY=FAKE_KEY,
        DOMINO_API_PROXY=FAKE_PROXY,
        # flytekit's local cache outlives a test's project: every test runs its jobs
        FLYTE_LOCAL_CACHE_ENABLED="false",
        **extra,
    )
    return env


def run(project: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args),
        cwd=project,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def last_number(output: str) -> float:
    return float(output.strip().splitlines()[-1])


def expected_mae(project: Path, rows: int, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> float:
    """The pipeline's answer computed by calling its functions directly, in this process."""
    from domino_flows.authoring.loading import load_module

    module = load_module(project / "examples" / "ml_pipeline.py")
    monkeypatch.chdir(workdir)
    data = module.prepare_data(rows=rows, seed=7)
    model = module.train(data=data, learning_rate=0.01)
    return module.evaluate(data=data, model=model).mean_absolute_error


@pytest.fixture(scope="module")
def ml_run(project: Path) -> subprocess.CompletedProcess[str]:
    before = {r["run_id"] for r in store(project).runs()}
    result = run(project, sys.executable, "examples/ml_pipeline.py")
    # `python flow.py` and `pyflyte run` record the workflow under one name: tell them apart by
    # which run this command made
    result.run_ids = [r["run_id"] for r in store(project).runs() if r["run_id"] not in before]  # type: ignore[attr-defined]
    return result


@pytest.fixture(scope="module")
def stage_run(project: Path) -> subprocess.CompletedProcess[str]:
    return run(project, sys.executable, "examples/stage_scripts.py")


@pytest.fixture(scope="module")
def leak_run(project: Path) -> subprocess.CompletedProcess[str]:
    return run(project, sys.executable, "flows/napping.py", "leak")


def store(project: Path) -> RunStore:
    return RunStore.for_project(project)


def python_run(project: Path, ml_run: subprocess.CompletedProcess[str]) -> str:
    """The run id of ``python examples/ml_pipeline.py``, named as every starter names it."""
    (run_id,) = ml_run.run_ids  # type: ignore[attr-defined]
    (record,) = [r for r in store(project).runs() if r["run_id"] == run_id]
    assert record["flow"] == "examples.ml_pipeline.training_pipeline"
    return run_id


def test_ml_pipeline_with_python(
    project: Path, ml_run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert ml_run.returncode == 0, ml_run.stderr[-3000:]
    expected = expected_mae(project, 200, tmp_path, monkeypatch)
    assert last_number(ml_run.stdout) == pytest.approx(expected, rel=1e-9)


def test_ml_pipeline_with_pyflyte_run(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(
        project,
        str(BIN / "pyflyte"),
        "run",
        "examples/ml_pipeline.py",
        "training_pipeline",
        "--rows",
        "50",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    expected = expected_mae(project, 50, tmp_path, monkeypatch)
    assert last_number(result.stdout) == pytest.approx(expected, rel=1e-9)
    flow = "examples.ml_pipeline.training_pipeline"  # the name domino-flows run gives it
    assert store(project).runs()[-1]["flow"] == flow
    assert store(project).runs()[-1]["state"] == "Succeeded"


def test_ml_pipeline_used_two_environments_and_three_tiers(project: Path, ml_run) -> None:
    run_id = python_run(project, ml_run)
    attempts = {a.task.rsplit(".", 1)[1]: a for a in store(project).attempts(run_id)}
    assert {name: (a.environment, a.hardware_tier, a.state) for name, a in attempts.items()} == {
        "prepare_data": ("Python 3.11", "Small", "Succeeded"),
        "train": ("GPU Python 3.11", "Large", "Succeeded"),
        "evaluate": ("Python 3.11", "Medium", "Succeeded"),
    }


def test_ml_pipeline_lineage_for_every_task(project: Path, ml_run) -> None:
    run_id = python_run(project, ml_run)
    events = store(project).lineage_events(run_id)
    run_level = [e["event_type"] for e in events if e["task"] is None]
    assert run_level == ["START", "COMPLETE"]
    for task in ("prepare_data", "train", "evaluate"):
        mine = [e for e in events if e["task"] == f"examples.ml_pipeline.{task}"]
        assert [e["event_type"] for e in mine] == ["START", "COMPLETE"], task
        start, complete = (json.loads(e["event"]) for e in mine)
        assert start["run"]["runId"] == complete["run"]["runId"]
        domino = complete["run"]["facets"]["dominoJob"]
        assert domino["jobId"] and domino["jobUrl"].startswith("file://")
        assert domino["hardwareTierName"] and domino["environmentName"]
        assert (
            domino["command"] == f"python -m domino_flows.entrypoint examples/ml_pipeline.py:{task}"
        )
        assert complete["job"]["facets"]["jobType"]["integration"] == "DOMINO_FLOWS"
        assert complete["job"]["facets"]["sourceCodeLocation"]["path"] == "examples/ml_pipeline.py"
        assert complete["outputs"], task
        for dataset in start["inputs"] + complete["outputs"]:
            assert len(dataset["facets"]["dominoFlowsContent"]["sha256"]) == 64


def test_ml_pipeline_artifacts_listed_with_lineage(project: Path, ml_run) -> None:
    run_id = python_run(project, ml_run)
    artifacts = {a.artifact_name: a for a in store(project).artifacts(run_id)}
    assert set(artifacts) == {"Churn model", "Churn report"}
    model, report = artifacts["Churn model"], artifacts["Churn report"]
    assert (model.artifact_type, model.file_name, model.task) == (
        "MODEL",
        "model.json",
        "examples.ml_pipeline.train",
    )
    assert (report.artifact_type, report.file_name, report.output) == (
        "REPORT",
        "report.md",
        "report",
    )
    for artifact in (model, report):
        path = Path(artifact.path)
        assert (
            path
            == (project / ".domino-flows" / "artifacts" / run_id / artifact.artifact_name)
            / artifact.file_name
        )
        assert hashlib.sha256(path.read_bytes()).hexdigest() == artifact.sha256
        (complete,) = [
            json.loads(e["event"])
            for e in store(project).lineage_events(run_id, artifact.task)
            if e["event_type"] == "COMPLETE"
        ]
        (dataset,) = [
            d
            for d in complete["outputs"]
            if d["name"].startswith(f"artifacts/{artifact.artifact_name}/")
        ]
        assert dataset["facets"]["dominoFlowsContent"]["sha256"] == artifact.sha256
    assert "mean absolute error" in Path(report.path).read_text()
    assert set(json.loads(Path(model.path).read_text())) == {"slope", "intercept"}


def test_stage_scripts_run_unchanged(stage_run) -> None:
    assert stage_run.returncode == 0, stage_run.stderr[-3000:]
    assert stage_run.stdout.strip().splitlines()[-1] == "4"  # to, be, or, not


def test_helper_style_runs(project: Path) -> None:
    result = run(project, sys.executable, "examples/helper_style.py")
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "8"  # distinct words of the default text


def test_a_failing_task_reports_its_error(project: Path, leak_run) -> None:
    assert leak_run.returncode != 0
    assert "RuntimeError: failed on purpose, key absent" in leak_run.stderr
    (attempt,) = [a for a in store(project).attempts() if a.task == "flows.napping.leak"]
    assert attempt.state == "Failed" and "failed on purpose" in attempt.error


def test_ctrl_c_leaves_no_job_process_behind(project: Path, tmp_path: Path) -> None:
    pids_file = tmp_path / "pids"
    flow = subprocess.Popen(
        [sys.executable, "flows/napping.py", "nap"],
        cwd=project,
        env=environment(NAP_PIDS=str(pids_file)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_for(lambda: pids_file.exists() and len(pids_file.read_text().split()) == 2, 60)
        job_pid, child_pid = (int(p) for p in pids_file.read_text().split())
        assert alive(job_pid) and alive(child_pid)
        flow.send_signal(signal.SIGINT)
        flow.wait(timeout=30)
    finally:
        if flow.poll() is None:
            flow.kill()
    assert wait_for(lambda: not alive(job_pid) and not alive(child_pid), 10)
    (attempt,) = [a for a in store(project).attempts() if a.task == "flows.napping.nap"]
    assert attempt.state == "Stopped"
    events = store(project).lineage_events(attempt.run_id)
    assert [(e["task"], e["event_type"]) for e in events] == [
        (None, "START"),
        ("flows.napping.nap", "START"),
        ("flows.napping.nap", "ABORT"),
        (None, "ABORT"),
    ]


def test_credentials_appear_nowhere(project: Path, ml_run, stage_run, leak_run) -> None:
    secrets = (FAKE_KEY.encode(), FAKE_PROXY.encode())
    written = [p for p in (project / ".domino-flows").rglob("*") if p.is_file()]
    assert any(p.name == "runs.sqlite" for p in written)
    assert any(p.name == "stderr.log" for p in written)
    for path in written:  # logs, job records, artifacts, the store and its write-ahead log
        data = path.read_bytes()
        assert not any(secret in data for secret in secrets), path
    for result in (ml_run, stage_run, leak_run):  # what users see, error messages included
        for text in (result.stdout, result.stderr):
            assert FAKE_KEY not in text and FAKE_PROXY not in text


def test_serialized_templates_hold_no_credentials(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOMINO_USER_API_KEY", FAKE_KEY)
    monkeypatch.setenv("DOMINO_API_PROXY", FAKE_PROXY)
    monkeypatch.setenv("DOMINO_FLOWS_PROJECT_ROOT", str(project))
    from domino_flows.authoring.loading import load_entity

    for file, name in (
        ("ml_pipeline.py", "training_pipeline"),
        ("stage_scripts.py", "word_count_flow"),
        ("hello.py", "hello"),
    ):
        entity = load_entity(project / "examples" / file, name)
        text = json.dumps(serialize.to_dicts(serialize.serialize(entity)))
        assert "domino_job" in text
        assert FAKE_KEY not in text and FAKE_PROXY not in text
