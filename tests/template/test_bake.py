"""The project template, baked with real cookiecutter: exact file sets, rendered content, hooks,
and (slow) the generated project's own checks run against this checkout of the kit."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cookiecutter.exceptions import FailedHookException

from domino_flows._version import __version__
from domino_flows.lint import lint_paths
from domino_flows.onboarding.new import TEMPLATE, answer_problems

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

GALLERY = {
    "anti_patterns/README.md",
    "anti_patterns/credentials_in_code.py",
    "anti_patterns/environment_branching.py",
    "anti_patterns/global_state.py",
    "anti_patterns/hard_coded_configuration.py",
    "anti_patterns/if_on_promise.py",
    "anti_patterns/large_data_in_primitive_output.py",
    "anti_patterns/missing_type_annotations.py",
    "anti_patterns/monolithic_task.py",
    "anti_patterns/native_task.py",
    "anti_patterns/nondeterministic_workflow.py",
    "anti_patterns/use_latest_in_production.py",
    "tests/test_anti_patterns.py",
}


def expected_files(package: str, gallery: bool = True, license_file: bool = True) -> set[str]:
    files = {
        ".github/workflows/ci.yml",
        ".gitignore",
        ".pre-commit-config.yaml",
        "Makefile",
        "app.sh",
        "README.md",
        "pyproject.toml",
        f"{package}/__init__.py",
        f"{package}/churn.py",
        f"{package}/flow.py",
        f"{package}/report.py",
        "tests/conftest.py",
        "tests/test_flow.py",
        "tests/test_steps.py",
    }
    if gallery:
        files |= GALLERY
    if license_file:
        files.add("LICENSE")
    return files


def files_of(project: Path) -> set[str]:
    return {
        p.relative_to(project).as_posix()
        for p in project.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def assert_fully_rendered(project: Path) -> None:
    for path in project.rglob("*"):
        assert not re.search(r"\{\{|\{%|\{#|cookiecutter\.", str(path.relative_to(project))), path
        if path.is_file():
            text = path.read_text()
            for marker in ("{{", "{%", "{#", "cookiecutter."):
                assert marker not in text, f"{path}: leftover {marker!r}"
            assert text.endswith("\n"), f"{path}: no final newline"
            if path.suffix == ".py":
                ast.parse(text, filename=str(path))


def pyproject(project: Path) -> dict:
    return tomllib.loads((project / "pyproject.toml").read_text())


def ruff(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_defaults(bake) -> None:
    project = bake()
    assert project.name == "churn-flows"
    assert files_of(project) == expected_files("churn_flows")
    assert_fully_rendered(project)
    settings = pyproject(project)
    assert settings["project"]["name"] == "churn-flows"
    assert settings["project"]["license"] == "Apache-2.0"
    assert settings["project"]["requires-python"] == ">=3.11"
    tool = settings["tool"]["domino_flows"]
    assert set(tool["environments"]) == {"Python 3.11", "GPU Python 3.11"}
    assert tool["hardware_tiers"] == {
        "Small": {"cores": 1, "memory_gib": 2},
        "Large": {"cores": 2, "memory_gib": 4},
    }
    assert tool["domino"]["project"] == "your-domino-username/churn-flows"
    assert tool["lint"] == {"production": ["churn_flows/**"], "exclude": ["anti_patterns"]}
    assert settings["tool"]["ruff"]["extend-exclude"] == ["anti_patterns"]
    assert "Apache License" in (project / "LICENSE").read_text()
    ci = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())
    steps = [step.get("run", "") for step in ci["jobs"]["check"]["steps"]]
    assert "domino-flows lint --format github churn_flows tests" in steps
    assert "python -m pytest" in steps
    hooks = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    assert hooks["repos"][-1]["hooks"][0]["files"] == "^(churn_flows|tests)/"
    if shutil.which("make"):
        dry = subprocess.run(
            ["make", "-n", "install", "run", "test", "lint"],
            cwd=project,
            capture_output=True,
            text=True,
            check=True,
        )
        assert "domino-flows run churn_flows/flow.py training_flow" in dry.stdout


def test_app_sh_starts_the_ui_as_a_domino_app(bake, tmp_path) -> None:
    project = bake()
    app = project / "app.sh"
    assert app.stat().st_mode & 0o111, "app.sh must be executable: Domino runs it"
    # a stand-in for the kit's command records how app.sh starts it, and from where
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stand_in = bin_dir / "domino-flows"
    stand_in.write_text('#!/usr/bin/env bash\necho "$PWD $*"\n')
    stand_in.chmod(0o755)
    done = subprocess.run(
        ["bash", str(app)],
        cwd=tmp_path,
        env={"PATH": f"{bin_dir}:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == f"{project} ui --host 0.0.0.0 --port 8888"


def test_the_kit_requirement_admits_this_version() -> None:
    requirement = (TEMPLATE / "cookiecutter.json").read_text()
    minimum = re.search(r'"domino-flows>=([0-9.]+)"', requirement)
    assert minimum is not None
    as_numbers = [int(part) for part in minimum.group(1).split(".")]
    assert as_numbers <= [int(part) for part in __version__.split(".")][: len(as_numbers)]


def test_no_gallery_proprietary_one_environment(bake) -> None:
    project = bake(
        project_name="Fraud Detection",
        domino_project_owner="risk-team",
        default_environment="Domino Standard Environment Py3.10",
        training_environment="Domino Standard Environment Py3.10",
        default_hardware_tier="small-k8s",
        training_hardware_tier="gpu-k8s",
        python_version="3.10",
        include_anti_pattern_gallery="no",
        license="Proprietary",
    )
    assert project.name == "fraud-detection"
    assert files_of(project) == expected_files("fraud_detection", gallery=False, license_file=False)
    assert_fully_rendered(project)
    settings = pyproject(project)
    assert "license" not in settings["project"]
    assert settings["project"]["requires-python"] == ">=3.10"
    assert settings["tool"]["ruff"]["target-version"] == "py310"
    assert "extend-exclude" not in settings["tool"]["ruff"]
    tool = settings["tool"]["domino_flows"]
    assert list(tool["environments"]) == ["Domino Standard Environment Py3.10"]
    assert set(tool["hardware_tiers"]) == {"small-k8s", "gpu-k8s"}
    assert tool["domino"]["project"] == "risk-team/fraud-detection"
    flow = (project / "fraud_detection" / "flow.py").read_text()
    assert 'TRAINING_TIER = "gpu-k8s"' in flow
    assert "from fraud_detection import churn" in flow
    readme = (project / "README.md").read_text()
    assert "anti_patterns" not in readme
    assert "# Fraud Detection" in readme
    assert 'python-version: "3.10"' in (project / ".github/workflows/ci.yml").read_text()


@pytest.mark.parametrize(
    ("license_name", "header"),
    [("MIT", "MIT License"), ("BSD-3-Clause", "BSD 3-Clause License")],
)
def test_licenses_and_explicit_names(bake, license_name: str, header: str) -> None:
    project = bake(
        project_name="Demand Forecast",
        project_slug="forecast",
        package_name="demand",
        author_name="Ada Lovelace",
        license=license_name,
        python_version="3.12",
    )
    assert project.name == "forecast"
    assert files_of(project) == expected_files("demand")
    assert_fully_rendered(project)
    text = (project / "LICENSE").read_text()
    assert text.startswith(header)
    assert re.search(r"Copyright \(c\) 20\d\d,? Ada Lovelace", text)
    settings = pyproject(project)
    assert settings["project"]["license"] == license_name
    assert settings["tool"]["ruff"]["target-version"] == "py312"


def test_generated_code_is_ruff_and_lint_clean(bake, project_env) -> None:
    # The longest answers the hook accepts still fit ruff's 100 columns.
    project = bake(
        project_name="Clean " + "c" * 74,
        project_slug="clean-check",
        package_name="clean_check" + "k" * 29,
        description="d" * 90,
        default_environment="E" * 30 + " " + "e" * 29,
        training_environment="T" * 60,
        default_hardware_tier="s" * 60,
        training_hardware_tier="L" * 60,
    )
    checked = ruff(project, project_env(project), "check", ".")
    assert checked.returncode == 0, checked.stdout
    formatted = ruff(project, project_env(project), "format", "--check", ".")
    assert formatted.returncode == 0, formatted.stdout
    findings = lint_paths([str(project / ("clean_check" + "k" * 29)), str(project / "tests")])
    assert findings == []
    gallery_rules = {f.rule for f in lint_paths([str(project / "anti_patterns")])}
    assert gallery_rules >= {f"DF{n:03d}" for n in (1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12)}


def test_plain_lint_at_the_project_root_is_clean_and_the_gallery_still_shows_every_rule(
    bake, project_env
) -> None:
    project = bake()

    def lint(*paths: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "domino_flows.cli", "lint", *paths],
            cwd=project,
            env=project_env(project),
            capture_output=True,
            text=True,
            timeout=120,
        )

    plain = lint()
    assert plain.returncode == 0, plain.stdout + plain.stderr
    gallery = lint("anti_patterns/")
    assert gallery.returncode == 1
    shown = set(re.findall(r"\bDF0\d\d\b", gallery.stdout))
    assert shown >= {f"DF{n:03d}" for n in (1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12)}, gallery.stdout


def test_the_hook_refuses_bad_answers_through_cookiecutter(bake, capfd) -> None:
    with pytest.raises(FailedHookException):
        bake(project_slug="Not A Slug")
    err = capfd.readouterr().err
    assert "error: project_slug 'Not A Slug' is not a valid folder and distribution name" in err
    assert "--set project_slug=not-a-slug" in err


def test_post_hook_prunes_only_what_was_not_chosen(bake) -> None:
    with_gallery = bake(project_slug="with-gallery", license="MIT")
    without = bake(project_slug="without", include_anti_pattern_gallery="no")
    assert (with_gallery / "anti_patterns").is_dir()
    assert not (without / "anti_patterns").exists()
    assert not (without / "tests" / "test_anti_patterns.py").exists()
    assert (without / "LICENSE").is_file()


def defaults(**changes: str) -> dict[str, str]:
    answers = {
        "project_name": "Churn Flows",
        "project_slug": "churn-flows",
        "package_name": "churn_flows",
        "description": "Domino Flows for Churn Flows",
        "author_name": "Your Name",
        "domino_project_owner": "owner",
        "domino_project_name": "churn-flows",
        "default_environment": "Python 3.11",
        "default_hardware_tier": "Small",
        "training_environment": "GPU Python 3.11",
        "training_hardware_tier": "Large",
        "python_version": "3.11",
        "include_anti_pattern_gallery": "yes",
        "license": "MIT",
        "domino_flows_requirement": "domino-flows>=0.1",
    }
    answers.update(changes)
    return answers


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"project_slug": "Churn_Flows"}, "project_slug 'Churn_Flows' is not a valid folder"),
        ({"project_slug": "churn--flows"}, "use lower-case letters, digits and single hyphens"),
        ({"project_slug": "9lives"}, "--set project_slug=flows-9lives"),
        ({"package_name": "churn-flows"}, "--set package_name=churn_flows"),
        ({"package_name": "2fast"}, "package_name '2fast' is not a valid Python package name"),
        ({"package_name": "class"}, "package_name 'class' is a Python keyword"),
        ({"package_name": "json"}, "package_name 'json' would shadow the module"),
        ({"package_name": "domino_flows"}, "package_name 'domino_flows' would shadow"),
        ({"package_name": "tests"}, "package_name 'tests' would shadow"),
        ({"domino_project_owner": "my team"}, "domino_project_owner 'my team' is not a Domino"),
        ({"domino_project_name": "a/b"}, "domino_project_name 'a/b' is not a Domino name"),
        ({"default_environment": ""}, "default_environment is empty"),
        ({"training_hardware_tier": 'La"rge'}, "training_hardware_tier 'La\"rge' has"),
        ({"project_name": " Churn"}, "project_name ' Churn' has surrounding spaces"),
        ({"package_name": "p" * 41}, "package_name is 41 characters long; keep it to 40."),
        ({"default_hardware_tier": "s" * 61}, "default_hardware_tier is 61 characters long"),
        ({"python_version": "3.9"}, "python_version '3.9' is not one of 3.10, 3.11, 3.12"),
        ({"license": "GPL"}, "license 'GPL' is not one of Apache-2.0, MIT"),
        ({"domino_flows_requirement": "flytekit"}, "is not a requirement on domino-flows"),
        ({"domino_flows_requirement": 'domino-flows @ "x"'}, "is not a requirement on domino"),
    ],
)
def test_answer_checks(changes: dict[str, str], message: str) -> None:
    problems = answer_problems(defaults(**changes))
    assert len(problems) == 1, problems
    assert message in problems[0]


def test_good_answers_pass() -> None:
    assert answer_problems(defaults()) == []
    assert answer_problems(defaults(package_name="flows", project_slug="a1-b2")) == []
    for requirement in (
        "domino-flows",
        "domino_flows ~= 0.1",
        "domino-flows[dataframes]>=0.1",
        "domino-flows @ git+https://github.com/acme/domino-flows.git@v0.1",
        "domino-flows @ file:///wheels/domino_flows-0.1.0-py3-none-any.whl",
    ):
        assert answer_problems(defaults(domino_flows_requirement=requirement)) == [], requirement


@pytest.mark.slow
def test_fresh_project_readme_commands_and_checks_pass(tmp_path: Path, project_env) -> None:
    """The issue's acceptance check: `domino-flows new --no-input`, then the README's two
    commands (run the flow locally, run the tests), then ruff and the lint gate."""
    new = subprocess.run(
        [sys.executable, "-m", "domino_flows.cli", "new", "--no-input", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert new.returncode == 0, new.stderr
    project = tmp_path / "churn-flows"
    readme = (project / "README.md").read_text()
    block = readme.split("Then the two commands:", 1)[1].split("```bash\n", 1)[1]
    commands = [line.split("#")[0].strip() for line in block.split("```", 1)[0].splitlines()]
    assert commands == [
        "domino-flows run churn_flows/flow.py training_flow",
        "python -m pytest",
    ]
    env = project_env(project)
    for command in commands:
        done = subprocess.run(
            command, shell=True, cwd=project, env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    for command in ("ruff check .", "ruff format --check .", "domino-flows lint churn_flows tests"):
        done = subprocess.run(
            command, shell=True, cwd=project, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"


@pytest.mark.slow
def test_project_without_gallery_passes_its_quick_tests(bake, project_env) -> None:
    project = bake(project_name="Lean Flows", include_anti_pattern_gallery="no")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-m", "not slow", "-p", "no:cacheprovider"],
        cwd=project,
        env=project_env(project),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\b6 passed, 1 deselected\b", done.stdout), done.stdout
