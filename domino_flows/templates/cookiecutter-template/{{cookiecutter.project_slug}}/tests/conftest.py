"""Shared fixtures: where the project is, and how to run the kit's command line from the tests."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def run_cli():
    """Run `domino-flows ...` from the project root with this interpreter.

    The project root goes on PYTHONPATH, so the package imports whether or not it is installed,
    and this interpreter's folder goes first on PATH, so jobs use it too (the local backend's
    environments run the `python` on PATH; see pyproject.toml).
    """

    def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        return subprocess.run(
            [sys.executable, "-m", "domino_flows.cli", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run
