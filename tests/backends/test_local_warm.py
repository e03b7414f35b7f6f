"""Warm starts: @domino_task jobs forked from a launcher that already imported flytekit."""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
import venv
import weakref
from pathlib import Path

import pytest

from domino_flows.authoring.config import DominoJobConfig
from domino_flows.backends import lifecycle, local_warm
from domino_flows.backends.base import JobSpec, JobState
from domino_flows.backends.local import LocalBackend
from domino_flows.backends.local_mounts import namespace_problem
from domino_flows.contract import formats
from domino_flows.core.project import load_settings

PYPROJECT = """
[project]
name = "warm"

[tool.domino_flows.hardware_tiers.Tiny]
cores = 1
memory_gib = 0.25
"""

TASKS = """
import os
import time

from domino_flows import domino_task


@domino_task(hardware_tier="Tiny")
def describe(label: str) -> str:
    secret = os.environ.get("DOMINO_USER_API_KEY", "absent")
    print(f"running in {os.getcwd()}")
    return f"{label} pid={os.getpid()} sid={os.getsid(0)} key={secret}"


@domino_task(hardware_tier="Tiny")
def nap(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


@domino_task(hardware_tier="Tiny")
def talk(go: str) -> str:
    import sys
    from pathlib import Path

    print("to stdout, while running")
    print("to stderr, while running", file=sys.stderr)
    deadline = time.monotonic() + 60
    while not Path(go).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return "done"


@domino_task(hardware_tier="Tiny")
def linger(mark: str) -> int:
    import atexit
    import threading
    from pathlib import Path

    atexit.register(lambda: Path(mark + ".atexit").write_text("ran"))

    def later() -> None:
        time.sleep(0.3)
        Path(mark + ".thread").write_text("ran")

    threading.Thread(target=later).start()  # not a daemon: its interpreter waits for it
    return 1


@domino_task(hardware_tier="Tiny")
def surroundings(label: str) -> str:
    import sys

    return repr((sys.argv, sys.path[:3], os.getcwd()))


@domino_task(hardware_tier="Tiny")
def hog(megabytes: int) -> int:
    blocks = [bytearray(1024 * 1024) for _ in range(megabytes)]
    time.sleep(5)
    return len(blocks)
"""


@pytest.fixture
def project_files() -> dict[str, str]:
    return {"pyproject.toml": PYPROJECT, "tasks.py": TASKS}


def job(name: str, input_types: dict, output_types: dict, attempt: int = 1) -> JobSpec:
    command = f"python -m domino_flows.entrypoint tasks.py:{name}"
    return JobSpec(
        run_id="r1",
        flow="warm",
        task=name,
        config=DominoJobConfig(Command=command, HardwareTierName="Tiny"),
        input_types=input_types,
        output_types=output_types,
        attempt=attempt,
    )


def start(backend: LocalBackend, spec: JobSpec, values: dict):
    return backend.start(spec, backend.stage_inputs(spec, values))


def test_eligible_commands():
    python = sys.executable
    assert local_warm.warm_target("python -m domino_flows.entrypoint a.py:f", python, None) == (
        "a.py:f"
    )
    assert local_warm.warm_target("python -m domino_flows.entrypoint a.py:f", python, "env") is None
    assert local_warm.warm_target("python train.py", python, None) is None
    assert (
        local_warm.warm_target("python -m domino_flows.entrypoint a:f", "/usr/bin/x", None) is None
    )


def test_another_venv_of_the_same_python_starts_cold(tmp_path):
    # a venv's interpreter resolves to the Python it was made from, like this one's: only the
    # venv tells their packages apart, and a job must run with its own environment's packages
    other = tmp_path / "other-venv"
    venv.create(other, with_pip=False, symlinks=True)
    python = other / "bin" / "python"
    assert os.path.realpath(python) == os.path.realpath(sys.executable)
    command = "python -m domino_flows.entrypoint a.py:f"
    assert local_warm.warm_target(command, str(python), None) is None
    spelt_otherwise = os.path.join(os.path.dirname(sys.executable), ".", "x", "..", "python3")
    if os.path.exists(spelt_otherwise):  # this venv's python3: the same environment, warm
        assert local_warm.warm_target(command, spelt_otherwise, None) == "a.py:f"


def test_disabled_by_environment(monkeypatch):
    monkeypatch.setenv(local_warm.WARM_VARIABLE, "0")
    command = "python -m domino_flows.entrypoint a.py:f"
    assert local_warm.warm_target(command, sys.executable, None) is None


@pytest.mark.slow
def test_warm_jobs_are_isolated_processes_with_the_job_environment(project, monkeypatch):
    monkeypatch.setenv("DOMINO_USER_API_KEY", "fake-key-never-in-a-job-8b1d")
    backend = LocalBackend(project, load_settings(project))
    spec = job("describe", {"label": str}, {"o0": str})
    handle = start(backend, spec, {"label": "first"})
    assert backend.wait(handle, 60).state is JobState.SUCCEEDED
    (text,) = backend.collect_outputs(handle, spec).values()
    assert text.startswith("first pid=")
    pid = int(text.split("pid=")[1].split()[0])
    sid = int(text.split("sid=")[1].split()[0])
    assert pid != os.getpid() and sid == pid  # its own session, like any job
    assert text.endswith("key=absent")
    where = project if namespace_problem() else "/mnt/code"  # as on Domino, where it can be
    assert f"running in {where}" in backend.logs(handle)
    second = job("describe", {"label": str}, {"o0": str}, attempt=2)
    handle = start(backend, second, {"label": "second"})
    assert backend.wait(handle, 60).state is JobState.SUCCEEDED
    assert next(iter(backend.collect_outputs(handle, second).values())).startswith("second")
    launcher = backend._warm_launcher()._process
    assert launcher is not None and launcher.poll() is None
    backend.stop_all()  # as when the runner exits: the launcher ends and is reaped
    assert launcher.returncode == 0


@pytest.mark.slow
def test_stopping_a_warm_job(project):
    backend = LocalBackend(project, load_settings(project), stop_grace=2.0)
    spec = job("nap", {"seconds": float}, {"o0": float})
    handle = start(backend, spec, {"seconds": 60.0})
    time.sleep(1.0)
    assert backend.status(handle).state is JobState.RUNNING
    backend.stop(handle)
    assert backend.status(handle).state is JobState.STOPPED
    backend.stop(handle)  # idempotent


@pytest.mark.slow
def test_warm_jobs_obey_the_tier_memory(project):
    backend = LocalBackend(project, load_settings(project))
    spec = job("hog", {"megabytes": int}, {"o0": int})
    handle = start(backend, spec, {"megabytes": 600})
    status = backend.wait(handle, 60)
    assert status.state is JobState.FAILED
    assert "exceeded hardware tier 'Tiny' memory" in status.message


@pytest.mark.slow
def test_a_job_the_launcher_cannot_start_starts_cold(project, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("the warm job launcher did not answer")

    monkeypatch.setattr(local_warm.WarmLauncher, "spawn", broken)
    backend = LocalBackend(project, load_settings(project))
    spec = job("describe", {"label": str}, {"o0": str})
    handle = start(backend, spec, {"label": "cold"})
    assert backend.wait(handle, 60).state is JobState.SUCCEEDED
    assert next(iter(backend.collect_outputs(handle, spec).values())).startswith("cold pid=")
    assert "warm start failed (the warm job launcher did not answer); starting cold" in (
        backend.logs(handle)
    )


@pytest.mark.slow
def test_close_stops_running_jobs_and_ends_the_warm_launcher(project):
    backend = LocalBackend(project, load_settings(project), stop_grace=2.0)
    # backends earlier tests dropped are freed now, not by a collection during this test
    gc.collect()
    open_before = lifecycle.open_count()
    spec = job("nap", {"seconds": float}, {"o0": float})
    handle = start(backend, spec, {"seconds": 60.0})
    assert backend._warm is not None and backend._warm._process is not None
    launcher = backend._warm._process
    with backend:  # the context manager closes it
        assert backend.status(handle).state is JobState.RUNNING
    assert backend.status(handle).state is JobState.STOPPED
    assert launcher.wait(timeout=30) is not None  # the launcher process ended
    gc.collect()
    assert lifecycle.open_count() == open_before - 1
    backend.close()  # twice is fine


@pytest.mark.slow
def test_a_backend_dropped_without_close_ends_its_launcher_when_freed(project):
    backend = LocalBackend(project, load_settings(project))
    spec = job("describe", {"label": str}, {"o0": str})
    assert backend.wait(start(backend, spec, {"label": "x"}), 60).state is JobState.SUCCEEDED
    assert backend._warm is not None and backend._warm._process is not None
    launcher = backend._warm._process
    for thread in threading.enumerate():  # the job's watchers end with it
        if thread.name.startswith("domino-flows-job"):
            thread.join(30)
    freed = weakref.ref(backend)
    del backend
    gc.collect()
    assert freed() is None  # nothing (no exit hook) keeps it alive
    assert launcher.wait(timeout=30) is not None


CHILD_IMPORTS = """
import json, os, sys
from domino_flows.backends import local_launcher

local_launcher.preload()
before = set(sys.modules)
read_end, write_end = os.pipe()
pid = os.fork()
if pid == 0:
    # the fork's path to the flow file: the namespace, then the entrypoint (the target is
    # missing, so it stops at the import; whether the namespace can be made here is beside
    # the point, its module is imported either way)
    local_launcher._enter_namespace({"user_namespace": False, "steps": [], "workdir": "/"})
    from domino_flows import entrypoint

    entrypoint.main(["missing.py:task"])
    os.write(write_end, json.dumps(sorted(set(sys.modules) - before)).encode())
    os._exit(0)
os.waitpid(pid, 0)
print(os.read(read_end, 65536).decode())
"""


def test_the_launcher_imports_everything_a_warm_job_imports_before_its_flow_file(tmp_path):
    """Each module a forked job imports on its way to the flow file is imported again in every
    job (the namespace's module cost each one about 3.5 ms of CPU): the launcher imports them
    before it forks."""
    import json
    import subprocess

    env = {
        **os.environ,
        "DOMINO_FLOWS_INPUTS_DIR": str(tmp_path / "inputs"),
        "DOMINO_FLOWS_OUTPUTS_DIR": str(tmp_path / "outputs"),
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD_IMPORTS],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []
    # the child really went down the job's path: the entrypoint refused the missing target
    assert "missing.py" in (tmp_path / "outputs" / formats.ERROR_FILE).read_text()


BECOME = """
import json, os, subprocess
from domino_flows.backends.local_launcher import _become_environment

wanted = {k: v for k, v in os.environ.items() if k != "DROPPED"}
wanted["CHANGED"] = "after"
wanted["ADDED"] = "new value"
_become_environment(wanted)
seen = dict(
    line.split("=", 1) for line in subprocess.run(
        ["env", "-0"], capture_output=True, text=True, check=True
    ).stdout.split("\\0") if line
)
print(json.dumps({"python": dict(os.environ), "children": seen, "wanted": wanted}))
"""


def test_a_warm_job_has_exactly_its_own_environment_in_python_and_in_what_it_starts():
    """The fork changes only the variables that differ from the launcher's; what the job sees,
    and what a process it starts inherits, is the job's environment, no more, no less."""
    import json
    import subprocess

    env = {**os.environ, "DROPPED": "x", "CHANGED": "before"}
    done = subprocess.run(
        [sys.executable, "-c", BECOME], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["python"] == seen["wanted"]
    assert seen["children"] == seen["wanted"]
    assert "DROPPED" not in seen["children"] and seen["children"]["CHANGED"] == "after"


def _kernel_collapses_huge_pages() -> bool:
    """MADV_COLLAPSE (Linux 6.1) on a kernel built with transparent huge pages."""
    release = os.uname().release.split("-")[0].split(".")
    version = tuple(int(part) for part in release[:2] if part.isdigit())
    return (
        sys.platform.startswith("linux")
        and os.path.isdir("/sys/kernel/mm/transparent_hugepage")
        and version >= (6, 1)
    )


@pytest.mark.slow
@pytest.mark.skipif(not _kernel_collapses_huge_pages(), reason="needs Linux 6.1+ with THP")
def test_the_launcher_heap_is_in_huge_pages_so_each_fork_copies_fewer_page_tables(project):
    backend = LocalBackend(project, load_settings(project))
    spec = job("describe", {"label": str}, {"o0": str})
    handle = start(backend, spec, {"label": "first"})
    assert backend.wait(handle, 60).state is JobState.SUCCEEDED
    launcher = backend._warm_launcher()._process
    assert launcher is not None
    rollup = open(f"/proc/{launcher.pid}/smaps_rollup").read()  # noqa: SIM115
    huge_kib = int(rollup.split("AnonHugePages:")[1].split()[0])
    assert huge_kib >= 8 * 1024, rollup  # flytekit's heap is tens of MB
    # and the job forked from it ran as any job does
    assert next(iter(backend.collect_outputs(handle, spec).values())).startswith("first")
    backend.stop_all()


@pytest.mark.slow
def test_what_a_warm_job_prints_reaches_its_log_while_it_runs(project):
    """Every job runs with PYTHONUNBUFFERED so its log can be followed (``logs -f``): a forked
    job's streams honour it as a fresh interpreter's would, not only when the job ends."""
    from processes import wait_for

    backend = LocalBackend(project, load_settings(project))
    go = project / "go"
    spec = job("talk", {"go": str}, {"o0": str})
    handle = start(backend, spec, {"go": str(go)})
    assert backend._warm is not None  # it did start warm
    stdout, stderr = Path(handle.details["stdout"]), Path(handle.details["stderr"])

    def logged(log: Path, line: str) -> bool:
        return log.is_file() and line in log.read_text()  # the fork opens it as it starts

    assert wait_for(lambda: logged(stdout, "to stdout, while running"), 30)
    assert wait_for(lambda: logged(stderr, "to stderr, while running"), 30)
    assert backend.status(handle).state is JobState.RUNNING  # not yet told to go on
    go.touch()
    assert backend.wait(handle, 60).state is JobState.SUCCEEDED
    backend.stop_all()


@pytest.mark.slow
def test_a_warm_job_ends_as_its_interpreter_would(project):
    """Its threads that are not daemons are waited for and its atexit callbacks run, as when a
    cold job's interpreter exits (an MLflow run left open by a task is ended there)."""
    backend = LocalBackend(project, load_settings(project))
    mark = project / "mark"
    spec = job("linger", {"mark": str}, {"o0": int})
    handle = start(backend, spec, {"mark": str(mark)})
    assert backend.wait(handle, 60).state is JobState.SUCCEEDED
    assert backend._warm is not None  # it did start warm
    assert (project / "mark.thread").read_text() == "ran"
    assert (project / "mark.atexit").read_text() == "ran"
    backend.stop_all()


@pytest.mark.slow
def test_a_warm_job_sees_the_arguments_and_import_path_of_a_cold_one(project, monkeypatch):
    """argv, the start of sys.path and the working directory, as ``python -m`` gives them."""
    seen = []
    for warm in ("1", "0"):
        monkeypatch.setenv(local_warm.WARM_VARIABLE, warm)
        backend = LocalBackend(project, load_settings(project))
        spec = job("surroundings", {"label": str}, {"o0": str}, attempt=int(warm) + 1)
        handle = start(backend, spec, {"label": warm})
        assert backend.wait(handle, 120).state is JobState.SUCCEEDED
        seen.append(next(iter(backend.collect_outputs(handle, spec).values())))
        assert (backend._warm is not None) == (warm == "1")
        backend.stop_all()
    warm_view, cold_view = seen
    assert warm_view == cold_view


WAKE = """
import os, select, signal, threading
from domino_flows.backends.local_launcher import wake_on_child_exit

read_end = wake_on_child_exit()
woken = threading.Event()


def watch():
    if select.select([read_end], [], [], 60)[0]:
        woken.set()


watcher = threading.Thread(target=watch)
watcher.start()
# the child's end is then signalled to the watcher thread, where no Python handler ever runs,
# and the main thread waits without running one either
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
if os.fork() == 0:
    os._exit(0)
print("woken" if woken.wait(10) else "asleep")  # decided as the wait ends, before any handler
os.wait()
"""


def test_a_child_that_ends_wakes_the_launcher_without_waiting_for_its_python_handler():
    """The launcher sleeps in ``select`` until a child ends. Woken by a Python signal handler, a
    child that ended just as it entered ``select`` (after the handler's last chance to run) left
    it asleep, and that job's run waiting forever: the signal writes to the pipe itself now."""
    import subprocess

    done = subprocess.run([sys.executable, "-c", WAKE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "woken"
