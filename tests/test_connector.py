"""The domino_job connector: create/get/delete over the local backend, phases, metadata."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from collections import OrderedDict
from pathlib import Path

import pytest
from flyteidl.core.execution_pb2 import TaskExecution
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine
from flytekit.tools.translator import get_serializable

from domino_flows import DominoJobConfig, DominoJobTask
from domino_flows.authoring import serialize
from domino_flows.backends.base import JobHandle, JobState, JobStatus
from domino_flows.connector import (
    PHASES,
    DominoJobConnector,
    DominoJobMetadata,
    _close_at_exit,
    failure_message,
    flow_name,
    project_root_for,
)
from domino_flows.core.errors import ConfigurationError
from domino_flows.execution.session import RunSession
from domino_flows.records.store import RunStore

FAKE_KEY = "fake-key-9d8c7b6a"
FAKE_PROXY = "http://fake-proxy-2e4f6a:8899"


@pytest.fixture
def project_files() -> dict[str, str]:
    return {"pyproject.toml": "[project]\nname = 'demo'\n"}


@pytest.fixture
def project(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project of tests/conftest.py, named by variable, with credentials the connector must
    never let out."""
    monkeypatch.setenv("DOMINO_FLOWS_PROJECT_ROOT", str(project))
    monkeypatch.setenv("DOMINO_FLOWS_RUN_ID", "run-connector")
    monkeypatch.setenv("DOMINO_USER_API_KEY", FAKE_KEY)
    monkeypatch.setenv("DOMINO_API_PROXY", FAKE_PROXY)
    return project


def template_and_inputs(task: DominoJobTask, values: dict):
    template = get_serializable(OrderedDict(), serialize.settings(), task).template
    ctx = FlyteContextManager.current_context()
    literals = TypeEngine.dict_to_literal_map(ctx, values, task.python_interface.inputs)
    return template, literals


def shell_task(name: str, command: str, inputs=None, outputs=None) -> DominoJobTask:
    return DominoJobTask(
        name=name,
        domino_job_config=DominoJobConfig(Command=command),
        inputs=inputs or {},
        outputs=outputs or {},
    )


def until_terminal(connector: DominoJobConnector, meta: DominoJobMetadata, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        resource = connector.get(meta)
        if resource.phase in (TaskExecution.SUCCEEDED, TaskExecution.FAILED, TaskExecution.ABORTED):
            return resource
        time.sleep(0.05)
    raise AssertionError(f"task did not finish in {timeout}s")


DOUBLE = shell_task(
    "double",
    'echo "doubling"; echo $(( $(cat "$DOMINO_FLOWS_INPUTS_DIR/n") * 2 )) '
    '> "$DOMINO_FLOWS_OUTPUTS_DIR/doubled"',
    inputs={"n": int, "note": str},
    outputs={"doubled": int},
)


def test_phase_table_covers_every_status() -> None:
    assert set(PHASES) == set(JobState)
    assert PHASES[JobState.QUEUED] == TaskExecution.QUEUED
    assert PHASES[JobState.PENDING] == TaskExecution.INITIALIZING
    assert PHASES[JobState.RUNNING] == TaskExecution.RUNNING
    assert PHASES[JobState.SUCCEEDED] == TaskExecution.SUCCEEDED
    assert PHASES[JobState.FAILED] == TaskExecution.FAILED
    assert PHASES[JobState.ERROR] == TaskExecution.FAILED
    assert PHASES[JobState.STOPPED] == TaskExecution.ABORTED


class FakeBackend:
    """A backend whose job is in whatever state the test says."""

    name = "fake"

    def __init__(self) -> None:
        self.state = JobState.QUEUED
        self.stops = 0

    def status(self, handle: JobHandle) -> JobStatus:
        return JobStatus(self.state, f"job is {self.state.value}")

    def logs(self, handle: JobHandle, tail: int | None = None) -> str:
        lines = [f"line {i}\n" for i in range(1, 31)]
        return "".join(lines[-tail:] if tail else lines)

    def collect_outputs(self, handle, spec) -> dict:
        return {}

    def stop(self, handle: JobHandle) -> None:
        self.stops += 1

    def error_text(self, handle: JobHandle) -> str:
        return ""


@pytest.mark.parametrize("state", list(JobState))
def test_get_maps_every_status(state: JobState, project: Path) -> None:
    connector = DominoJobConnector()
    fake = FakeBackend()
    fake.state = state
    connector._sessions[("r", str(project))] = RunSession(project, "r", "", fake)
    meta = DominoJobMetadata(
        backend="fake",
        job_id="j1",
        run_id="r",
        task="t",
        url="https://x/j1",
        project_root=str(project),
    )
    resource = connector.get(meta)
    assert resource.phase == PHASES[state]
    assert resource.log_links[0].uri == "https://x/j1"
    if state in (JobState.FAILED, JobState.ERROR, JobState.STOPPED):
        assert f"job is {state.value}" in resource.message
        assert "line 11\n" in resource.message and "line 30" in resource.message
        assert "line 10\n" not in resource.message


def test_create_get_collects_outputs_and_records(project: Path) -> None:
    connector = DominoJobConnector()
    template, inputs = template_and_inputs(DOUBLE, {"n": 21, "note": "private-input-value"})
    meta = connector.create(template, "", inputs)
    assert meta.backend == "local" and meta.run_id == "run-connector" and meta.attempt == 1
    resource = until_terminal(connector, meta)
    assert resource.phase == TaskExecution.SUCCEEDED, resource.message
    ctx = FlyteContextManager.current_context()
    assert TypeEngine.literal_map_to_kwargs(ctx, resource.outputs, {"doubled": int}) == {
        "doubled": 42
    }
    assert Path(resource.log_links[0].uri.removeprefix("file://")).is_dir()
    store = RunStore.for_project(project)
    (attempt,) = store.attempts("run-connector")
    assert (attempt.task, attempt.state, attempt.job_id) == ("double", "Succeeded", meta.job_id)
    events = store.lineage_events("run-connector", "double")
    assert [e["event_type"] for e in events] == ["START", "COMPLETE"]
    complete = json.loads(events[1]["event"])
    domino = complete["run"]["facets"]["dominoJob"]
    assert domino["environmentId"].startswith("local:") and domino["hardwareTierId"]
    assert domino["jobId"] == meta.job_id
    (output,) = complete["outputs"]
    assert output["facets"]["dominoFlowsContent"]["sha256"] == hashlib.sha256(b"42").hexdigest()
    assert [link.name for link in resource.log_links][1:] == ["stdout log", "stderr log"]
    assert Path(resource.log_links[1].uri.removeprefix("file://")).read_text() == "doubling\n"
    connector.get(meta)  # polling again records nothing twice
    assert len(store.lineage_events("run-connector", "double")) == 2
    second = connector.create(template, "", inputs)
    assert second.attempt == 2  # the same task again in one run is its next attempt


def test_failure_message_has_error_file_and_log_tail(project: Path) -> None:
    connector = DominoJobConnector()
    task = shell_task(
        "fails",
        'for i in $(seq 1 30); do echo "log $i"; done; '
        'echo "rows must be positive" > "$DOMINO_FLOWS_OUTPUTS_DIR/_ERROR"; exit 2',
        outputs={"x": int},
    )
    template, inputs = template_and_inputs(task, {})
    resource = until_terminal(connector, connector.create(template, "", inputs))
    assert resource.phase == TaskExecution.FAILED
    assert "exited with code 2" in resource.message
    assert "_ERROR: rows must be positive" in resource.message
    assert "log 30" in resource.message and "log 11\n" in resource.message
    assert "log 10\n" not in resource.message
    (attempt,) = RunStore.for_project(project).attempts("run-connector")
    assert attempt.state == "Failed" and "rows must be positive" in attempt.error


def test_missing_output_fails_the_task(project: Path) -> None:
    connector = DominoJobConnector()
    template, inputs = template_and_inputs(shell_task("lazy", "true", outputs={"x": int}), {})
    resource = until_terminal(connector, connector.create(template, "", inputs))
    assert resource.phase == TaskExecution.FAILED
    assert "did not write its output 'x'" in resource.message


def test_delete_is_idempotent(project: Path) -> None:
    connector = DominoJobConnector()
    template, inputs = template_and_inputs(shell_task("nap", "sleep 60"), {})
    meta = connector.create(template, "", inputs)
    connector.delete(meta)
    connector.delete(meta)
    resource = connector.get(meta)
    assert resource.phase == TaskExecution.ABORTED
    (attempt,) = RunStore.for_project(project).attempts("run-connector")
    assert attempt.state == "Stopped"
    events = RunStore.for_project(project).lineage_events("run-connector", "nap")
    assert [e["event_type"] for e in events] == ["START", "ABORT"]


def test_metadata_holds_no_secret_and_no_input_value(project: Path) -> None:
    connector = DominoJobConnector()
    template, inputs = template_and_inputs(DOUBLE, {"n": 1, "note": "private-input-value"})
    meta = connector.create(template, "", inputs)
    until_terminal(connector, meta)
    encoded = meta.encode()
    assert FAKE_KEY.encode() not in encoded and FAKE_PROXY.encode() not in encoded
    assert b"private-input-value" not in encoded
    assert b"DOMINO_USER_API_KEY" not in encoded
    assert DominoJobMetadata.decode(encoded) == meta


def test_unknown_environment_fails_create_with_the_configured_names(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        "[tool.domino_flows.environments.Base]\npython = 'python3'\n"
    )
    task = DominoJobTask(
        name="t", domino_job_config=DominoJobConfig(Command="true", EnvironmentName="Nope")
    )
    template, inputs = template_and_inputs(task, {})
    with pytest.raises(ConfigurationError, match="'Nope'.*Configured environments: Base"):
        DominoJobConnector().create(template, "", inputs)


def test_registered_when_users_import_domino_flows(tmp_path: Path) -> None:
    code = (
        "from domino_flows import domino_task\n"
        "from flytekit.extend.backend.base_connector import ConnectorRegistry\n"
        "print(type(ConnectorRegistry.get_connector('domino_job')).__name__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "DominoJobConnector", result.stderr


@pytest.mark.parametrize(
    ("argv", "flow"),
    [
        (["examples/ml_pipeline.py"], "examples.ml_pipeline"),  # one name for every starter
        (
            ["/venv/bin/pyflyte", "run", "examples/ml_pipeline.py", "training_pipeline"],
            "examples.ml_pipeline.training_pipeline",
        ),
        (
            ["/venv/bin/pyflyte", "--verbose", "run", "--remote", "f.py", "wf", "--rows", "5"],
            "f.wf",
        ),
        (["/venv/bin/pyflyte", "run", "--image", "x:1", "f.py", "wf"], "f.wf"),
        (["/venv/bin/pyflyte", "run", "f.py"], "f"),
        (["/venv/bin/pytest", "tests"], ""),
        ([], ""),
    ],
)
def test_flow_name_from_the_command_line(
    argv: list[str], flow: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DOMINO_FLOWS_FLOW", raising=False)
    assert flow_name(argv) == flow
    monkeypatch.setenv("DOMINO_FLOWS_FLOW", "named")
    assert flow_name(argv) == "named"


def test_jobs_run_from_the_flow_files_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "proj"
    (project / "flows").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (project / "flows" / "flow.py").write_text("")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("DOMINO_FLOWS_PROJECT_ROOT", raising=False)
    assert project_root_for([str(project / "flows" / "flow.py")]) == project.resolve()
    assert project_root_for(["pytest"]) == elsewhere.resolve()
    monkeypatch.setenv("DOMINO_FLOWS_PROJECT_ROOT", str(elsewhere))
    assert project_root_for([str(project / "flows" / "flow.py")]) == elsewhere.resolve()


def test_attempts_still_open_at_exit_are_stopped_and_recorded(project: Path) -> None:
    # Ctrl-C can arrive before flytekit installs its own handler (and so never calls delete):
    # the connector's exit hook stops what it started and records how it ended.
    connector = DominoJobConnector()
    template, inputs = template_and_inputs(shell_task("sleeper", "sleep 60"), {})
    meta = connector.create(template, "", inputs)
    session = connector._session(meta.run_id, Path(meta.project_root))
    backend = session.backend
    assert backend.status(meta.handle).state is JobState.RUNNING
    _close_at_exit(session)
    assert backend.status(meta.handle).state is JobState.STOPPED
    store = RunStore.for_project(project)
    (attempt,) = [a for a in store.attempts() if a.task == "sleeper"]
    assert attempt.state == "Stopped" and attempt.finished_at
    (run,) = [r for r in store.runs() if r["run_id"] == meta.run_id]
    assert run["state"] == "Stopped"  # never Succeeded: a task did not finish
    run_events = [e["event_type"] for e in store.lineage_events(meta.run_id) if not e["task"]]
    assert run_events == ["START", "ABORT"]
    _close_at_exit(session)  # nothing left open, the run already closed: does nothing
    assert len(store.lineage_events(meta.run_id)) == len(run_events) + 2


def test_failure_message_says_a_log_tail_once() -> None:
    tail = "loading\nboom\n"
    plain = failure_message(JobStatus(JobState.FAILED, "exit code 1"), tail)
    assert plain == "exit code 1\n--- last 20 log lines ---\nloading\nboom"
    already = failure_message(JobStatus(JobState.ERROR, f"job failed; log:\n{tail}"), tail)
    assert already.count("boom") == 1
    assert failure_message(JobStatus(JobState.STOPPED), "") == "the job ended Stopped"


def test_one_flow_name_however_the_workflow_was_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import types

    from domino_flows.authoring.loading import load_entity

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "one-name"\n')
    (tmp_path / "flows").mkdir()
    flow = tmp_path / "flows" / "train.py"
    flow.write_text(
        "from flytekit import workflow\nfrom domino_flows import domino_task\n\n\n"
        "@domino_task\ndef t(x: int) -> int:\n    return x\n\n\n"
        "@workflow\ndef wf(x: int = 1) -> int:\n    return t(x=x)\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DOMINO_FLOWS_FLOW", raising=False)
    monkeypatch.delenv("DOMINO_FLOWS_PROJECT_ROOT", raising=False)
    by_run = load_entity(flow, "wf").name  # domino-flows run flows/train.py wf
    by_pyflyte = flow_name(["/venv/bin/pyflyte", "run", "flows/train.py", "wf"])
    script = types.ModuleType("__main__")
    script.wf = load_entity(flow, "wf")  # what `python flows/train.py` defines
    monkeypatch.setitem(sys.modules, "__main__", script)
    by_python = flow_name(["flows/train.py"])
    assert by_run == by_pyflyte == by_python == "flows.train.wf"
