"""A local job's leftover processes: what is still in its session when it ends is killed, as
Domino ends a job's container, including processes that moved to a process group of their own."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from processes import alive, wait_for

from domino_flows.authoring.config import DominoJobConfig
from domino_flows.backends import local_process
from domino_flows.backends.base import JobSpec, JobState
from domino_flows.backends.local import LocalBackend
from domino_flows.core.project import load_settings

pytestmark = pytest.mark.skipif(
    not local_process.memory_monitoring_available(), reason="needs /proc"
)

# Starts `sleep` in a process group of its own (still in the job's session), notes its pid, and
# leaves it running.
LEAVE_ONE_BEHIND = (
    "import subprocess, sys; "
    "child = subprocess.Popen(['sleep', '60'], process_group=0); "
    "open(sys.argv[1], 'w').write(str(child.pid))"
)


@pytest.fixture
def project_files() -> dict[str, str]:
    return {
        "pyproject.toml": f"""
[project]
name = "demo"

[tool.domino_flows.environments."Python"]
python = "{sys.executable}"

[tool.domino_flows.hardware_tiers.Small]
cores = 1
"""
    }


@pytest.fixture
def backend(project: Path) -> Iterator[LocalBackend]:
    with LocalBackend(project, load_settings(project), stop_grace=2.0) as backend:
        yield backend


def test_session_members_include_a_process_in_another_group(tmp_path: Path) -> None:
    noted = tmp_path / "pid"
    script = LEAVE_ONE_BEHIND + "; import time; time.sleep(60)"
    leader = subprocess.Popen([sys.executable, "-c", script, str(noted)], start_new_session=True)
    try:
        assert wait_for(lambda: noted.exists() and noted.read_text() != "")
        child = int(noted.read_text())
        members = local_process.session_members(leader.pid)
        assert sorted(members) == sorted([leader.pid, child])
        assert local_process.session_members(child) == []  # not a session of its own
    finally:
        local_process.signal_session(leader.pid, 9)
        leader.wait()


def test_a_process_left_in_the_jobs_session_is_killed_at_its_end(
    backend: LocalBackend, project: Path
) -> None:
    noted = project / "pid"
    command = f"python -c {LEAVE_ONE_BEHIND!r} {noted}"
    config = DominoJobConfig(Command=command, EnvironmentName="Python", HardwareTierName="Small")
    job = JobSpec(run_id="run-1", flow="demo", task="leave", config=config)
    handle = backend.start(job, backend.stage_inputs(job, {}))
    status = backend.wait(handle, 30)
    assert status.state is JobState.SUCCEEDED
    child = int(noted.read_text())
    # its own process group, so only the session scan finds it
    assert wait_for(lambda: not alive(child), 5)
