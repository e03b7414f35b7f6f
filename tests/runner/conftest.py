import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from isolation import isolate, write_files
from runner_helpers import run_json

FLOWS = Path(__file__).parent / "flows"
PYPROJECT = """
[project]
name = "runner-tests"
version = "0"

[tool.domino_flows.hardware_tiers.Small]
cores = 1
memory_gib = 2
"""


FILES = {"pyproject.toml": PYPROJECT, "marks.txt": ""}


@pytest.fixture
def project_files() -> dict[str, str]:
    return FILES


@pytest.fixture
def project(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The runner's flows in the project, and ``marks.txt``, where they note what ran."""
    for flow in FLOWS.glob("*.py"):
        shutil.copy(flow, project / flow.name)
    monkeypatch.setenv("MARKS", str(project / "marks.txt"))
    return project


@pytest.fixture(scope="module")
def finished_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A project holding one succeeded run of ``fanin``, made once per module (and worker) for
    the tests that only read it: starting its four jobs is most of such a test's cost."""
    root = write_files(tmp_path_factory.mktemp("finished") / "project", FILES)
    for flow in FLOWS.glob("*.py"):
        shutil.copy(flow, root / flow.name)
    with pytest.MonkeyPatch.context() as patch:
        isolate(patch, root.parent / "home")
        patch.chdir(root)
        patch.setenv("MARKS", str(root / "marks.txt"))
        result, document = run_json("fanin.py", "fanin", "--input", "pause=0")
    assert result.exit_code == 0, result.output
    yield root, document["run_id"]


@pytest.fixture
def finished_run(finished_project: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> str:
    """The id of the shared finished run; its project is the working directory."""
    root, run_id = finished_project
    monkeypatch.chdir(root)
    monkeypatch.setenv("MARKS", str(root / "marks.txt"))
    monkeypatch.setenv("HOME", str(root.parent / "home"))
    return run_id
