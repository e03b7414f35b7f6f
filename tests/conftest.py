"""What every test gets: an environment that says nothing about the machine running the suite,
and the ``project`` fixture, a throwaway flow project that is the working directory.

Each test sees no Domino credentials or deployment, no backend or project chosen by variable,
no Flyte or OpenLineage configuration, and its own empty ``HOME`` (no ``~/.flyte``,
``~/.openlineage`` or global git configuration), so the suite passes the same on a laptop, in
CI and under ``pytest -n 2``, where workers share nothing but the repository.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from isolation import forget_added_variables, isolate, write_files

from domino_flows.backends import lifecycle
from domino_flows.core.paths import STATE_DIR

REPO = Path(__file__).resolve().parents[1]

# The pyproject.toml of ``project`` unless a test module overrides the ``project_files`` fixture.
DEFAULT_PYPROJECT = """
[project]
name = "test-project"
version = "0"

[tool.domino_flows.hardware_tiers.Small]
cores = 1
memory_gib = 2
"""


def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist hands whole files out largest first unless told not to (3.8's
    # --no-loadscope-reorder): keep the order below.
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files with end-to-end (``slow``) tests first, otherwise in the usual order: under
    ``pytest -n 2 --dist loadfile`` (pyproject.toml) the workers share the long files out while
    short ones remain to fill the gaps, rather than one worker running a long file alone at the
    end. A file's tests stay together; every worker collects the same order."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow") is not None}
    items.sort(key=lambda item: item.path not in slow_files)


@pytest.fixture(autouse=True, scope="session")
def checkout_state() -> Path | None:
    """The checkout's own state folder, if it was absent when the session began: no test may
    create it. A run store there would be shared by the test workers (and seen by tests that
    expect a store of their own); tests run flows in ``project``."""
    state = REPO / STATE_DIR
    return None if state.exists() else state


@pytest.fixture(autouse=True)
def isolated_environment(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
    checkout_state: Path | None,
) -> Iterator[None]:
    isolate(monkeypatch, tmp_path_factory.mktemp("home"))
    yield
    forget_added_variables()
    # A backend a test left open would keep its jobs and warm launcher (a process with flytekit
    # imported) for the rest of the worker's life.
    lifecycle.close_all()
    # os.path, not Path.exists: the test's own patches are still in place here (a test may make
    # Path.exists answer True for every path).
    if checkout_state is not None and os.path.lexists(checkout_state):
        shutil.rmtree(checkout_state, ignore_errors=True)  # so later tests are not blamed
        pytest.fail(
            f"this test (or one beside it on another worker) wrote {checkout_state}: "
            "run flows in a temporary project (the project fixture)"
        )


@pytest.fixture
def project_files() -> dict[str, str]:
    """The files of ``project`` (path relative to its root: text); modules override this."""
    return {"pyproject.toml": DEFAULT_PYPROJECT}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, project_files: dict[str, str]) -> Path:
    """A throwaway flow project (``project_files`` written into it), the working directory."""
    root = write_files(tmp_path / "project", project_files)
    monkeypatch.chdir(root)
    return root
