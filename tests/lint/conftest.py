"""Lint tests run from an empty working directory.

Configuration is looked up above the linted paths and then above the working directory, so
running from the repository would let its own ``pyproject.toml`` change what the tests see.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_working_directory(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    directory = tmp_path_factory.mktemp("cwd")
    monkeypatch.chdir(directory)
    return directory
