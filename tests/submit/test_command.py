"""The command: each preflight case refuses (or warns) through the command line, and nothing reaches
Flyte when it refuses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from flyte_fake import FakeFlyteClient
from submit_helpers import GOOD_FLOW, git, pushed_repo, write_flow

from domino_flows.submit.command import submit_command
from domino_flows.testing.fake_domino import DEFAULT_ENVIRONMENTS, FakeDomino

PYTHON_311 = DEFAULT_ENVIRONMENTS["Python 3.11"]

pytest_plugins = ["domino_flows.testing.fixtures"]


def submit(*args: str) -> object:
    return CliRunner().invoke(submit_command, list(args))


def test_unpushed_commits_are_refused_with_how_to_fix(
    domino_env: FakeDomino, good_flow: Path, flyte: FakeFlyteClient
) -> None:
    project = good_flow.parent
    good_flow.write_text(good_flow.read_text().replace("retries=2", "retries=3"))
    git(project, "commit", "-q", "-am", "more retries")
    result = submit(str(good_flow), "flow")
    assert result.exit_code == 1
    assert "error: [git] 1 commit(s) on branch main are not pushed to origin/main" in result.output
    assert "Push them: git push" in result.output
    assert "submit refused" in result.output and "nothing was registered" in result.output
    assert flyte.calls == []


def test_allow_dirty_launches_with_a_warning(
    domino_env: FakeDomino, good_flow: Path, flyte: FakeFlyteClient
) -> None:
    good_flow.write_text(good_flow.read_text() + "\n# not committed\n")
    refused = submit(str(good_flow), "flow")
    assert refused.exit_code == 1 and "uncommitted changes (flow.py)" in refused.output
    result = submit(str(good_flow), "flow", "--allow-dirty")
    assert result.exit_code == 0, result.output
    assert "warning: [git]" in result.output and "--allow-dirty: launching anyway" in result.output
    assert flyte.calls.count("create_execution") == 1


def test_lint_errors_are_refused(
    domino_env: FakeDomino, tmp_path: Path, flyte: FakeFlyteClient
) -> None:
    flow = pushed_repo(tmp_path, GOOD_FLOW + "\nTOKEN = 'dapi0123456789abcdef0123456789abcdef'\n")
    result = submit(str(flow), "flow")
    assert result.exit_code == 1
    assert "error: [lint]" in result.output and "DF006" in result.output
    assert "flow.py:" in result.output
    assert flyte.calls == []


def test_plain_task_is_refused(
    domino_env: FakeDomino, tmp_path: Path, flyte: FakeFlyteClient
) -> None:
    source = GOOD_FLOW.replace(
        "@workflow\ndef flow(n: int = 1) -> int:\n    return step(n=n)",
        "@task\ndef plus_one(n: int) -> int:\n    return n + 1\n\n\n"
        "@workflow\ndef flow(n: int = 1) -> int:\n    return plus_one(n=step(n=n))",
    ).replace(
        "from flytekit import CronSchedule, LaunchPlan, workflow",
        "from flytekit import CronSchedule, LaunchPlan, task, workflow",
    )
    flow = pushed_repo(tmp_path, source)
    result = submit(str(flow), "flow")
    assert result.exit_code == 1
    assert "error: [task]" in result.output
    assert "task 'flow.plus_one' is a plain flytekit @task" in result.output
    assert flyte.calls == []


def test_use_latest_warns_and_launches(
    domino_env: FakeDomino, tmp_path: Path, flyte: FakeFlyteClient
) -> None:
    flow = pushed_repo(tmp_path, GOOD_FLOW.replace("retries=2,", "retries=2, use_latest=True,"))
    result = submit(str(flow), "flow")
    assert result.exit_code == 0, result.output
    assert "warning: [task]" in result.output and "use_latest=True" in result.output
    ((_, spec),) = flyte.tasks
    assert "useLatest" not in spec.template.custom
    assert spec.template.custom["environmentId"] == PYTHON_311


def test_without_domino_credentials_a_launch_is_refused(
    good_flow: Path, flyte: FakeFlyteClient
) -> None:
    result = submit(str(good_flow), "flow", "--project", "p1")
    assert result.exit_code == 1
    assert "error: [names] Domino was not asked (no Domino credentials" in result.output
    assert "Domino Flows needs ids, so these tasks cannot be registered" in result.output
    assert "task 'step' still names its environmentName 'Python 3.11'" in result.output
    assert flyte.calls == []


def test_without_a_project_a_launch_is_refused(good_flow: Path, flyte: FakeFlyteClient) -> None:
    result = submit(str(good_flow), "flow")
    assert result.exit_code == 1
    assert "error: [project] no Flyte project" in result.output
    assert "DOMINO_PROJECT_ID" in result.output


def test_project_comes_from_domino_project_id(
    domino_env: FakeDomino,
    good_flow: Path,
    flyte: FakeFlyteClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DOMINO_PROJECT_ID", "project-from-env")
    assert submit(str(good_flow), "flow").exit_code == 0
    assert flyte.executions[0]["id"].project == "project-from-env"


def test_missing_required_input_warns_in_dry_run_and_blocks_launch(
    domino_env: FakeDomino, tmp_path: Path, flyte: FakeFlyteClient
) -> None:
    flow = pushed_repo(tmp_path, GOOD_FLOW.replace("def flow(n: int = 1)", "def flow(n: int)"))
    out = str(tmp_path / "out")
    dry = submit(str(flow), "flow", "--dry-run", "--output-dir", out)
    assert dry.exit_code == 0, dry.output
    assert "warning: [inputs] launch plan flow.flow needs input(s) n" in dry.output
    result = submit(str(flow), "flow")
    assert result.exit_code == 1
    assert "error: [inputs] launch plan flow.flow needs input(s) n: give --input n=VALUE" in (
        result.output
    )
    assert flyte.calls == []


def test_dry_run_resolves_names_when_credentials_are_available(
    domino_env: FakeDomino, good_flow: Path, tmp_path: Path
) -> None:
    result = submit(str(good_flow), "flow", "--dry-run", "--output-dir", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert f"environment    {PYTHON_311}  (resolved from 'Python 3.11')" in result.output
    assert "hardware tier  small-k8s  (resolved from 'Small')" in result.output
    assert f"project {domino_env.project_id}," in result.output
    (task_json,) = (tmp_path / "out").glob("*_step_1.json")
    assert '"environmentName"' not in task_json.read_text()


def test_a_credential_in_the_serialized_flow_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOMINO_USER_API_KEY", "k9-x7-recognisable")
    path = write_flow(
        tmp_path, GOOD_FLOW.replace("python step.py", "python step.py k9-x7-recognisable")
    )
    result = submit(str(path), "flow", "--dry-run", "--output-dir", str(tmp_path / "out"))
    assert result.exit_code == 1  # a dry run plans and lists what a launch would refuse
    assert "error: [credentials] task 'step' contains the value of DOMINO_USER_API_KEY" in (
        result.output
    )
    assert "a real submit would refuse this flow" in result.output
    assert "k9-x7-recognisable" not in result.output  # the plan shows the command redacted
    assert "<DOMINO_USER_API_KEY redacted>" in result.output
    assert "they were not written" in result.output
    assert not (tmp_path / "out").exists()


def test_dry_run_plan_masks_tokens_written_into_the_flow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("tok-5512-from-file\n")
    monkeypatch.setenv("DOMINO_TOKEN_FILE", str(token_file))
    command = (
        "curl -H 'Authorization: Bearer abcdefgh12345678' -H 'X-Domino-Api-Key: s3cr3t-k3y' "
        "--data tok-5512-from-file && python step.py"
    )
    path = write_flow(tmp_path, GOOD_FLOW.replace("python step.py", command))
    result = submit(str(path), "flow", "--dry-run", "--output-dir", str(tmp_path / "out"))
    assert result.exit_code == 1, result.output  # a credential in the flow is a real defect
    for secret in ("abcdefgh12345678", "s3cr3t-k3y", "tok-5512-from-file"):
        assert secret not in result.output
    assert "error: [credentials]" in result.output


def test_tags_must_be_key_value(good_flow: Path) -> None:
    result = submit(str(good_flow), "flow", "--tag", "oops")
    assert result.exit_code == 2
    assert "--tag 'oops': write it as key=value" in result.output


def test_the_command_module_does_not_import_flytekit() -> None:
    code = "import sys, domino_flows.submit.command; print('flytekit' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("domino_table", "message"),
    [
        ("project = 42", "[tool.domino_flows.domino] project = 42; it must be a string"),
        (
            'poll_outage_minutes = "ten"',
            "[tool.domino_flows.domino] poll_outage_minutes = 'ten'; give a finite positive number",
        ),
    ],
)
def test_project_settings_are_checked_as_run_checks_them(
    tmp_path: Path, domino_table: str, message: str
) -> None:
    path = write_flow(tmp_path / "project", GOOD_FLOW)
    (path.parent / "pyproject.toml").write_text(
        f'[project]\nname = "flows"\n\n[tool.domino_flows.domino]\n{domino_table}\n'
    )
    result = submit(str(path), "flow", "--dry-run", "--output-dir", str(tmp_path / "out"))
    assert f"error: [settings] {path.parent / 'pyproject.toml'}: {message}" in result.output
    assert "a real submit would refuse" in result.output
    refused = submit(str(path), "flow")
    assert refused.exit_code == 1
    assert "[settings]" in refused.output


def test_a_misspelt_project_setting_is_refused(tmp_path: Path) -> None:
    path = write_flow(tmp_path / "project", GOOD_FLOW)
    (path.parent / "pyproject.toml").write_text(
        '[project]\nname = "flows"\n\n[tool.domino_flows.domino]\nretension_days = 3\n'
    )
    result = submit(str(path), "flow", "--dry-run", "--output-dir", str(tmp_path / "out"))
    assert "did you mean 'retention_days'?" in result.output
    assert submit(str(path), "flow").exit_code == 1


def test_a_dry_run_of_a_flow_that_does_not_load_says_there_is_no_plan(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "broken"\n')
    flow = tmp_path / "broken.py"
    flow.write_text("def f(:\n")
    result = submit(str(flow), "flow", "--dry-run")
    assert result.exit_code == 1
    assert "broken.py:1: syntax error" in result.output
    assert "Dry run: no plan, the flow does not load or serialize" in result.output
    assert "submit refused" not in result.output
    assert not (tmp_path / ".domino-flows" / "submit").exists()  # no half-written plan
