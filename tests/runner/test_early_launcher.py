"""``domino-flows run`` starts the warm job launcher before it loads the flow, so the two imports
of flytekit (the runner's and the launcher's) run on two cores at once; the run then takes that
launcher over, or ends it when it has no use for it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from runner_helpers import cli

from domino_flows import backends
from domino_flows.backends import local_warm
from domino_flows.runner import run as runs

SCRIPT_ONLY = textwrap.dedent(
    """
    from flytekit import workflow

    from domino_flows import DominoJobConfig, DominoJobTask

    hello = DominoJobTask(
        name="hello",
        domino_job_config=DominoJobConfig(Command="echo hello"),
    )


    @workflow
    def script_only() -> None:
        hello()
    """
)

CHANGES_ENVIRONMENT = textwrap.dedent(
    """
    import os

    from flytekit import workflow

    from domino_flows import domino_task

    os.environ["SET_BY_THE_FLOW"] = "yes"


    @domino_task(hardware_tier="Small")
    def seen() -> str:
        return os.environ.get("SET_BY_THE_FLOW", "unset")


    @workflow
    def environment() -> str:
        return seen()
    """
)


@pytest.fixture
def launchers(monkeypatch: pytest.MonkeyPatch) -> dict[str, list]:
    """Every launcher started (with whether it was the early one) and every one asked for a job."""
    seen: dict[str, list] = {"started": [], "spawned": [], "early_at_load": []}
    start, spawn = local_warm.WarmLauncher.start, local_warm.WarmLauncher.spawn
    load = runs.load_entity

    def started(self):
        seen["started"].append(self)
        return start(self)

    def spawned(self, *args, **kwargs):
        seen["spawned"].append(self)
        return spawn(self, *args, **kwargs)

    def loaded(*args, **kwargs):
        early = local_warm._early
        alive = early is not None and early._process is not None
        seen["early_at_load"].append(alive and early._process.poll() is None)
        return load(*args, **kwargs)

    monkeypatch.setattr(local_warm.WarmLauncher, "start", started)
    monkeypatch.setattr(local_warm.WarmLauncher, "spawn", spawned)
    monkeypatch.setattr(runs, "load_entity", loaded)
    monkeypatch.setattr("os.cpu_count", lambda: 2)  # the early start needs a second core
    return seen


def _ended(launcher: local_warm.WarmLauncher) -> bool:
    return launcher._process is None


@pytest.mark.slow
def test_a_run_takes_over_the_launcher_it_started_before_loading_its_flow(project, launchers):
    result = cli("run", "fanin.py", "fanin", "--input", "pause=0")
    assert result.exit_code == 0, result.output
    assert launchers["early_at_load"] == [True]  # running while the flow loaded
    early = launchers["started"][0]
    assert set(launchers["spawned"]) == {early}  # every job came from it: no second launcher
    assert len(launchers["spawned"]) == 4
    assert local_warm._early is None and _ended(early)  # closed with the run's backend


def test_a_run_that_fails_before_its_first_job_ends_the_early_launcher(project, launchers):
    result = cli("run", "fanin.py", "no_such_workflow")
    assert result.exit_code != 0
    assert "no_such_workflow" in result.output
    assert launchers["early_at_load"] == [True]
    (early,) = launchers["started"]
    assert local_warm._early is None and _ended(early) and not launchers["spawned"]


@pytest.mark.slow
def test_a_run_without_warm_jobs_ends_the_early_launcher(project, launchers):
    (project / "script_only.py").write_text(SCRIPT_ONLY)
    result = cli("run", "script_only.py", "script_only")
    assert result.exit_code == 0, result.output
    (early,) = launchers["started"]
    assert local_warm._early is None and _ended(early) and not launchers["spawned"]


@pytest.mark.slow
def test_a_flow_that_changes_the_environment_as_it_loads_gets_a_launcher_of_its_own(
    project, launchers
):
    """The launcher imports flytekit with the runner's environment: one started before a flow
    that changed it would not be the launcher the run would have started."""
    (project / "changes.py").write_text(CHANGES_ENVIRONMENT)
    result = cli("run", "changes.py", "environment", "--json")
    assert result.exit_code == 0, result.output
    early, own = launchers["started"]
    assert early.environment.get("SET_BY_THE_FLOW") is None and _ended(early)
    assert own.environment["SET_BY_THE_FLOW"] == "yes"
    assert launchers["spawned"] == [own]
    assert '"o0": "yes"' in result.output


def test_nothing_starts_early_for_the_domino_backend_or_with_warm_starts_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, launchers
):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "p"\n')
    backends.start_early("domino", tmp_path)
    monkeypatch.setenv(local_warm.WARM_VARIABLE, "0")
    backends.start_early(None, tmp_path)
    backends.start_early("no-such-backend", tmp_path)  # the run itself says what is wrong
    assert launchers["started"] == [] and local_warm._early is None


def test_one_core_does_not_start_early(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, launchers):
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    backends.start_early(None, tmp_path)
    assert launchers["started"] == [] and local_warm._early is None


def test_an_early_launcher_with_another_environment_is_not_claimed(launchers):
    local_warm.start_early()
    try:
        early = local_warm._early
        assert early is not None
        changed = {**local_warm.launcher_environment(), "ANOTHER": "value"}
        assert local_warm.claim_early(changed) is None
        assert _ended(early) and local_warm._early is None
        local_warm.start_early()
        same = local_warm._early
        assert local_warm.claim_early(local_warm.launcher_environment()) is same
        assert same is not None and not _ended(same)
        same.close()
    finally:
        local_warm.discard_early()
