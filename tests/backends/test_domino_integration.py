"""The domino backend end to end: the real python-domino client, over HTTP, against the fake
Domino server, which runs each job as a subprocess."""

from __future__ import annotations

import json
import logging
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from domino_flows.authoring.config import DominoJobConfig
from domino_flows.backends.base import JobBackend, JobHandle, JobSpec, JobState, JobStatus
from domino_flows.backends.domino import DominoBackend
from domino_flows.backends.domino_client import DominoApiError, DominoCredentials, RetryPolicy
from domino_flows.backends.domino_polling import PollPolicy
from domino_flows.core.errors import ConfigurationError, TaskFailedError
from domino_flows.testing import DEFAULT_ENVIRONMENTS, FakeDomino
from domino_flows.testing.fake_domino_api import ACTIVE_REVISION_ID

pytest_plugins = ["domino_flows.testing.fixtures"]

REPO = Path(__file__).resolve().parents[2]
SECRET_KEY = "sk-DOMINO-FLOWS-CANARY-7f3a9c1e"

_IGNORED = shutil.ignore_patterns("__pycache__", ".domino-flows")

ADD_ONE = (
    'echo $(( $(cat "$DOMINO_FLOWS_INPUTS_DIR/a") + 1 )) > "$DOMINO_FLOWS_OUTPUTS_DIR/out"; '
    "echo added"
)


def make_backend(
    fake: FakeDomino,
    root: Path,
    api_key: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> DominoBackend:
    settings = SimpleNamespace(domino_project=fake.project, domino_host=fake.url)
    return DominoBackend(
        root,
        settings,
        credentials=DominoCredentials(api_key=api_key or fake.api_key),
        retry=RetryPolicy(attempts=5, base_delay=0.01, max_delay=0.05, sleep=sleep),
        poll=PollPolicy(initial=0.05, factor=1.5, max_interval=0.25),
    )


def shell_spec(command: str = ADD_ONE, task: str = "tests.add_one", **config: Any) -> JobSpec:
    return JobSpec(
        run_id="run-1",
        flow="tests.flow",
        task=task,
        config=DominoJobConfig(Command=command, **config),
        input_types={"a": int},
        output_types={"out": int},
    )


def run_one(backend: JobBackend, spec: JobSpec, values: dict[str, Any]) -> tuple[JobHandle, Any]:
    backend.resolve(spec)
    staging = backend.stage_inputs(spec, values)
    handle = backend.start(spec, staging)
    status = backend.wait(handle, timeout=60)  # type: ignore[attr-defined]
    return handle, status


PYTHON_311 = DEFAULT_ENVIRONMENTS["Python 3.11"]
GPU_PYTHON_311 = DEFAULT_ENVIRONMENTS["GPU Python 3.11"]


@pytest.fixture(params=["dfs", "git"])
def any_fake(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """A fake Domino of each project type: DFS, and git-based."""
    with FakeDomino(tmp_path / f"fake-{request.param}", project_type=request.param) as fake:
        yield fake
    fake.assert_valid()


@pytest.fixture
def backend(fake_domino: FakeDomino, tmp_path: Path) -> DominoBackend:
    return make_backend(fake_domino, tmp_path / "project")


def test_a_shell_task_runs_and_its_outputs_come_back(any_fake: FakeDomino, tmp_path: Path):
    fake_domino = any_fake
    backend = make_backend(fake_domino, tmp_path / "project")
    spec = shell_spec(HardwareTierName="Small", EnvironmentName="Python 3.11")
    handle, status = run_one(backend, spec, {"a": 41})
    assert status == JobStatus(JobState.SUCCEEDED, "")
    assert backend.collect_outputs(handle, spec) == {"out": 42}
    job = fake_domino.jobs[handle.job_id]
    assert (job.hardware_tier_id, job.environment_id) == ("small-k8s", PYTHON_311)
    assert job.title == "tests.flow / tests.add_one [run run-1, attempt 1]"
    assert handle.url == f"{fake_domino.url}/jobs/alice/flows/{handle.job_id}"
    staging = handle.details["staging"]
    assert re.fullmatch(
        r"\.domino-flows/staging/\d{8}-run-1/tests\.add_one-dfa-[0-9a-f]{16}", staging
    )
    # the job ran the staged archive where this project type shows project files
    files = "/mnt/artifacts" if fake_domino.project_type == "git" else "/mnt"
    assert job.command == f"python {files}/{staging}/job.pyz"
    assert "added" in backend.logs(handle, tail=5)
    # the job left one outputs.zip in its output commit, and took its inputs away
    output = fake_domino.tree(job.output_commit_id) / staging
    assert sorted(p.name for p in output.iterdir()) == ["outputs.zip"]
    # one upload, one start, one download for the task
    counted = ("upload", "job_start", "file_content", "jobs_list")
    assert [fake_domino.count(r) for r in counted] == [1, 1, 1, 0]
    # nothing outside Domino's published API but python-domino's own version check
    assert fake_domino.legacy_calls == [("GET", "version")]


def test_a_git_based_project_command_cannot_read_project_files_by_a_relative_path(
    fake_domino_git: FakeDomino, tmp_path: Path
):
    """Why the archive runs from /mnt/artifacts: a relative path starts in /mnt/code."""
    fake_domino_git.add_files({"data.csv": "1,2\n"})
    backend = make_backend(fake_domino_git, tmp_path / "project")
    spec = shell_spec(command='cat data.csv > "$DOMINO_FLOWS_OUTPUTS_DIR/out"')
    _handle, status = run_one(backend, spec, {"a": 1})
    assert status.state is JobState.FAILED
    assert "data.csv" in status.message


def test_large_binary_files_travel_both_ways_intact(backend, fake_domino, tmp_path):
    import hashlib

    from flytekit.types.file import FlyteFile

    source = tmp_path / "blob.bin"
    source.write_bytes(bytes(range(256)) * 20_000)  # 5 MB
    spec = JobSpec(
        run_id="run-1",
        flow="tests.flow",
        task="tests.copy",
        config=DominoJobConfig(
            Command='cp "$DOMINO_FLOWS_INPUTS_DIR/blob" "$DOMINO_FLOWS_OUTPUTS_DIR/copy"'
        ),
        input_types={"blob": FlyteFile},
        output_types={"copy": FlyteFile},
    )
    handle, status = run_one(backend, spec, {"blob": FlyteFile(str(source))})
    assert status.state is JobState.SUCCEEDED, status.message
    copied = Path(backend.collect_outputs(handle, spec)["copy"].path)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    assert hashlib.sha256(copied.read_bytes()).hexdigest() == digest


def _task_spec(task: Any, run_id: str) -> JobSpec:
    interface = task.python_interface
    return JobSpec(
        run_id=run_id,
        flow="examples.ml_pipeline.training_pipeline",
        task=task.name,
        config=task.domino_job_config,
        input_types=dict(interface.inputs),
        output_types=dict(interface.outputs),
    )


@pytest.mark.slow
def test_ml_pipeline_runs_task_after_task_on_domino(any_fake: FakeDomino, tmp_path: Path):
    from domino_flows.authoring.loading import load_module

    fake_domino = any_fake
    ml_pipeline = load_module(REPO / "examples" / "ml_pipeline.py")

    fake_domino.add_tree(REPO / "examples", "examples")
    fake_domino.add_files({"pyproject.toml": '[project]\nname = "example-project"\n'})
    backend = make_backend(fake_domino, tmp_path / "project")

    def run(task: Any, values: dict[str, Any]) -> dict[str, Any]:
        spec = _task_spec(task, "ml-1")
        handle, status = run_one(backend, spec, values)
        assert status.state is JobState.SUCCEEDED, status.message
        return backend.collect_outputs(handle, spec)

    prepared = run(ml_pipeline.prepare_data, {"rows": 60, "seed": 7})
    data = prepared["o0"]
    assert Path(data.path).read_text().startswith("x,y\n")
    model = run(ml_pipeline.train, {"data": data, "learning_rate": 0.01})["o0"]
    assert set(__import__("json").loads(Path(model.path).read_text())) == {"slope", "intercept"}
    evaluation = run(ml_pipeline.evaluate, {"data": data, "model": model})
    assert 0 <= evaluation["mean_absolute_error"] < 2
    assert Path(evaluation["report"].path).read_text().startswith("# Evaluation")

    tiers = [job.hardware_tier_id for job in fake_domino.jobs.values()]
    environments = [job.environment_id for job in fake_domino.jobs.values()]
    assert tiers == ["small-k8s", "large-k8s", "medium-k8s"]
    assert environments == [PYTHON_311, GPU_PYTHON_311, PYTHON_311]
    assert fake_domino.job_count == 3
    # names resolved once per run, not per job
    assert fake_domino.count("hardware_tiers") == 1
    assert fake_domino.count("useable_environments") == 1


def test_names_are_resolved_once_per_run(fake_domino: FakeDomino, tmp_path: Path):
    for run_number in (1, 2):
        backend = make_backend(fake_domino, tmp_path / "project")
        for index, tier in enumerate(["Small", "Medium", "Small"]):
            spec = shell_spec(task=f"t{index}", HardwareTierName=tier)
            spec = JobSpec(**{**spec.__dict__, "run_id": f"run-{run_number}"})
            _handle, status = run_one(backend, spec, {"a": index})
            assert status.state is JobState.SUCCEEDED
        assert fake_domino.count("hardware_tiers") == run_number
    assert fake_domino.job_count == 6


def test_use_latest_takes_the_projects_defaults_once_per_run(backend, fake_domino):
    for index in range(2):
        spec = shell_spec(task=f"latest{index}", UseLatest=True)
        resolved = backend.resolve(spec)
        assert (resolved.hardware_tier_id, resolved.environment_id) == ("small-k8s", PYTHON_311)
        # resolveJobDefaults answers with the specific revision the active one is today
        assert json.loads(resolved.environment_revision or "") == {"revisionId": ACTIVE_REVISION_ID}
        _handle, status = run_one(backend, spec, {"a": index})
        assert status.state is JobState.SUCCEEDED
    assert [job.hardware_tier_id for job in fake_domino.jobs.values()] == ["small-k8s"] * 2
    assert fake_domino.count("resolve_defaults") == 1
    pinned = shell_spec(HardwareTierName="Large", UseLatest=True)
    assert backend.resolve(pinned).hardware_tier_id == "large-k8s"


def test_concurrent_tasks_share_one_client_and_one_name_listing(backend, fake_domino):
    from concurrent.futures import ThreadPoolExecutor

    def run_task(index: int) -> Any:
        spec = shell_spec(task=f"parallel{index}", HardwareTierName="Medium")
        handle, status = run_one(backend, spec, {"a": index})
        assert status.state is JobState.SUCCEEDED, status.message
        return backend.collect_outputs(handle, spec)["out"]

    with ThreadPoolExecutor(6) as pool:
        assert sorted(pool.map(run_task, range(6))) == [1, 2, 3, 4, 5, 6]
    assert fake_domino.job_count == 6
    assert fake_domino.count("version") == 1
    assert fake_domino.count("hardware_tiers") == 1


@pytest.mark.parametrize(
    ("field", "name", "listed"),
    [
        ("HardwareTierName", "Huge", "'Large', 'Medium', 'Small'"),
        ("EnvironmentName", "Python 2", "'Domino Standard Environment', 'GPU Python 3.11'"),
    ],
)
def test_unknown_names_list_the_available_ones(backend, fake_domino, field, name, listed):
    with pytest.raises(ConfigurationError) as caught:
        backend.resolve(shell_spec(**{field: name}))
    message = str(caught.value)
    assert repr(name) in message and listed in message and field in message
    assert fake_domino.job_count == 0


# --- faults -----------------------------------------------------------------------------------


def _assert_one_job_and_output(backend, fake_domino, handle, spec, status):
    assert status.state is JobState.SUCCEEDED, status.message
    assert backend.collect_outputs(handle, spec) == {"out": 42}
    assert fake_domino.job_count == 1


@pytest.mark.parametrize(
    "route",
    ["find_project", "hardware_tiers", "upload", "job_status", "file_content"],
)
def test_server_errors_on_idempotent_calls_are_retried(backend, fake_domino, route):
    fake_domino.fail_next(route, times=2, status=503)
    spec = shell_spec(HardwareTierName="Small")
    handle, status = run_one(backend, spec, {"a": 41})
    _assert_one_job_and_output(backend, fake_domino, handle, spec, status)
    assert fake_domino.count(route) >= 3


def test_rate_limits_are_honoured_with_retry_after(fake_domino, tmp_path):
    slept: list[float] = []
    backend = make_backend(fake_domino, tmp_path / "project", sleep=slept.append)
    fake_domino.fail_next("job_start", status=429, retry_after=7)
    fake_domino.fail_next("job_status", status=429, retry_after=0)
    spec = shell_spec()
    handle, status = run_one(backend, spec, {"a": 41})
    assert 7 in slept  # the wait the server asked for, not the policy's own
    _assert_one_job_and_output(backend, fake_domino, handle, spec, status)
    assert fake_domino.count("job_start") == 2
    assert fake_domino.count("jobs_list") == 1  # looked before posting again


def test_a_start_whose_connection_dropped_after_the_job_was_created_is_not_repeated(
    backend, fake_domino
):
    fake_domino.drop_next("job_start", after_acting=True)
    spec = shell_spec()
    handle, status = run_one(backend, spec, {"a": 41})
    _assert_one_job_and_output(backend, fake_domino, handle, spec, status)
    assert fake_domino.count("job_start") == 1
    assert fake_domino.count("jobs_list") == 1


def test_a_start_answered_500_after_the_job_was_created_is_not_repeated(backend, fake_domino):
    fake_domino.fail_next("job_start", status=500, after_acting=True)
    spec = shell_spec()
    handle, status = run_one(backend, spec, {"a": 41})
    _assert_one_job_and_output(backend, fake_domino, handle, spec, status)
    assert fake_domino.count("job_start") == 1


def test_a_start_dropped_before_the_server_acted_is_sent_again_once(backend, fake_domino):
    fake_domino.drop_next("job_start", after_acting=False)
    spec = shell_spec()
    handle, status = run_one(backend, spec, {"a": 41})
    _assert_one_job_and_output(backend, fake_domino, handle, spec, status)
    assert fake_domino.count("job_start") == 2


def test_starting_the_same_staging_twice_starts_one_job(backend, fake_domino):
    spec = shell_spec()
    staging = backend.stage_inputs(spec, {"a": 1})
    assert backend.start(spec, staging) == backend.start(spec, staging)
    assert fake_domino.job_count == 1


def test_concurrent_starts_of_one_attempt_start_one_job_and_others_run_alongside(
    backend, fake_domino
):
    from concurrent.futures import ThreadPoolExecutor

    first, second = shell_spec(task="first"), shell_spec(task="second")
    staged = [backend.stage_inputs(s, {"a": 1}) for s in (first, second)]
    work = [(first, staged[0])] * 4 + [(second, staged[1])] * 4
    with ThreadPoolExecutor(8) as pool:
        handles = list(pool.map(lambda item: backend.start(*item), work))
    assert len({h.job_id for h in handles}) == 2
    assert fake_domino.job_count == 2


@pytest.mark.parametrize("end", ["Stopped", "Error"])
def test_a_job_ending_stopped_or_error_fails_with_its_log_tail(backend, fake_domino, end):
    fake_domino.end_next_job_as(end)
    spec = shell_spec(command="sleep 5; " + ADD_ONE)
    handle, status = run_one(backend, spec, {"a": 41})
    assert status.state is JobState(end)
    assert f"ended {end}" in status.message
    assert "last 30 lines of its log" in status.message
    assert "[fake-domino] job 1" in status.message
    assert handle.url in status.message
    assert fake_domino.job_count == 1
    with pytest.raises(TaskFailedError):
        backend.collect_outputs(handle, spec)


def test_a_failing_command_reports_its_error_file_and_log(backend, fake_domino):
    spec = shell_spec(
        command='echo "bad input" > "$DOMINO_FLOWS_OUTPUTS_DIR/_ERROR"; echo boom >&2; exit 3'
    )
    handle, status = run_one(backend, spec, {"a": 1})
    assert status.state is JobState.FAILED
    assert "_ERROR: bad input" in status.message and "boom" in status.message
    with pytest.raises(TaskFailedError, match="bad input"):
        backend.collect_outputs(handle, spec)


def test_a_primitive_output_over_1024_bytes_fails_the_job(backend, fake_domino):
    spec = shell_spec(command='seq 1 1000 > "$DOMINO_FLOWS_OUTPUTS_DIR/out"')
    _handle, status = run_one(backend, spec, {"a": 1})
    assert status.state is JobState.FAILED
    assert "at most 1024 bytes" in status.message


def test_stop_stops_a_running_job_and_is_idempotent(backend, fake_domino):
    spec = shell_spec(command="sleep 30")
    handle = backend.start(spec, backend.stage_inputs(spec, {"a": 1}))
    deadline = time.monotonic() + 10
    while backend.status(handle).state is not JobState.RUNNING and time.monotonic() < deadline:
        time.sleep(0.05)
    backend.stop(handle)
    status = backend.wait(handle, timeout=20)
    assert status.state is JobState.STOPPED
    backend.stop(handle)  # already stopped: nothing to do
    assert fake_domino.count("job_stop") == 1


def test_an_unreachable_deployment_is_a_clear_error(tmp_path):
    settings = SimpleNamespace(domino_project="alice/flows", domino_host="http://127.0.0.1:9")
    backend = DominoBackend(
        tmp_path,
        settings,
        credentials=DominoCredentials(api_key=SECRET_KEY),
        retry=RetryPolicy(attempts=5, base_delay=0.01, max_delay=0.05),
    )
    with pytest.raises(DominoApiError) as caught:
        backend.resolve(shell_spec(HardwareTierName="Small"))
    assert "GET /version" in str(caught.value) and "DOMINO_API_HOST" in str(caught.value)
    assert "after 5 attempts" in str(caught.value)
    assert SECRET_KEY not in str(caught.value)


# --- credentials and logging ------------------------------------------------------------------


def test_the_api_key_appears_nowhere(tmp_path, caplog):
    with FakeDomino(tmp_path / "fake", api_key=SECRET_KEY) as fake:
        caplog.set_level(logging.DEBUG)
        backend = make_backend(fake, tmp_path / "project")
        spec = shell_spec(HardwareTierName="Small")
        handle, _status = run_one(backend, spec, {"a": 41})
        assert backend.collect_outputs(handle, spec) == {"out": 42}
        failing = shell_spec(command="exit 4", task="tests.fails")
        failed_handle, failed = run_one(backend, failing, {"a": 1})
        wrong = make_backend(fake, tmp_path / "project", api_key=SECRET_KEY[::-1])
        with pytest.raises(DominoApiError) as refused:
            wrong.resolve(shell_spec(HardwareTierName="Small"))
        texts = [
            str(handle.to_dict()),
            str(failed_handle.to_dict()),
            failed.message,
            str(refused.value),
            repr(backend),
            repr(backend._credentials),
            caplog.text,
            backend.logs(handle),
        ]
        assert "401" in str(refused.value)
        for text in texts:
            assert SECRET_KEY not in text and SECRET_KEY[::-1] not in text
        staged = [p for commit in fake.commit_ids for p in fake.tree(commit).rglob("*")]
        assert any(p.name == "job.pyz" for p in staged)
        for path in staged:
            if path.is_file():
                assert SECRET_KEY.encode() not in path.read_bytes(), path
        local = [p for p in (tmp_path / "project").rglob("*") if p.is_file()]
        assert local
        for path in local:
            assert SECRET_KEY.encode() not in path.read_bytes()


def test_a_token_file_from_the_environment_authenticates_with_bearer(fake_domino, tmp_path):
    token = tmp_path / "token"
    token.write_text(fake_domino.api_key + "\n")
    environ = {
        "DOMINO_API_HOST": fake_domino.url,
        "DOMINO_TOKEN_FILE": str(token),
        "DOMINO_USER_API_KEY": "a-key-that-loses-to-the-token-file",
        "DOMINO_PROJECT_OWNER": fake_domino.owner,
        "DOMINO_PROJECT_NAME": fake_domino.project_name,
    }
    backend = DominoBackend(tmp_path / "project", None, environ=environ)
    assert "DOMINO_TOKEN_FILE" in repr(backend)
    assert backend.resolve(shell_spec(HardwareTierName="Small")).hardware_tier_id == "small-k8s"
    assert {r["auth"] for r in fake_domino.requests} == {"bearer"}


def test_client_construction_leaves_the_root_logger_alone(backend):
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    root.handlers.clear()
    root.setLevel(logging.WARNING)
    try:
        backend.client  # noqa: B018 - constructs python-domino's client, which calls basicConfig
        assert root.handlers == []
        assert root.level == logging.WARNING
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
    before = (list(root.handlers), root.level)
    make_backend_for_same = backend  # a second construction, with pytest's handlers in place
    make_backend_for_same._client = None
    make_backend_for_same.client  # noqa: B018
    assert (list(root.handlers), root.level) == before


# --- the whole command line, on the domino backend ------------------------------------------


@pytest.mark.slow
def test_domino_flows_run_on_the_domino_backend(domino_env, tmp_path, monkeypatch):
    """``domino-flows run --backend domino`` drives the backend through the runner; every job
    runs on the (fake) deployment and the secret-free handle ends in the run's records."""
    from click.testing import CliRunner

    from domino_flows.backends import domino as domino_module
    from domino_flows.cli import main

    project = tmp_path / "project"
    shutil.copytree(REPO / "examples", project / "examples", ignore=_IGNORED)
    (project / "pyproject.toml").write_text('[project]\nname = "hello"\n')
    domino_env.add_tree(project)
    monkeypatch.chdir(project)
    monkeypatch.setattr(
        domino_module, "PollPolicy", lambda: PollPolicy(initial=0.05, max_interval=0.25)
    )
    result = CliRunner().invoke(
        main,
        ["run", "examples/hello.py", "hello", "--backend", "domino", "-i", "name=Ada", "--json"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert "HELLO, ADA!" in json.dumps(summary)
    assert domino_env.job_count == 2
    assert domino_env.count("hardware_tiers") == 1
    for path in project.rglob("*"):
        if path.is_file():
            assert domino_env.api_key.encode() not in path.read_bytes(), path


def test_a_pinned_commit_id_runs_the_files_of_that_commit(fake_domino: FakeDomino, tmp_path: Path):
    pinned = fake_domino.add_files({"data/version.txt": "old\n"})
    fake_domino.add_files({"data/version.txt": "new\n"})
    backend = make_backend(fake_domino, tmp_path / "project")
    spec = JobSpec(
        run_id="run-1",
        flow="tests.flow",
        task="tests.read_version",
        config=DominoJobConfig(
            Command='cp data/version.txt "$DOMINO_FLOWS_OUTPUTS_DIR/version"', CommitId=pinned
        ),
        input_types={"a": int},
        output_types={"version": str},
    )
    handle, status = run_one(backend, spec, {"a": 1})
    assert status.state is JobState.SUCCEEDED, status.message
    assert backend.collect_outputs(handle, spec) == {"version": "old\n"}
    job = fake_domino.jobs[handle.job_id]
    assert job.commit_id == pinned  # the job started at the pinned commit, not the head
    started = [json.loads(r["body"]) for r in fake_domino.requests if r["route"] == "job_start"]
    assert [body["commitId"] for body in started] == [pinned]
    assert fake_domino.count("head_commit") == 1
    # the job fetched its archive from the commit holding it, with its own credentials
    assert fake_domino.count("file_content") == 2  # the job's fetch, then the outputs
    assert backend.find_attempt_job(spec).job_id == handle.job_id  # the marker is still found
