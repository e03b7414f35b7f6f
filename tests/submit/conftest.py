"""Fixtures for the submit tests: a flow project committed and pushed to a bare remote, and a fake
Flyte. (tests/conftest.py clears any real Domino or Flyte configuration.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from flyte_fake import ENDPOINT, FakeFlyteClient
from submit_helpers import pushed_repo


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
