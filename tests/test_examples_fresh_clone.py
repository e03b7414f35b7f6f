"""The examples that read and write data run with their own docstring command on a fresh clone:
the repository's pyproject.toml maps their datasets and volumes to examples/data/."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from domino_flows.cli import main

REPO = Path(__file__).resolve().parents[1]


def docstring_command(example: str) -> list[str]:
    """The ``domino-flows run ...`` command of an example's docstring, as a shell would split it."""
    text = (REPO / "examples" / example).read_text().split('"""')[1]
    line = text.split("    domino-flows ", 1)[1].split("\n\n", 1)[0]
    # the docstring's line continuation is written `\\` in the source (one backslash when shown)
    return shlex.split(re.sub(r"\\+\n", " ", line))


def fresh_clone(tmp_path: Path) -> Path:
    """The files git tracks of pyproject.toml and examples/, as a clone has them."""
    tracked = subprocess.run(
        ["git", "ls-files", "pyproject.toml", "examples"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    root = tmp_path / "clone"
    for name in tracked:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / name, root / name)
    return root


@pytest.mark.slow
@pytest.mark.parametrize(
    ("example", "outputs"), [("official_volumes.py", {"o0": 7}), ("official_export.py", None)]
)
def test_example_runs_with_its_docstring_command(
    example: str, outputs: dict | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    root = fresh_clone(tmp_path)
    monkeypatch.chdir(root)
    monkeypatch.delenv("DOMINO_FLOWS_PROJECT_ROOT", raising=False)
    monkeypatch.delenv("DOMINO_FLOWS_BACKEND", raising=False)
    command = docstring_command(example)
    assert command[0] == "run" and command[1] == f"examples/{example}"
    result = CliRunner().invoke(main, [*command, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output[-3000:]
    if outputs is not None:
        assert json.loads(result.stdout)["outputs"] == outputs
