"""SKILL.md's day-to-day examples run as written: the pytest example with the fake Domino, the
fan_out signature, the local data-folder TOML with a volume on `@domino_task`, and the commands
of its day-to-day block exist."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_docs import blocks

from domino_flows.cli import main

REPO = Path(__file__).resolve().parents[1]
SKILL = blocks("SKILL.md")


def _block(language: str, contains: str) -> str:
    (found,) = [b.code for b in SKILL if b.language == language and contains in b.code]
    return found


def _project(root: Path, files: dict[str, str], pyproject_extra: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "skill"\nversion = "0"\n{pyproject_extra}'
    )
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def _run(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> dict:
    monkeypatch.chdir(root)
    monkeypatch.delenv("DOMINO_FLOWS_BACKEND", raising=False)
    monkeypatch.delenv("DOMINO_FLOWS_PROJECT_ROOT", raising=False)
    result = CliRunner().invoke(main, ["run", *args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output[-3000:]
    return json.loads(result.stdout)


@pytest.mark.slow
def test_the_data_folder_toml_and_a_volume_on_domino_task(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toml = _block("toml", "[tool.domino_flows.volumes]")
    flow = _block("python", "def census()")
    root = _project(
        tmp_path / "p",
        {"census.py": flow, "data/reference/reference.csv": "a\n1\n2\n"},
        toml,
    )
    for folder in ("data/sales", "data/netapp/blind"):
        (root / folder).mkdir(parents=True)
    assert _run(root, monkeypatch, "census.py", "census")["outputs"] == {"o0": 2}


@pytest.mark.slow
def test_the_fan_out_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path / "p", {"squares.py": _block("python", "def squares(")})
    document = _run(root, monkeypatch, "squares.py", "squares", "--input", "xs=[1, 2, 3]")
    assert document["outputs"] == {"o0": [1, 4, 9]}


HELLO = """
from flytekit import workflow

from domino_flows import domino_task


@domino_task
def greet(name: str) -> str:
    return f"hello, {name}"


@workflow
def hello(name: str = "Domino") -> str:
    return greet(name=name)
"""


@pytest.mark.slow
def test_the_pytest_example_with_the_fake_domino(tmp_path: Path) -> None:
    example = _block("python", "def test_flow_runs_as_domino_jobs(")
    assert len(example.strip().splitlines()) <= 20
    root = _project(
        tmp_path / "project",
        {"flows/hello.py": HELLO, "tests/test_flow.py": example},
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DOMINO_", "PYTEST_"))  # the example's own fixtures set them
    }
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_flow.py"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout


def test_the_day_to_day_commands_exist() -> None:
    commands = _block("bash", "--reuse last")
    for line in commands.splitlines():
        words = line.split("#")[0].split()
        assert words[0] == "domino-flows"
        result = CliRunner().invoke(main, [words[1], "--help"])
        assert result.exit_code == 0, line
        for option in (w for w in words[2:] if w.startswith("--") and "=" not in w):
            if option in ("--rows", "--rate"):  # workflow inputs, as pyflyte takes them
                continue
            assert option in result.output, (line, option)
