"""pytest fixtures for testing flows against a fake Domino deployment.

Enable them with ``pytest_plugins = ["domino_flows.testing.fixtures"]`` in a conftest.py.

- ``fake_domino``: a started :class:`~domino_flows.testing.fake_domino.FakeDomino` (url, api_key,
  project, fault injection, job and call counts), stopped after the test. A test whose code sent
  the fake a request Domino's published API description refuses fails at teardown, listing each
  such request and what was wrong with it (the request itself was answered 400 at once).
- ``fake_domino_git``: the same, for a git-based project (code in the main repository, project
  files under ``/mnt/artifacts`` in jobs).
- ``domino_env``: the same server, with the environment pointing at it the way it points at a real
  deployment (``DOMINO_API_HOST``, ``DOMINO_USER_API_KEY``, ``DOMINO_PROJECT_OWNER`` /
  ``DOMINO_PROJECT_NAME``, ``DOMINO_FLOWS_BACKEND=domino``) and other credentials unset. It also
  sets ``DOMINO_FLOWS_POLL_SECONDS`` (see ``backends/domino_polling.py``) to ``FAST_POLL_SECONDS``:
  the fake answers at once and its jobs end in a second or two, which the default waits (1 s,
  growing) would mostly spend idle.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domino_flows.backends.domino_polling import POLL_VARIABLE
from domino_flows.core.redaction import API_KEY_VARIABLE, API_PROXY_VARIABLE, TOKEN_FILE_VARIABLE
from domino_flows.testing.fake_domino import FakeDomino

FAST_POLL_SECONDS = "0.05"  # the first wait between two polls of a job of the fake


@pytest.fixture
def fake_domino(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeDomino]:
    with FakeDomino(tmp_path_factory.mktemp("fake-domino")) as server:
        yield server
    server.assert_valid()


@pytest.fixture
def fake_domino_git(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeDomino]:
    with FakeDomino(tmp_path_factory.mktemp("fake-domino-git"), project_type="git") as server:
        yield server
    server.assert_valid()


@pytest.fixture
def domino_env(fake_domino: FakeDomino, monkeypatch: pytest.MonkeyPatch) -> FakeDomino:
    monkeypatch.setenv("DOMINO_API_HOST", fake_domino.url)
    monkeypatch.setenv(API_KEY_VARIABLE, fake_domino.api_key)
    monkeypatch.setenv("DOMINO_PROJECT_OWNER", fake_domino.owner)
    monkeypatch.setenv("DOMINO_PROJECT_NAME", fake_domino.project_name)
    monkeypatch.setenv("DOMINO_FLOWS_BACKEND", "domino")
    monkeypatch.setenv(POLL_VARIABLE, FAST_POLL_SECONDS)
    for name in (TOKEN_FILE_VARIABLE, API_PROXY_VARIABLE, "DOMINO_RUN_ID", "DOMINO_LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    return fake_domino
