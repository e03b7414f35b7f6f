"""Baking the project template with real cookiecutter into temporary directories."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from domino_flows.onboarding.new import TEMPLATE

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]
# Local state and build output: never part of a build's source.
UNSHIPPED = (
    ".git",
    ".venv",
    ".domino-flows",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
)


@pytest.fixture(scope="session")
def kit_wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a wheel of this checkout and of the build backend a generated project
    asks for (so it installs with no index), built once per test worker. Tests only read it.

    Built from a copy: an in-tree build would write build/ and egg-info into the checkout while
    other tests read it."""
    root = tmp_path_factory.mktemp("kit-wheel")
    source = root / "source"
    shutil.copytree(REPO, source, symlinks=True, ignore=shutil.ignore_patterns(*UNSHIPPED))
    wheels = root / "wheels"
    command = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels)]
    built = subprocess.run(
        [*command, str(source), "setuptools>=77"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return wheels


@pytest.fixture
def bake(tmp_path: Path) -> Callable[..., Path]:
    """Generate a project with plain cookiecutter (as `cookiecutter cookiecutter-template/`
    would), answers from keyword arguments, the rest defaults; returns the project folder."""
    from cookiecutter.main import cookiecutter

    config = tmp_path / "cookiecutter-config.yaml"
    config.write_text(
        f"cookiecutters_dir: {tmp_path / 'cookiecutters'}\nreplay_dir: {tmp_path / 'replay'}\n"
    )
    output = tmp_path / "out"

    def run(**answers: str) -> Path:
        generated = cookiecutter(
            str(TEMPLATE),
            no_input=True,
            extra_context=answers,
            output_dir=str(output),
            config_file=str(config),
        )
        return Path(generated)

    return run


@pytest.fixture
def project_env() -> Callable[[Path], dict[str, str]]:
    return project_environment


def project_environment(project: Path) -> dict[str, str]:
    """What an activated virtual environment holding this checkout of the kit, with the
    generated project installed in editable mode, would give a shell in the project."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DOMINO_FLOWS_"))}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(project), env.get("PYTHONPATH")]))
    env["VIRTUAL_ENV"] = str(BIN.parent)
    return env
