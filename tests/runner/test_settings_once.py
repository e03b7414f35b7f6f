"""A run reads the project's pyproject.toml once for its settings (and once more for the lint
section its preflight checks), however many tasks, attempts and lineage events it has: the
settings and the OpenLineage emitter are made once per run and passed down. And it closes the
backend it used."""

from __future__ import annotations

import pytest
from runner_helpers import run_json

from domino_flows.backends import lifecycle
from domino_flows.core import project as project_module


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    read: list[str] = []
    loads = project_module.tomllib.loads

    def counted(text: str):
        read.append(text)
        return loads(text)

    monkeypatch.setattr(project_module.tomllib, "loads", counted)
    return read


@pytest.mark.slow
def test_settings_are_read_once_per_run_whatever_its_size(project, parses):
    one, _ = run_json("fanin.py", "too_slow", "--input", "seconds=0")
    assert one.exit_code == 0, one.output
    one_task = len(parses)
    parses.clear()
    four, document = run_json("fanin.py", "fanin", "--input", "pause=0")
    assert four.exit_code == 0, four.output
    assert len(document["tasks"]) == 4
    # the project's settings, once, and the preflight's lint reading its own section, once
    assert len(parses) == one_task == 2
    assert lifecycle.open_count() == 0  # each run closed its backend
