"""The local backend with real subprocesses: layout, environment, status, memory, stopping."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from processes import alive, wait_for

from domino_flows.authoring.config import DominoJobConfig
from domino_flows.backends import local_process
from domino_flows.backends.base import JobBackend, JobSpec, JobState
from domino_flows.backends.local import LocalBackend
from domino_flows.backends.local_mounts import namespace_problem
from domino_flows.core.errors import ConfigurationError, TaskFailedError
from domino_flows.core.project import load_settings

PYPROJECT = f"""
[project]
name = "demo"

[tool.domino_flows.environments."Python 3.11"]
python = "{sys.executable}"

[tool.domino_flows.environments."Prefixed"]
command_prefix = "env DEMO_PREFIX=yes"

[tool.domino_flows.environments."Broken"]
python = "/nonexistent/bin/python"

[tool.domino_flows.hardware_tiers.Small]
cores = 1
memory_gib = 0.125

[tool.domino_flows.hardware_tiers.Large]
cores = 2
memory_gib = 8

[tool.domino_flows.domino]
project = "alice/demo"
"""


@pytest.fixture
def project_files() -> dict[str, str]:
    return {"pyproject.toml": PYPROJECT}


@pytest.fixture
def backend(project: Path) -> Iterator[LocalBackend]:
    with LocalBackend(project, load_settings(project), stop_grace=2.0) as backend:
        yield backend


def spec(
    command: str,
    task: str = "train",
    environment: str | None = "Python 3.11",
    tier: str | None = "Large",
    **kwargs,
) -> JobSpec:
    config = DominoJobConfig(Command=command, EnvironmentName=environment, HardwareTierName=tier)
    return JobSpec(run_id="run-1", flow="demo", task=task, config=config, **kwargs)


def run(backend: LocalBackend, job: JobSpec, values: dict | None = None, timeout: float = 30):
    handle = backend.start(job, backend.stage_inputs(job, values or {}))
    status = backend.wait(handle, timeout)
    assert status.is_terminal, f"job did not end in {timeout}s: {status}"
    return handle, status


def test_is_a_job_backend(backend: LocalBackend) -> None:
    assert isinstance(backend, JobBackend)
    assert backend.name == "local"


def test_inputs_outputs_layout_and_logs(backend: LocalBackend, project: Path) -> None:
    job = spec(
        'n=$(cat "$DOMINO_FLOWS_INPUTS_DIR/rows"); echo "rows $n"; echo "warn" >&2; '
        'echo $((n * 2)) > "$DOMINO_FLOWS_OUTPUTS_DIR/doubled"',
        input_types={"rows": int},
        output_types={"doubled": int},
    )
    handle, status = run(backend, job, {"rows": 21})
    assert status.state is JobState.SUCCEEDED
    assert backend.collect_outputs(handle, job) == {"doubled": 42}
    job_dir = project / ".domino-flows" / "jobs" / "run-1" / "train" / "1"
    assert Path(handle.details["job_dir"]) == job_dir
    assert (job_dir / "inputs" / "rows").read_text() == "21"
    assert (job_dir / "stdout.log").read_text() == "rows 21\n"
    assert (job_dir / "stderr.log").read_text() == "warn\n"
    assert backend.logs(handle) == "rows 21\nwarn\n"
    assert backend.logs(handle, tail=1) == "warn\n"
    recorded = json.loads((job_dir / "job.json").read_text())
    assert recorded["hardware_tier"] == "Large" and recorded["environment"] == "Python 3.11"


def test_job_environment_is_shaped_like_domino(backend: LocalBackend, project: Path) -> None:
    job = spec(
        "pwd; command -v python; python -c 'import sys; print(sys.executable)'; "
        'echo "$DOMINO_PROJECT_OWNER/$DOMINO_PROJECT_NAME $DOMINO_RUN_ID '
        '$DOMINO_HARDWARE_TIER_NAME $DOMINO_ENVIRONMENT_NAME $OMP_NUM_THREADS"'
    )
    handle, status = run(backend, job)
    assert status.state is JobState.SUCCEEDED, backend.logs(handle)
    cwd, shim, executable, facts = backend.logs(handle).splitlines()
    # where Domino starts a git-based project's job, when this machine can show it
    assert Path(cwd) == (project if namespace_problem() else Path("/mnt/code"))
    assert Path(shim).parent.parent == project / ".domino-flows" / "shims"
    assert executable == sys.executable
    assert facts == f"alice/demo {handle.job_id} Large Python 3.11 2"


def test_command_prefix_wraps_the_command(backend: LocalBackend) -> None:
    handle, status = run(backend, spec('echo "prefix=$DEMO_PREFIX"', environment="Prefixed"))
    assert status.state is JobState.SUCCEEDED
    assert backend.logs(handle) == "prefix=yes\n"


def test_credentials_are_not_passed_to_jobs(
    backend: LocalBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOMINO_USER_API_KEY", "fake-key-5f1e2d")
    monkeypatch.setenv("DOMINO_API_PROXY", "http://fake-proxy-77ab:8899")
    handle, status = run(backend, spec("env"))
    assert status.state is JobState.SUCCEEDED
    assert "fake-key-5f1e2d" not in backend.logs(handle)
    assert "fake-proxy-77ab" not in backend.logs(handle)


def test_failure_reports_exit_code_and_error_file(backend: LocalBackend) -> None:
    job = spec(
        'echo "bad rows" > "$DOMINO_FLOWS_OUTPUTS_DIR/_ERROR"; exit 3', output_types={"x": int}
    )
    handle, status = run(backend, job)
    assert status.state is JobState.FAILED
    assert "exited with code 3" in status.message and "bad rows" in status.message
    with pytest.raises(TaskFailedError, match="Failed"):
        backend.collect_outputs(handle, job)


def test_missing_output_fails_collection(backend: LocalBackend) -> None:
    job = spec("true", output_types={"model": int})
    handle, status = run(backend, job)
    assert status.state is JobState.SUCCEEDED
    with pytest.raises(TaskFailedError, match="did not write its output 'model'"):
        backend.collect_outputs(handle, job)


def test_interpreter_that_cannot_start_is_an_error(backend: LocalBackend) -> None:
    _handle, status = run(backend, spec("python -V", environment="Broken"))
    assert status.state is JobState.ERROR
    assert "/nonexistent/bin/python" in status.message and "Broken" in status.message


def test_unknown_names_list_the_configured_ones(backend: LocalBackend) -> None:
    with pytest.raises(ConfigurationError) as error:
        backend.resolve(spec("true", environment="Python 3.12"))
    assert "Broken, Prefixed, Python 3.11" in str(error.value)
    assert "pyproject.toml" in str(error.value)
    with pytest.raises(ConfigurationError, match="Large, Small"):
        backend.resolve(spec("true", tier="Huge"))


def test_resolve_names_the_local_choice(backend: LocalBackend) -> None:
    resolved = backend.resolve(spec("true"))
    assert resolved.environment_name == "Python 3.11"
    assert resolved.environment_id == f"local:{sys.executable}"
    assert resolved.hardware_tier_name == "Large"


@pytest.mark.skipif(not local_process.memory_monitoring_available(), reason="needs /proc")
def test_exceeding_tier_memory_stops_the_job(backend: LocalBackend) -> None:
    command = "python -c 'import time; x = b\"x\" * (400 * 1024 * 1024); time.sleep(30)'"
    handle, status = run(backend, spec(command, tier="Small"))
    assert status.state is JobState.FAILED  # killed: left alone, the job sleeps and succeeds
    assert status.message == "task 'train' exceeded hardware tier 'Small' memory (0.125 GiB)"
    assert "more than the 0.125 GiB of hardware tier 'Small'" in backend.logs(handle)
    pid = json.loads((Path(handle.details["job_dir"]) / "job.json").read_text())["pid"]
    assert not alive(pid)


def test_stop_kills_the_whole_process_group(backend: LocalBackend, project: Path) -> None:
    pids = project / "pids"
    command = f"sleep 60 & echo $! > {pids}; sleep 60"
    handle = backend.start(spec(command), backend.stage_inputs(spec(command), {}))
    # the shell creates the file before echo writes the pid into it
    assert wait_for(lambda: pids.exists() and pids.read_text().strip())
    child = int(pids.read_text())
    leader = json.loads((Path(handle.details["job_dir"]) / "job.json").read_text())["pid"]
    assert alive(child) and alive(leader)
    backend.stop(handle)
    assert backend.status(handle).state is JobState.STOPPED
    assert wait_for(lambda: not alive(child) and not alive(leader), 5)
    backend.stop(handle)  # idempotent
    assert backend.status(handle).state is JobState.STOPPED


def test_stop_after_the_end_changes_nothing(backend: LocalBackend) -> None:
    handle, _status = run(backend, spec("true"))
    backend.stop(handle)
    assert backend.status(handle).state is JobState.SUCCEEDED


def test_start_twice_starts_one_job(backend: LocalBackend, project: Path) -> None:
    counter = project / "count"
    job = spec(f"echo x >> {counter}")
    staging = backend.stage_inputs(job, {})
    first = backend.start(job, staging)
    second = backend.start(job, staging)
    assert first == second
    backend.wait(first, 10)
    assert counter.read_text() == "x\n"


def test_attempts_get_their_own_directories(backend: LocalBackend) -> None:
    first, _ = run(backend, spec("echo one"))
    second, _ = run(backend, spec("echo two", attempt=2))
    assert first.job_id == "run-1/train/1" and second.job_id == "run-1/train/2"
    assert backend.logs(first) == "one\n" and backend.logs(second) == "two\n"


def test_status_survives_the_backend_instance(backend: LocalBackend, project: Path) -> None:
    handle, _ = run(backend, spec("exit 4"))
    other = LocalBackend(project)
    status = other.status(handle)
    assert status.state is JobState.FAILED and "code 4" in status.message


def test_custom_paths_live_under_the_job_root(backend: LocalBackend) -> None:
    job = spec(
        'cat "$DOMINO_FLOWS_ROOT/mnt/data/in.txt" > "$DOMINO_FLOWS_ROOT/mnt/data/out.txt"',
        input_types={"text": str},
        output_types={"copy": str},
        input_paths={"text": "/mnt/data/in.txt"},
        output_paths={"copy": "/mnt/data/out.txt"},
    )
    handle, status = run(backend, job, {"text": "hello"})
    assert status.state is JobState.SUCCEEDED, backend.logs(handle)
    assert backend.collect_outputs(handle, job) == {"copy": "hello"}


def test_task_names_become_safe_directory_names(backend: LocalBackend) -> None:
    handle, status = run(backend, spec("true", task="count words/../x"))
    assert status.state is JobState.SUCCEEDED
    assert ".." not in Path(handle.job_id).parts
    assert os.path.commonpath([handle.details["job_dir"], str(backend.jobs_root)]) == str(
        backend.jobs_root
    )


def test_interpreter_named_without_a_path_does_not_find_its_own_shim(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.domino_flows.environments.Bare]\npython = "python3"\n'
    )
    backend = LocalBackend(tmp_path)
    job = spec("python -c 'import sys; print(sys.executable)'", environment="Bare", tier=None)
    handle, status = run(backend, job, timeout=20)
    assert status.state is JobState.SUCCEEDED, backend.logs(handle)
    assert ".domino-flows" not in backend.logs(handle)
    shim = next((tmp_path / ".domino-flows" / "shims").glob("*/python"))
    assert shim.read_text().split()[2].startswith("/")


def test_another_process_can_stop_a_job(backend: LocalBackend, project: Path) -> None:
    job = spec("sleep 60")
    handle = backend.start(job, backend.stage_inputs(job, {}))
    leader = json.loads((Path(handle.details["job_dir"]) / "job.json").read_text())["pid"]
    other = LocalBackend(project, stop_grace=2.0)  # knows the job only by its folder
    assert other.status(handle).state is JobState.RUNNING
    other.stop(handle)
    assert wait_for(lambda: not alive(leader), 5)
    assert other.status(handle).state is JobState.STOPPED


def test_a_job_whose_starter_vanished_is_an_error(backend: LocalBackend) -> None:
    job = spec("true", task="orphan")
    directory = Path(backend.stage_inputs(job, {}))
    (directory / "job.json").write_text(json.dumps({"pid": 2**22 + 12345}))
    handle = backend.start(job, str(directory))  # already recorded: not started again
    status = backend.status(handle)
    assert status.state is JobState.ERROR and "without a recorded exit" in status.message
