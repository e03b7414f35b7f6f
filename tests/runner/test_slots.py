"""A job takes its hardware tier's cores: a run never has more cores busy than it has slots."""

import textwrap

import pytest
from runner_helpers import cli

FLOW = textwrap.dedent(
    """
    import os
    import time
    from pathlib import Path

    from flytekit import workflow

    from domino_flows import domino_task

    BOARD = Path(os.environ["BOARD"])


    def _together(name: str, expect_company: bool) -> None:
        me = BOARD / f"running-{name}"
        me.touch()
        try:
            deadline = time.monotonic() + 30
            while True:
                others = [p for p in BOARD.glob("running-*") if p != me]
                if others and not expect_company:
                    raise RuntimeError(f"{name} ran beside {others[0].name}")
                if others or not expect_company:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} never ran beside another task")
                time.sleep(0.05)
            time.sleep(0.3)
        finally:
            me.unlink()


    @domino_task(hardware_tier="Big")
    def big(name: str) -> str:
        _together(name, expect_company=False)
        return name


    @domino_task(hardware_tier="Small")
    def small(name: str) -> str:
        _together(name, expect_company=True)
        return name


    @workflow
    def bigs() -> tuple[str, str]:
        return big(name="a"), big(name="b")


    @workflow
    def smalls() -> tuple[str, str]:
        return small(name="a"), small(name="b")
    """
)

TIERS = """
[tool.domino_flows.hardware_tiers.Big]
cores = 2

[tool.domino_flows.hardware_tiers.Small]
cores = 1
"""


@pytest.fixture
def slots_project(project, monkeypatch):
    (project / "pyproject.toml").write_text('[project]\nname = "slots"\n' + TIERS)
    (project / "slots.py").write_text(FLOW)
    board = project / "board"
    board.mkdir()
    monkeypatch.setenv("BOARD", str(board))
    return project


@pytest.mark.slow
def test_jobs_whose_tier_takes_every_slot_run_one_at_a_time(slots_project):
    result = cli("run", "slots.py", "bigs", "--max-parallel", "2", "--json")
    assert result.exit_code == 0, result.output


@pytest.mark.slow
def test_jobs_of_a_one_core_tier_share_the_slots(slots_project):
    result = cli("run", "slots.py", "smalls", "--max-parallel", "2", "--json")
    assert result.exit_code == 0, result.output
