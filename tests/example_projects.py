"""A temporary project holding a copy of ``examples/``, and running one of its flows.

Shared by the tests that run the examples (``test_examples.py``, ``test_parity_examples.py``),
each with its own pyproject.toml and data files.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from isolation import isolate

from domino_flows.cli import main

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"


@contextmanager
def examples_project(
    root: Path, pyproject: str, files: dict[str, str] | None = None
) -> Iterator[Path]:
    """``root`` made a project (``examples/``, ``pyproject``, ``files``) and the working folder."""
    shutil.copytree(EXAMPLES, root / "examples", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "pyproject.toml").write_text(pyproject)
    for name, text in (files or {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    with pytest.MonkeyPatch.context() as patch:
        isolate(patch, root.with_name(f"{root.name}-home"))  # set before the per-test one
        patch.chdir(root)
        yield root


def run(file: str, workflow: str, *args: str) -> dict[str, Any]:
    """``domino-flows run examples/FILE WORKFLOW ARGS --json``; the result document of a run
    that must succeed."""
    result = CliRunner().invoke(
        main, ["run", f"examples/{file}", workflow, *args, "--json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output[-3000:]
    document = json.loads(result.stdout)
    assert document["success"], document["error"]
    return document
