"""`domino-flows new`: the command around the bundled template."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from domino_flows.cli import main
from domino_flows.onboarding.new import TEMPLATE, create_project, new_command, template_variables

REPO = Path(__file__).resolve().parents[2]


def run_new(*args: str, input: str | None = None):
    # Wide enough that error panels do not wrap the messages under test.
    return CliRunner(env={"COLUMNS": "400"}).invoke(new_command, list(args), input=input)


def test_no_input_creates_the_default_project(tmp_path: Path) -> None:
    result = run_new("--no-input", str(tmp_path))
    assert result.exit_code == 0, result.output
    project = tmp_path / "churn-flows"
    assert (project / "churn_flows" / "flow.py").is_file()
    assert (project / "anti_patterns" / "native_task.py").is_file()
    assert f"Created {project}" in result.output
    assert "domino-flows run churn_flows/flow.py training_flow" in result.output
    assert "python -m pytest" in result.output


def test_set_answers_variables_and_output_dir_is_created(tmp_path: Path) -> None:
    result = run_new(
        "--no-input",
        "--set",
        "project_name=Claims Triage",
        "-s",
        "include_anti_pattern_gallery=no",
        "--set",
        "default_hardware_tier=small-k8s",
        str(tmp_path / "nested" / "dir"),
    )
    assert result.exit_code == 0, result.output
    project = tmp_path / "nested" / "dir" / "claims-triage"
    assert not (project / "anti_patterns").exists()
    assert 'DEFAULT_TIER = "small-k8s"' in (project / "claims_triage" / "flow.py").read_text()


def test_a_project_name_with_accents_makes_an_ascii_folder_and_package(tmp_path: Path) -> None:
    result = run_new("--no-input", "--set", "project_name=Ünïcode Flöws", str(tmp_path))
    assert result.exit_code == 0, result.output
    project = tmp_path / "unicode-flows"
    assert (project / "unicode_flows" / "flow.py").is_file()
    assert "# Ünïcode Flöws" in (project / "README.md").read_text(encoding="utf-8")


def test_prompts_when_input_is_allowed(tmp_path: Path) -> None:
    # Project name typed; every other prompt takes its default (derived ones follow the name).
    result = run_new(str(tmp_path), input="Demo Flows\n" + "\n" * 14)
    assert result.exit_code == 0, result.output
    assert "[14/15] License" in result.output
    # the last question defaults to where this kit came from (this checkout)
    assert "[15/15] Where pip gets domino-flows" in result.output
    assert (tmp_path / "demo-flows" / "demo_flows" / "flow.py").is_file()
    assert f"It installs domino-flows from: domino-flows @ {REPO.as_uri()}" in result.output


def test_existing_target_is_refused(tmp_path: Path) -> None:
    (tmp_path / "churn-flows").mkdir()
    (tmp_path / "churn-flows" / "keep.txt").write_text("mine")
    result = run_new("--no-input", str(tmp_path))
    assert result.exit_code == 2
    assert "churn-flows already exists" in result.output
    assert "--set project_slug=" in result.output
    assert [p.name for p in (tmp_path / "churn-flows").iterdir()] == ["keep.txt"]


def test_unknown_set_key_lists_the_valid_ones(tmp_path: Path) -> None:
    result = run_new("--no-input", "--set", "projectname=X", str(tmp_path))
    assert result.exit_code == 2
    flat = " ".join(result.output.split())
    assert "the template has no variable 'projectname'" in flat
    for key in ("project_name", "package_name", "include_anti_pattern_gallery", "license"):
        assert key in flat
    assert "domino_flows_requirement" in flat
    assert list(tmp_path.iterdir()) == []


def test_malformed_set_is_refused(tmp_path: Path) -> None:
    result = run_new("--no-input", "--set", "license", str(tmp_path))
    assert result.exit_code == 2
    assert "write it as key=value" in result.output


def test_value_outside_a_choice_names_the_choices(tmp_path: Path) -> None:
    result = run_new("--no-input", "--set", "python_version=3.9", str(tmp_path))
    assert result.exit_code == 2
    assert "python_version is one of 3.11, 3.12, 3.10" in " ".join(result.output.split())


def test_bad_values_get_the_hooks_messages_and_nothing_is_written(tmp_path: Path) -> None:
    answers = ("--set", "project_slug=My Flows", "--set", "package_name=import")
    result = run_new("--no-input", *answers, str(tmp_path))
    assert result.exit_code == 2
    flat = " ".join(result.output.split())
    assert "the template refused these answers" in flat
    assert "project_slug 'My Flows' is not a valid folder and distribution name" in flat
    assert "--set project_slug=my-flows" in flat
    assert "package_name 'import' is a Python keyword" in flat
    assert list(tmp_path.iterdir()) == []


def test_create_project_from_python(tmp_path: Path) -> None:
    project = create_project(tmp_path, {"project_slug": "api-made"}, no_input=True)
    assert project == tmp_path.resolve() / "api-made"
    assert (project / "api_made" / "churn.py").is_file()


def test_registered_in_the_command_line_with_the_variables_in_its_help() -> None:
    result = CliRunner().invoke(main, ["new", "--help"])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "--no-input" in flat and "--set" in flat
    assert "include_anti_pattern_gallery" in flat


def test_variables_come_from_the_template() -> None:
    document = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    assert list(template_variables()) == [k for k in document if not k.startswith("_")]
    assert (REPO / "cookiecutter-template" / "cookiecutter.json").resolve() == (
        TEMPLATE / "cookiecutter.json"
    )


def test_new_does_not_import_flytekit() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from domino_flows.cli import main\n"
        "result = CliRunner().invoke(main, ['new', '--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        "assert 'flytekit' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_new_with_standard_input_closed_says_what_to_do(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "domino_flows.cli", "new", str(tmp_path)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "error: domino-flows new asks its questions on standard input" in result.stderr
    assert "domino-flows new --no-input --set project_name=" in result.stderr
    assert "Traceback" not in result.stderr and "Aborted" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing was created
