import shutil
from pathlib import Path

import pytest

FLOWS = Path(__file__).parent / "flows"
PYPROJECT = """
[project]
name = "runner-tests"
version = "0"

[tool.domino_flows.hardware_tiers.Small]
cores = 1
memory_gib = 2
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A throwaway flow project: its own pyproject.toml, run store and job directories."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT)
    for flow in FLOWS.glob("*.py"):
        shutil.copy(flow, root / flow.name)
    marks = root / "marks.txt"
    marks.touch()
    monkeypatch.chdir(root)
    # flytekit's local cache (~/.flyte/local-cache), which `cache clear` also clears
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MARKS", str(marks))
    monkeypatch.delenv("DOMINO_FLOWS_BACKEND", raising=False)
    monkeypatch.delenv("DOMINO_FLOWS_PROJECT_ROOT", raising=False)
    return root
