"""Jobs on the fake Domino run as an unprivileged user, as Domino's do, and a stage script that
opens ``/workflow/inputs/<name>`` and writes ``/workflow/outputs/<name>`` (as Domino's docs write
them) still works on the domino backend."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from domino_flows.authoring.config import DominoJobConfig
from domino_flows.backends.base import JobHandle, JobSpec, JobState, JobStatus
from domino_flows.backends.domino import DominoBackend
from domino_flows.backends.domino_client import DominoCredentials, RetryPolicy
from domino_flows.backends.domino_polling import PollPolicy
from domino_flows.testing.fake_domino import FakeDomino

pytest_plugins = ["domino_flows.testing.fixtures"]

STAGE_SCRIPT = """
import os

with open("/workflow/inputs/rows") as handle:
    rows = int(handle.read())
with open("/workflow/outputs/doubled", "w") as handle:
    handle.write(str(rows * 2))
with open("/workflow/outputs/uid", "w") as handle:
    handle.write(str(os.getuid()))
try:
    os.mkdir("/made-by-the-job")
    made = "yes"
except OSError:
    made = "no"
with open("/workflow/outputs/made_top_level_folder", "w") as handle:
    handle.write(made)
"""


def make_backend(fake: FakeDomino, root: Path) -> DominoBackend:
    return DominoBackend(
        root,
        SimpleNamespace(domino_project=fake.project, domino_host=fake.url),
        credentials=DominoCredentials(api_key=fake.api_key),
        retry=RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05),
        poll=PollPolicy(initial=0.05, factor=1.5, max_interval=0.25),
    )


def run_one(
    backend: DominoBackend, spec: JobSpec, values: dict[str, Any]
) -> tuple[JobHandle, JobStatus]:
    handle = backend.start(spec, backend.stage_inputs(spec, values))
    return handle, backend.wait(handle, timeout=60)


SYSTEM_PYTHON = Path("/usr/bin/python3")


@pytest.fixture
def reachable_fake() -> Iterator[FakeDomino]:
    """A fake Domino whose job folders and interpreter the job user reaches with no privilege at
    all, as on Domino: under a folder of /tmp open to it (pytest's own are root's only), with the
    system's Python (the test's may sit under /root). The bootstrap is standard library only."""
    if not SYSTEM_PYTHON.is_file():
        pytest.skip(f"{SYSTEM_PYTHON} is not installed")
    workdir = Path(tempfile.mkdtemp(prefix="fake-domino-"))
    workdir.chmod(0o711)
    shim = workdir / "bin"
    shim.mkdir(mode=0o755)
    (shim / "python").symlink_to(SYSTEM_PYTHON)
    try:
        with FakeDomino(workdir / "fake", python=str(shim / "python")) as fake:
            yield fake
        fake.assert_valid()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def test_a_stage_script_reads_workflow_inputs_as_a_non_root_job_user(
    reachable_fake: FakeDomino, tmp_path: Path
) -> None:
    fake_domino = reachable_fake
    if fake_domino.job_ids is None:
        pytest.skip("jobs can run as another user only when the tests run as root with setpriv")
    fake_domino.add_files({"scripts/double.py": STAGE_SCRIPT})
    backend = make_backend(fake_domino, tmp_path / "project")
    spec = JobSpec(
        run_id="run-1",
        flow="tests.flow",
        task="tests.double",
        config=DominoJobConfig(Command="python scripts/double.py"),
        input_types={"rows": int},
        output_types={"doubled": int, "uid": int, "made_top_level_folder": str},
    )
    handle, status = run_one(backend, spec, {"rows": 21})
    assert status.state is JobState.SUCCEEDED, status.message
    outputs = backend.collect_outputs(handle, spec)
    assert outputs["doubled"] == 42
    assert outputs["uid"] == fake_domino.job_ids[0] != 0  # not root, as on Domino
    assert outputs["made_top_level_folder"] == "no"  # a job cannot make top-level folders
    assert not Path("/made-by-the-job").exists()
    # the job's /workflow was its own: nothing was left in the machine's
    assert not Path("/workflow/inputs").exists()
    log = fake_domino.jobs[handle.job_id].log_path.read_text()
    assert "are not available" not in log


def test_a_job_that_cannot_mount_workflow_says_why_and_still_runs(
    fake_domino: FakeDomino, tmp_path: Path
) -> None:
    if fake_domino.job_ids is None:
        pytest.skip("jobs can run as another user only when the tests run as root with setpriv")
    # Here the job folders sit under a folder only root may enter (pytest's), which a job in its
    # own user namespace cannot reach: the bootstrap says so and runs the command without it.
    backend = make_backend(fake_domino, tmp_path / "project")
    spec = JobSpec(
        run_id="run-1",
        flow="tests.flow",
        task="tests.copy",
        config=DominoJobConfig(
            Command='cp "$DOMINO_FLOWS_INPUTS_DIR/rows" "$DOMINO_FLOWS_OUTPUTS_DIR/n"'
        ),
        input_types={"rows": int},
        output_types={"n": int},
    )
    handle, status = run_one(backend, spec, {"rows": 5})
    assert status.state is JobState.SUCCEEDED, status.message
    assert backend.collect_outputs(handle, spec) == {"n": 5}
    log = fake_domino.jobs[handle.job_id].log_path.read_text()
    assert "/workflow/inputs and /workflow/outputs are not available: this job may not make a " in (
        log
    )
    assert "DOMINO_FLOWS_INPUTS_DIR" in log
    assert "[domino-flows] mounting " in log and " at /workflow failed: Permission denied" in log
