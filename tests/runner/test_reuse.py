"""`run --reuse RUN`: a run with new inputs keeps the finished work of an earlier run whose task,
config and inputs are unchanged (docs/running.md states the rule)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from runner_helpers import cli, marks

FLOW = textwrap.dedent(
    """
    import os

    from flytekit import workflow

    from domino_flows import domino_task


    def _mark(name):
        with open(os.environ["MARKS"], "a") as handle:
            handle.write(name + "\\n")


    @domino_task
    def prepare(n: int) -> int:
        _mark("prepare")
        return n * 2


    @domino_task
    def train(data: int, rate: float) -> float:
        _mark("train")
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")
        return data * rate


    @workflow
    def pipeline(n: int = 3, rate: float = 0.0) -> float:
        return train(data=prepare(n=n), rate=rate)
    """
)


@pytest.fixture
def reuse_project(project: Path) -> Path:
    (project / "reuse_flow.py").write_text(FLOW)
    return project


def _run_id(result) -> str:
    return json.loads(result.stdout)["run_id"]


def test_a_failed_run_fixed_by_a_new_input_keeps_its_finished_tasks(reuse_project: Path) -> None:
    failed = cli("run", "reuse_flow.py", "pipeline", "--input", "rate=-1", "--json")
    assert failed.exit_code == 1
    assert marks(reuse_project) == ["prepare", "train"]
    first = _run_id(failed)

    fixed = cli("run", "reuse_flow.py", "pipeline", "--reuse", "last", "--rate", "0.5", "--json")
    assert fixed.exit_code == 0, fixed.output
    document = json.loads(fixed.stdout)
    assert document["outputs"] == {"o0": 3.0}
    assert marks(reuse_project) == ["prepare", "train", "train"]  # prepare did not run again
    states = {t["task"].rsplit(".", 1)[-1]: t for t in document["tasks"]}
    assert states["prepare"]["state"] == "reused"
    assert states["prepare"]["note"] == f"reused from run {first}"
    assert states["train"]["state"] == "succeeded"

    shown = cli("show", document["run_id"])
    assert f"result from run {first} (--reuse)" in shown.stdout
    # the reused node is on the new run's own record: its resume would keep it too
    as_json = json.loads(cli("show", document["run_id"], "--json").stdout)
    assert {n["node"] for n in as_json["nodes"]} == {"n0", "n1"}


def test_a_changed_input_reruns_the_tasks_that_read_it(reuse_project: Path) -> None:
    first = cli("run", "reuse_flow.py", "pipeline", "--input", "rate=1", "--json")
    assert first.exit_code == 0
    again = cli("run", "reuse_flow.py", "pipeline", "--reuse", _run_id(first), "--n", "4")
    assert again.exit_code == 0, again.output
    assert marks(reuse_project) == ["prepare", "train", "prepare", "train"]
    assert "reusing 0 finished nodes" in again.stderr and "inputs changed: n" in again.stderr


def test_a_changed_task_definition_runs_again(reuse_project: Path) -> None:
    first = cli("run", "reuse_flow.py", "pipeline", "--input", "rate=-1", "--json")
    changed = FLOW.replace(
        "@domino_task\ndef train", '@domino_task(environment="Other")\ndef train'
    )
    (reuse_project / "reuse_flow.py").write_text(changed)
    (reuse_project / "pyproject.toml").write_text('[project]\nname = "x"\n')
    again = cli("run", "reuse_flow.py", "pipeline", "--reuse", _run_id(first), "--rate", "2")
    assert again.exit_code == 0, again.output
    assert marks(reuse_project) == ["prepare", "train", "train"]


def test_reuse_names_what_is_wrong(reuse_project: Path) -> None:
    unknown = cli("run", "reuse_flow.py", "pipeline", "--reuse", "20990101-000000-abcd")
    assert unknown.exit_code == 2 and "no such run" in unknown.stderr
    none_yet = cli("run", "reuse_flow.py", "pipeline", "--reuse", "last")
    assert none_yet.exit_code == 2 and "-1 (or last) is the newest" in none_yet.stderr
    other = cli("run", "fanin.py", "fanin", "--input", "pause=0", "--json")
    wrong = cli("run", "reuse_flow.py", "pipeline", "--reuse", _run_id(other))
    assert wrong.exit_code == 2
    assert "ran 'fanin', not 'pipeline': --reuse takes a run of the same workflow" in wrong.stderr


pytest_plugins = ["domino_flows.testing.fixtures"]


@pytest.mark.slow
def test_reuse_on_the_domino_backend(domino_env, tmp_path, monkeypatch) -> None:
    from runner_helpers import domino_project

    flow = FLOW.replace('os.environ["MARKS"]', 'os.environ.get("MARKS", "/dev/null")')
    domino_project(domino_env, tmp_path / "project", "reuse-domino", flow, monkeypatch)
    failed = cli("run", "flow.py", "pipeline", "--rate", "-1", "--json")
    assert failed.exit_code == 1
    assert domino_env.job_count == 2
    fixed = cli("run", "flow.py", "pipeline", "--reuse", "last", "--rate", "0.5", "--json")
    assert fixed.exit_code == 0, fixed.output
    document = json.loads(fixed.stdout)
    assert document["outputs"] == {"o0": 3.0}
    assert domino_env.job_count == 3  # only train ran again, as a new Domino job
    reused = [t for t in document["tasks"] if t["state"] == "reused"]
    assert [t["task"] for t in reused] == ["flow.prepare"]
