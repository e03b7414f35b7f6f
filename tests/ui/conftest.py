import pytest


@pytest.fixture
def root(tmp_path, monkeypatch):
    """A project folder (the current directory) whose run store the pages read."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "ui-tests"\nversion = "0"\n')
    monkeypatch.chdir(project)
    monkeypatch.delenv("DOMINO_FLOWS_PROJECT_ROOT", raising=False)
    return project


@pytest.fixture
def client(root):
    """The app in process, over ``root``'s run store."""
    pytest.importorskip("starlette", reason="the [ui] extra is not installed")
    from starlette.testclient import TestClient

    from domino_flows.ui.app import create_app

    return TestClient(create_app(root / ".domino-flows" / "runs.sqlite"))
