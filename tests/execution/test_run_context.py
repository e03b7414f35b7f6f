"""A run's recording context is found by its project, however the project's folder is spelled."""

from __future__ import annotations

from pathlib import Path

from domino_flows.core.project import load_settings
from domino_flows.execution import run_context


def test_a_run_has_one_context_whatever_path_names_its_project(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    link = tmp_path / "link"
    link.symlink_to(project)
    settings = load_settings(project)
    first = run_context.open_run(project, "run-1", settings)
    assert run_context.open_run(link, "run-1") is first
    assert run_context.open_run(project / ".." / "project", "run-1") is first
    assert run_context.open_run(project, "run-2") is not first
    run_context.close_run(link, "run-1")
    assert run_context.open_run(project, "run-1") is not first  # forgotten, made anew
    run_context.close_run(project, "run-1")
    run_context.close_run(project, "run-2")
