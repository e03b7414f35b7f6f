"""The environment every test runs in (see tests/conftest.py), for fixtures of a wider scope
than one test, which set it up themselves: pytest builds them before the per-test one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from domino_flows.core.redaction import CREDENTIAL_VARIABLES

# Variables a developer's shell or a Domino workspace may set, which would change what tests see.
CLEARED = (
    *CREDENTIAL_VARIABLES,
    "DOMINO_API_HOST",
    "DOMINO_PROJECT_ID",
    "DOMINO_PROJECT_OWNER",
    "DOMINO_PROJECT_NAME",
    "DOMINO_RUN_ID",
    "DOMINO_FLOWS_BACKEND",
    "DOMINO_FLOWS_PROJECT_ROOT",
    "DOMINO_FLOWS_RUN_ID",
    "DOMINO_FLOWS_FLOW",
    "DOMINO_FLOWS_POLL_SECONDS",
    "FLYTE_PLATFORM_URL",
    "FLYTECTL_CONFIG",
    "FLYTECTL_CONFIG_OVERRIDE",
)
CLEARED_PREFIXES = ("OPENLINEAGE",)


def isolate(patch: pytest.MonkeyPatch, home: Path) -> None:
    """No Domino, Flyte or OpenLineage configuration; ``home`` as HOME; a git identity."""
    for name in CLEARED:
        patch.delenv(name, raising=False)
    for name in [n for n in os.environ if n.startswith(CLEARED_PREFIXES)]:
        patch.delenv(name)
    home.mkdir(parents=True, exist_ok=True)
    patch.setenv("HOME", str(home))
    for who in ("GIT_AUTHOR", "GIT_COMMITTER"):  # commits made by tests need no global identity
        patch.setenv(f"{who}_NAME", "Test")
        patch.setenv(f"{who}_EMAIL", "test@example.com")


def forget_added_variables() -> None:
    """openlineage-python turns OPENLINEAGE_URL into OPENLINEAGE__TRANSPORT__* variables of the
    process's own environment, behind monkeypatch's back: later tests must not see them."""
    for name in [n for n in os.environ if n.startswith(CLEARED_PREFIXES)]:
        del os.environ[name]


def write_files(root: Path, files: dict[str, str]) -> Path:
    """``root`` (made if missing) holding ``files`` (path relative to ``root``: text)."""
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root
