"""The preflight: every problem a run would meet later is found before its first job starts, on
both backends, all at once, with the closest known name; `run --check` does only that."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from runner_helpers import cli, domino_project, marks

from domino_flows.authoring.loading import load_entity
from domino_flows.backends.local import LocalBackend
from domino_flows.runner import preflight

pytest_plugins = ["domino_flows.testing.fixtures"]

TYPO_FLOW = textwrap.dedent(
    """
    import os

    from flytekit import workflow

    from domino_flows import domino_task


    def _mark(name):
        with open(os.environ["MARKS"], "a") as handle:
            handle.write(name + "\\n")


    @domino_task(hardware_tier="Small")
    def first(x: int) -> int:
        _mark("first")
        return x + 1


    @domino_task(hardware_tier="Smal", environment="Pyhton 3.11")
    def last(x: int) -> int:
        _mark("last")
        return x * 2


    @workflow
    def pipeline(x: int = 1) -> int:
        return last(x=first(x=x))
    """
)

CONFIG = '\n[tool.domino_flows.environments."Python 3.11"]\npython = "python3"\n'


@pytest.fixture
def typo_project(project: Path) -> Path:
    (project / "typo.py").write_text(TYPO_FLOW)
    with (project / "pyproject.toml").open("a") as handle:
        handle.write(CONFIG)
    return project


def test_a_last_task_with_an_unknown_tier_fails_before_any_job_starts(typo_project: Path) -> None:
    result = cli("run", "typo.py", "pipeline")
    assert result.exit_code == 2
    assert marks(typo_project) == []  # `first` did not run either
    assert "cannot start: 2 problems found before any job started" in result.stderr
    assert "hardware tier 'Smal'" in result.stderr and "Did you mean 'Small'?" in result.stderr
    assert "environment 'Pyhton 3.11'" in result.stderr
    assert "Did you mean 'Python 3.11'?" in result.stderr
    assert "Traceback" not in result.output
    # nothing was recorded: no run to resume or to list
    assert "no runs yet" in cli("runs").output


def test_run_check_lists_every_problem_and_exits_1(typo_project: Path) -> None:
    result = cli("run", "typo.py", "pipeline", "--check")
    assert result.exit_code == 1
    assert result.stderr.count("\n  - ") == 2
    as_json = cli("run", "typo.py", "pipeline", "--check", "--json")
    document = json.loads(as_json.stdout)
    assert as_json.exit_code == 1 and document["ok"] is False and len(document["problems"]) == 2
    assert marks(typo_project) == []


def test_run_check_of_a_good_flow_exits_0_and_starts_nothing(project: Path) -> None:
    result = cli("run", "fanin.py", "fanin", "--check")
    assert result.exit_code == 0, result.output
    assert "fanin: ready to run (2 job tasks checked)." in result.stdout
    assert marks(project) == []
    assert "no runs yet" in cli("runs").output


def test_data_sources_and_lint_errors_are_problems_too(project: Path) -> None:
    (project / "data.py").write_text(
        textwrap.dedent(
            """
            from flytekit import workflow

            from domino_flows import DatasetSnapshot, domino_task


            @domino_task(dataset_snapshots=[DatasetSnapshot(Name="sales", Version=2)])
            def read(x: int) -> int:
                return x


            @workflow
            def flow(x: int = 1) -> int:
                return read(x)
            """
        )
    )
    found = _check(project / "data.py", "flow", project)
    assert any("dataset 'sales', which has no local folder" in p for p in found.problems)
    assert any("DF004" in p and "data.py:" in p for p in found.problems)  # read(x): positional


def test_unsupported_nodes_are_all_listed(project: Path) -> None:
    (project / "dyn.py").write_text(
        textwrap.dedent(
            """
            from flytekit import dynamic, workflow


            @dynamic
            def one(x: int) -> int:
                return x


            @dynamic
            def two(x: int) -> int:
                return x


            @workflow
            def flow(x: int = 1) -> int:
                return two(x=one(x=x))
            """
        )
    )
    found = _check(project / "dyn.py", "flow", project, lint=False)
    assert len(found.problems) == 2
    assert all("Domino Flows does not run dynamic" in p for p in found.problems)


def test_unconfigured_names_are_a_note_shown_once_per_project(project: Path) -> None:
    (project / "pyproject.toml").write_text('[project]\nname = "plain"\n')
    first = cli("run", "fanin.py", "fanin", "--input", "pause=0")
    assert first.exit_code == 0, first.output
    assert first.stderr.count("no hardware tiers are configured") == 1
    second = cli("run", "fanin.py", "fanin", "--input", "pause=0", "--no-cache")
    assert second.exit_code == 0 and "no hardware tiers are configured" not in second.stderr
    assert "note: o0: flytekit names" in first.stdout  # the unnamed-output note: once too
    assert "note: o0" not in second.stdout and "o0 = 60" in second.stdout
    check = cli("run", "fanin.py", "fanin", "--check")  # --check always says it
    assert "note: no hardware tiers are configured" in check.stdout


def _check(file: Path, name: str, root: Path, lint: bool = True) -> preflight.Preflight:
    entity = load_entity(file, name)
    return preflight.check(getattr(entity, "workflow", entity), file, LocalBackend(root), lint)


DOMINO_FLOW = textwrap.dedent(
    """
    from flytekit import workflow

    from domino_flows import domino_task


    @domino_task(hardware_tier="Small")
    def first(x: int) -> int:
        return x + 1


    @domino_task(hardware_tier="Lage")
    def last(x: int) -> int:
        return x * 2


    @workflow
    def pipeline(x: int = 1) -> int:
        return last(x=first(x=x))
    """
)


def test_on_domino_names_are_resolved_before_any_job_starts(
    domino_env, tmp_path, monkeypatch
) -> None:
    domino_project(domino_env, tmp_path / "project", "preflight", DOMINO_FLOW, monkeypatch)
    result = cli("run", "flow.py", "pipeline")
    assert result.exit_code == 2
    assert "hardware tier named 'Lage'. Did you mean 'Large'?" in result.stderr
    assert domino_env.jobs == {}  # no job was started


def test_a_wrong_key_is_one_message_without_python_dominos_log_line(
    domino_env, tmp_path, monkeypatch, capfd, caplog
) -> None:
    domino_project(domino_env, tmp_path / "project", "wrong-key", DOMINO_FLOW, monkeypatch)
    monkeypatch.setenv("DOMINO_USER_API_KEY", "not-the-key")
    result = cli("run", "flow.py", "pipeline")
    captured = capfd.readouterr()
    assert result.exit_code == 2
    assert "credentials are not valid" in result.stderr
    assert "ERROR:domino" not in result.output + captured.err + captured.out
    assert [r.getMessage() for r in caplog.records if r.name.startswith("domino.")] == []
