"""A local run of @domino_task jobs starts its warm launcher before its first job is asked for."""

import pytest
from runner_helpers import run_json

from domino_flows.backends import local_warm


def _watch(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    start, spawn = local_warm.WarmLauncher.start, local_warm.WarmLauncher.spawn

    def watched_start(self, *args, **kwargs):
        seen.append("launcher started")
        return start(self, *args, **kwargs)

    def watched_spawn(self, *args, **kwargs):
        seen.append("job forked")
        return spawn(self, *args, **kwargs)

    monkeypatch.setattr(local_warm.WarmLauncher, "start", watched_start)
    monkeypatch.setattr(local_warm.WarmLauncher, "spawn", watched_spawn)
    return seen


@pytest.mark.slow
def test_the_launcher_starts_while_the_run_prepares_not_when_the_first_job_waits(
    project, monkeypatch
):
    seen = _watch(monkeypatch)
    result, document = run_json("fanin.py", "fanin", "--input", "pause=0")
    assert result.exit_code == 0, result.output
    assert document["success"] is True
    jobs = len(document["tasks"])
    assert seen == ["launcher started"] + ["job forked"] * jobs


def test_no_launcher_when_warm_starts_are_off(project, monkeypatch):
    monkeypatch.setenv(local_warm.WARM_VARIABLE, "0")
    seen = _watch(monkeypatch)
    result, document = run_json("fanin.py", "fanin", "--input", "pause=0")
    assert result.exit_code == 0, result.output
    assert document["success"] is True
    assert seen == []
