"""A full disk (ENOSPC) is named as such, before and during a run: one line, the run recorded
Failed and resumable, never a traceback, a permissions hint or a run left Running."""

from __future__ import annotations

import errno
from pathlib import Path

from runner_helpers import cli, run_json

from domino_flows.backends.local import LocalBackend
from domino_flows.core import paths
from domino_flows.records.store import RunStore
from domino_flows.runner import values


def no_space(filename: str = "") -> OSError:
    return OSError(errno.ENOSPC, "No space left on device", filename or None)


def test_a_disk_that_fills_mid_run_fails_the_run_resumably(project, monkeypatch):
    original = LocalBackend.stage_inputs

    def full_for_double(self, spec, job_values):
        if spec.task.endswith("double"):
            raise no_space(f"/data/{spec.task}/inputs/n")
        return original(self, spec, job_values)

    monkeypatch.setattr(LocalBackend, "stage_inputs", full_for_double)
    result, document = run_json("equal_values.py", "chained")

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    error = document["error"]
    assert "the disk is full (No space left on device while writing /data/" in error
    assert "writable" not in error and "report it" not in error
    store = RunStore.for_project(project)
    (run,) = store.runs()
    assert run["state"] == "Failed"
    states = {a.task.rsplit(".", 1)[-1]: a.state for a in store.attempts(run["run_id"])}
    assert states == {"make": "Succeeded", "double": "Failed"}

    monkeypatch.setattr(LocalBackend, "stage_inputs", original)  # space was freed
    resumed = cli("resume", run["run_id"])
    assert resumed.exit_code == 0, resumed.output
    assert RunStore.for_project(project).runs()[0]["state"] == "Succeeded"


def test_a_full_disk_after_the_run_started_is_one_line_and_recorded(project, monkeypatch):
    original = values.to_literals
    calls = []

    def full_after_the_start(*args, **kwargs):
        calls.append(1)
        if len(calls) > 1:  # the first is the run's own inputs, before anything ran
            raise no_space()
        return original(*args, **kwargs)

    # the engine writing a finished task's outputs
    monkeypatch.setattr(values, "to_literals", full_after_the_start)
    result = cli("run", "equal_values.py", "chained")

    assert result.exit_code == 2
    (line,) = [x for x in result.output.splitlines() if x.startswith("error:")]
    assert "the disk is full" in line and "domino-flows resume" in line
    assert "Traceback" not in result.output
    (run,) = RunStore.for_project(project).runs()
    assert run["state"] == "Failed" and "the disk is full" in run["error"]


def test_a_full_disk_is_not_called_a_permissions_problem(tmp_path):
    said = paths.folder_problem(tmp_path / "a" / "b", no_space())
    assert "the disk is full" in said and "writable" not in said
    denied = paths.folder_problem(tmp_path / "a", PermissionError(errno.EACCES, "denied"))
    assert "writable" in denied


def test_a_full_disk_before_the_run_is_one_line(project, monkeypatch):
    def full(root: Path, run_id: str):
        raise no_space(str(root / ".domino-flows" / "runners"))

    from domino_flows.runner import lease

    monkeypatch.setattr(lease, "hold", full)
    result = cli("run", "equal_values.py", "chained")
    assert result.exit_code == 2
    assert result.output.startswith("error: the disk is full (No space left on device while")
    assert "Traceback" not in result.output
