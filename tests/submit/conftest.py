"""Fixtures for the submit tests: an environment without any real Domino or Flyte configuration,
and a flow project committed and pushed to a bare remote."""

from __future__ import annotations

from pathlib import Path

import pytest
from flyte_fake import ENDPOINT, FakeFlyteClient
from submit_helpers import pushed_repo

_CLEARED = (
    "DOMINO_API_HOST",
    "DOMINO_USER_API_KEY",
    "DOMINO_API_KEY",
    "DOMINO_TOKEN_FILE",
    "DOMINO_API_PROXY",
    "DOMINO_PROJECT_ID",
    "DOMINO_PROJECT_OWNER",
    "DOMINO_PROJECT_NAME",
    "DOMINO_FLOWS_PROJECT_ROOT",
    "FLYTE_PLATFORM_URL",
    "FLYTECTL_CONFIG",
    "FLYTECTL_CONFIG_OVERRIDE",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory):
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))  # no ~/.flyte/config.yaml, no global git config
    for variable in ("GIT_AUTHOR", "GIT_COMMITTER"):
        monkeypatch.setenv(f"{variable}_NAME", "Test")
        monkeypatch.setenv(f"{variable}_EMAIL", "test@example.com")


@pytest.fixture
def good_flow(tmp_path: Path) -> Path:
    return pushed_repo(tmp_path)


@pytest.fixture
def flyte(monkeypatch: pytest.MonkeyPatch) -> FakeFlyteClient:
    """FlyteRemote's client replaced by a fake; the endpoint configured through the environment."""
    from flytekit.remote import FlyteRemote

    from domino_flows.submit import launch

    fake = FakeFlyteClient()
    monkeypatch.setenv("FLYTE_PLATFORM_URL", ENDPOINT)
    monkeypatch.setattr(FlyteRemote, "client", property(lambda self: fake))
    monkeypatch.setattr(launch, "POLL_SECONDS", 0)
    return fake
