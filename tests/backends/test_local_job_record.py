"""A local job's folder as written once per job: the tags in ``job.json`` from its start, its end
read back from memory by the process that watched it, the same as ``status.json`` says."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from domino_flows.authoring.config import DominoJobConfig
from domino_flows.backends import local_jobdir
from domino_flows.backends.base import JobSpec, JobState
from domino_flows.backends.local import LocalBackend
from domino_flows.core.project import load_settings

PYPROJECT = f"""
[project]
name = "demo"

[tool.domino_flows.environments.default]
python = "{sys.executable}"

[tool.domino_flows]
filesystem = "plain"
"""
TAGS = ("flow:demo", "run:run-1", "task:train")


@pytest.fixture
def project_files() -> dict[str, str]:
    return {"pyproject.toml": PYPROJECT}


@pytest.fixture
def backend(project: Path) -> Iterator[LocalBackend]:
    with LocalBackend(project, load_settings(project), stop_grace=2.0) as backend:
        yield backend


def spec(command: str, tags: tuple[str, ...] = ()) -> JobSpec:
    config = DominoJobConfig(Command=command, EnvironmentName="default")
    return JobSpec(run_id="run-1", flow="demo", task="train", config=config, tags=tags)


def test_tags_known_at_start_are_in_job_json_from_the_start(backend: LocalBackend) -> None:
    job = spec("exit 0", tags=TAGS)
    handle = backend.start(job, backend.stage_inputs(job, {}))
    job_file = Path(handle.details["job_dir"]) / local_jobdir.JOB_FILE
    written = job_file.read_text()
    assert json.loads(written)["tags"] == sorted(TAGS)
    backend.tag_job(handle, list(TAGS))  # as tracking.started still asks: nothing to add
    assert job_file.read_text() == written
    backend.tag_job(handle, ["extra:1"])  # a tag it lacks is still added
    assert json.loads(job_file.read_text())["tags"] == sorted([*TAGS, "extra:1"])
    assert backend.wait(handle, 30).state is JobState.SUCCEEDED


def test_a_job_started_without_tags_has_none_until_tagged(backend: LocalBackend) -> None:
    job = spec("exit 0")
    handle = backend.start(job, backend.stage_inputs(job, {}))
    job_file = Path(handle.details["job_dir"]) / local_jobdir.JOB_FILE
    assert "tags" not in json.loads(job_file.read_text())
    backend.tag_job(handle, list(TAGS))
    assert json.loads(job_file.read_text())["tags"] == sorted(TAGS)
    assert backend.wait(handle, 30).state is JobState.SUCCEEDED


def test_the_filesystem_record_is_the_text_it_always_was(backend: LocalBackend) -> None:
    job = spec("exit 0")
    handle = backend.start(job, backend.stage_inputs(job, {}))
    noted = Path(handle.details["job_dir"]) / "filesystem.json"
    expected = {"filesystem": "plain", "reason": 'the project sets filesystem = "plain"'}
    assert noted.read_text() == json.dumps(expected, indent=2, sort_keys=True)
    assert not list(noted.parent.glob(".filesystem.json.*"))  # nothing left aside
    assert backend.wait(handle, 30).state is JobState.SUCCEEDED


def test_a_finished_jobs_status_read_back_is_its_status_file(backend: LocalBackend) -> None:
    job = spec("echo oops >&2; exit 3")
    handle = backend.start(job, backend.stage_inputs(job, {}))
    status = backend.wait(handle, 30)
    recorded = local_jobdir.recorded_status(Path(handle.details["job_dir"]))
    assert (status.state, status.message) == (recorded.state, recorded.message)
    assert status.state is JobState.FAILED and "exited with code 3" in status.message
    assert backend.status(handle) == status
