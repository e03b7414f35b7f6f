"""The generated project installs on a fresh machine: from a locally built wheel of the kit, into
a fresh virtual environment, with no package index; then its tests and its flow run there.

Building the kit's other dependencies (flytekit and friends) into a wheelhouse would take minutes,
so the fresh environment sees this one's site-packages through a ``.pth`` line: everything else
is found there (pip included), while ``domino-flows`` itself (whose editable install here is not
active in the fresh environment) comes from the wheel, through the requirement
``domino-flows new`` wrote.
"""

from __future__ import annotations

import json
import os
import subprocess
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from domino_flows.onboarding.new import create_project, kit_requirement, requirement_from_direct_url

REPO = Path(__file__).resolve().parents[2]


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 300):
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.mark.slow
def test_the_generated_project_installs_from_a_wheel_without_an_index(
    tmp_path: Path, kit_wheels: Path
) -> None:
    wheels = kit_wheels  # the kit's wheel, and the build backend the generated project asks for
    (wheel,) = wheels.glob("domino_flows-*.whl")
    project = create_project(
        tmp_path / "out",
        {"domino_flows_requirement": f"domino-flows @ {wheel.as_uri()}"},
    )
    fresh = tmp_path / "fresh"
    # No pip of its own (ensurepip takes about 10 s): the line below lets it use this one's.
    venv.create(fresh)
    python = fresh / "bin" / "python"
    purelib = run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path
    ).stdout.strip()
    (Path(purelib) / "kit-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DOMINO_FLOWS_"))}
    env.update(
        PATH=f"{fresh / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        VIRTUAL_ENV=str(fresh),
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(wheels),
    )
    env.pop("PYTHONPATH", None)
    run([str(python), "-m", "pip", "install", "-q", "-e", "."], project, env)
    where = run(
        [str(python), "-c", "import domino_flows; print(domino_flows.__file__)"], project, env
    )
    assert where.stdout.startswith(str(fresh)), where.stdout  # the kit came from the wheel
    flow = run(["domino-flows", "run", "churn_flows/flow.py", "training_flow"], project, env)
    assert "accuracy = " in flow.stdout, flow.stdout
    tests = run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow"],
        project,
        env,
    )
    assert " passed" in tests.stdout


@pytest.mark.slow
def test_the_wheel_ships_the_whole_template(kit_wheels: Path) -> None:
    """`domino-flows new` works from a non-editable install: every template file is in the
    wheel, hidden ones (.github, .gitignore, .pre-commit-config.yaml) included."""
    (wheel,) = kit_wheels.glob("domino_flows-*.whl")
    prefix = "domino_flows/templates/cookiecutter-template/"
    in_wheel = {n[len(prefix) :] for n in zipfile.ZipFile(wheel).namelist() if n.startswith(prefix)}
    tracked = subprocess.run(
        ["git", "ls-files", "domino_flows/templates/cookiecutter-template"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    expected = {name[len(prefix) :] for name in tracked}
    assert expected, "no template files tracked by git"
    assert in_wheel == expected
    # the pages of `domino-flows ui` and `report --html` ship too
    shipped = set(zipfile.ZipFile(wheel).namelist())
    for page_file in ("ui/templates/run.html", "ui/templates/panel.html", "ui/static/ui.js"):
        assert f"domino_flows/{page_file}" in shipped, page_file


@pytest.mark.parametrize(
    ("document", "requirement"),
    [
        (
            {
                "url": "https://github.com/acme/domino-flows.git",
                "vcs_info": {"vcs": "git", "commit_id": "0f3c2a1", "requested_revision": "v0.1"},
            },
            "domino-flows @ git+https://github.com/acme/domino-flows.git@0f3c2a1",
        ),
        (
            {
                "url": "https://user:secret@git.example.com/kit.git",
                "subdirectory": "python",
                "vcs_info": {"vcs": "git", "commit_id": "abc"},
            },
            "domino-flows @ git+https://git.example.com/kit.git@abc#subdirectory=python",
        ),
        (
            {
                "url": "file:///wheels/domino_flows-0.1.0-py3-none-any.whl",
                "archive_info": {"hashes": {"sha256": "00"}},
            },
            "domino-flows @ file:///wheels/domino_flows-0.1.0-py3-none-any.whl",
        ),
        (
            {"url": "file:///home/ada/domino-flows", "dir_info": {"editable": True}},
            "domino-flows @ file:///home/ada/domino-flows",
        ),
    ],
)
def test_the_requirement_follows_where_the_kit_came_from(document: dict, requirement: str) -> None:
    assert requirement_from_direct_url(document) == requirement


def test_this_checkout_is_an_editable_folder_install() -> None:
    assert kit_requirement() == f"domino-flows @ {REPO.as_uri()}"


def test_a_kit_from_an_index_asks_the_index_for_this_version_or_newer(monkeypatch) -> None:
    import importlib.metadata

    from domino_flows._version import __version__

    monkeypatch.setattr(importlib.metadata, "distributions", lambda **_: iter(()))
    assert kit_requirement() == f"domino-flows>={__version__}"


def test_the_requirement_lands_in_the_project_and_bad_ones_are_refused(tmp_path: Path) -> None:
    project = create_project(tmp_path, {"domino_flows_requirement": "domino-flows>=0.1,<0.2"})
    assert 'dependencies = ["domino-flows>=0.1,<0.2"]' in (project / "pyproject.toml").read_text()
    from domino_flows.onboarding.new import NewProjectError

    with pytest.raises(NewProjectError, match="is not a requirement on domino-flows"):
        create_project(tmp_path / "b", {"domino_flows_requirement": "flytekit>=1"})
    assert (
        json.loads(
            (REPO / "domino_flows/templates/cookiecutter-template/cookiecutter.json").read_text()
        )["domino_flows_requirement"]
        == "domino-flows>=0.1"
    )
