"""Preflight checks, each case on its own: lint, git state, task kinds and configs, the validated
serialization and the credential scan."""

from __future__ import annotations

from pathlib import Path

import pytest
from submit_helpers import GOOD_FLOW, git, pushed_repo, write_flow

from domino_flows.authoring import serialize
from domino_flows.submit import git_state, preflight
from domino_flows.submit import plan as plans
from domino_flows.submit.resolve import apply, unresolved


def levels(checks: list[preflight.Check], topic: str) -> list[str]:
    return [c.level for c in checks if c.topic == topic]


def serialized(path: Path, name: str = "flow") -> plans.Serialized:
    target = plans.load_target(path, name)
    return plans.serialize_target(target, serialize.settings())


# --- lint -----------------------------------------------------------------------------------------


def test_lint_errors_block_with_file_and_line(tmp_path: Path) -> None:
    path = write_flow(tmp_path, GOOD_FLOW.replace("return step(n=n)", "return step(n)"))
    checks = preflight.lint_checks(path)
    errors = [c for c in checks if c.level == "error"]
    assert errors and errors[0].topic == "lint"
    assert f"{path}:" in errors[0].message and "DF004" in errors[0].message


def test_clean_flow_has_no_lint_findings(tmp_path: Path) -> None:
    assert preflight.lint_checks(write_flow(tmp_path, GOOD_FLOW)) == []


# --- git ------------------------------------------------------------------------------------------


def test_pushed_repository_passes(good_flow: Path) -> None:
    assert git_state.git_checks(good_flow) == []


def test_no_repository_is_a_warning(tmp_path: Path) -> None:
    checks = git_state.git_checks(write_flow(tmp_path, GOOD_FLOW))
    assert levels(checks, "git") == ["warning"]
    assert "not in a git repository" in checks[0].message


def test_uncommitted_changes_block_and_say_how_to_fix(good_flow: Path) -> None:
    good_flow.write_text(good_flow.read_text() + "\n# edited\n")
    (error,) = git_state.git_checks(good_flow)
    assert error.level == "error"
    assert "flow.py" in error.message
    assert "git commit" in error.message and "git push" in error.message
    assert "--allow-dirty" in error.message


def test_unpushed_commits_block_and_say_how_to_fix(good_flow: Path) -> None:
    project = good_flow.parent
    (project / "notes.txt").write_text("more\n")
    git(project, "add", "notes.txt")
    git(project, "commit", "-q", "-m", "notes")
    (error,) = git_state.git_checks(good_flow)
    assert error.level == "error"
    assert "1 commit(s) on branch main are not pushed to origin/main" in error.message
    assert "git push" in error.message


def test_allow_dirty_turns_git_errors_into_warnings(good_flow: Path) -> None:
    project = good_flow.parent
    (project / "notes.txt").write_text("more\n")
    git(project, "add", "notes.txt")
    git(project, "commit", "-q", "-m", "notes")
    good_flow.write_text(good_flow.read_text() + "\n# edited\n")
    checks = git_state.git_checks(good_flow, allow_dirty=True)
    assert levels(checks, "git") == ["warning", "warning"]
    assert all("--allow-dirty" in c.message for c in checks)


def test_branch_without_upstream_blocks(good_flow: Path) -> None:
    git(good_flow.parent, "checkout", "-q", "-b", "feature")
    (error,) = git_state.git_checks(good_flow)
    assert "git push -u origin feature" in error.message


def test_untracked_flow_file_blocks_other_untracked_files_warn(tmp_path: Path) -> None:
    flow = pushed_repo(tmp_path)
    other = write_flow(flow.parent, GOOD_FLOW, name="other_flow.py")
    (flow.parent / "data.csv").write_text("x\n")
    (flow.parent / ".domino-flows").mkdir()
    (flow.parent / ".domino-flows" / "state").write_text("ignored\n")
    checks = git_state.git_checks(other)
    assert [c.level for c in checks] == ["warning", "error"]
    assert "data.csv" in checks[0].message and ".domino-flows" not in checks[0].message
    assert "other_flow.py is not committed" in checks[1].message


# --- tasks ----------------------------------------------------------------------------------------

NATIVE_FLOW = """
from flytekit import task, workflow


@task
def plain(n: int) -> int:
    return n + 1


@workflow
def flow(n: int = 1) -> int:
    return plain(n=n)
"""

FAN_OUT_FLOW = """
from flytekit import workflow

from domino_flows import domino_task, fan_out


@domino_task(environment="Python 3.11", hardware_tier="Small")
def square(x: int) -> int:
    return x * x


@workflow
def flow(xs: list[int]) -> list[int]:
    return fan_out(square)(x=xs)
"""


def test_plain_task_is_an_error_naming_task_and_line(tmp_path: Path) -> None:
    path = write_flow(tmp_path, NATIVE_FLOW)
    (error,) = preflight.task_checks(serialized(path).task_pairs(), str(path))
    assert error.level == "error"
    assert "flow.py:4" in error.message  # the decorator's line: where the task is defined
    assert "'flow.plain' is a plain flytekit @task" in error.message
    assert "@domino_task" in error.message


def test_fan_out_is_an_error(tmp_path: Path) -> None:
    path = write_flow(tmp_path, FAN_OUT_FLOW)
    checks = preflight.task_checks(serialized(path).task_pairs(), str(path))
    (error,) = [c for c in checks if c.level == "error"]
    assert "is a fan_out: Domino Flows does not run fan-outs" in error.message
    assert "flow.py:" in error.message


def test_use_latest_and_project_defaults_warn(tmp_path: Path) -> None:
    source = GOOD_FLOW.replace(
        "retries=2,", "retries=2, use_latest=True, use_project_defaults_for_omitted=True,"
    )
    path = write_flow(tmp_path, source)
    checks = preflight.task_checks(serialized(path).task_pairs(), str(path))
    assert [c.level for c in checks] == ["warning", "warning"]
    assert "use_latest=True" in checks[0].message and "not reproducible" in checks[0].message
    assert "use_project_defaults_for_omitted=True" in checks[1].message


def test_good_tasks_have_no_findings(tmp_path: Path) -> None:
    path = write_flow(tmp_path, GOOD_FLOW)
    assert preflight.task_checks(serialized(path).task_pairs(), str(path)) == []


# --- serialization --------------------------------------------------------------------------------


class Resolved:
    environment_id = "env-1"
    hardware_tier_id = "tier-1"
    environment_revision = None


def _customs(entities: list) -> dict:
    return {t.id.name: dict(t.custom) for t in preflight.domino_templates(entities)}


def test_resolved_templates_validate_with_ids_required(tmp_path: Path) -> None:
    first = serialized(write_flow(tmp_path, GOOD_FLOW))
    customs = {k: apply(k, v, Resolved()).custom for k, v in _customs(first.entities).items()}
    final = plans.with_customs(first, customs)
    assert preflight.validate_templates(final.entities, require_ids=True) == []
    (custom,) = _customs(final.entities).values()
    assert custom["environmentId"] == "env-1"
    assert custom["hardwareTierId"] == {"value": "tier-1"}
    assert not set(preflight.ADDITIONS) & set(custom)


def test_unresolved_names_are_errors_only_when_ids_are_required(tmp_path: Path) -> None:
    first = serialized(write_flow(tmp_path, GOOD_FLOW))
    customs = {k: unresolved(k, v).custom for k, v in _customs(first.entities).items()}
    final = plans.with_customs(first, customs)
    assert preflight.validate_templates(final.entities, require_ids=False) == []
    (error,) = preflight.validate_templates(final.entities, require_ids=True)
    assert "task 'step' still names its environmentName 'Python 3.11'" in error.message
    assert "DOMINO_API_HOST" in error.message


def test_a_config_that_does_not_read_back_is_an_error(tmp_path: Path) -> None:
    first = serialized(write_flow(tmp_path, GOOD_FLOW))
    customs = _customs(first.entities)
    broken = {k: {**v, "mainRepoGitRef": {"type": "nonsense"}} for k, v in customs.items()}
    (error,) = preflight.validate_templates(
        plans.with_customs(first, broken).entities, require_ids=False
    )
    assert error.topic == "serialization" and "does not read back" in error.message


def test_credential_values_and_patterns_are_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "fake-user-key-5a4b3c2d1e"
    monkeypatch.setenv("DOMINO_USER_API_KEY", key)
    source = GOOD_FLOW.replace("python step.py", f"curl -H 'X-Domino-Api-Key: {key}' x")
    checks = preflight.scan_credentials(serialized(write_flow(tmp_path, source)).entities)
    messages = [c.message for c in checks]
    assert any("task 'step' contains the value of DOMINO_USER_API_KEY" in m for m in messages)
    assert any("X-Domino-Api-Key header" in m for m in messages)
    assert all(key not in m for m in messages)


def test_token_file_contents_and_bearer_tokens_are_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("tok-0123456789abcdef\n")
    monkeypatch.setenv("DOMINO_TOKEN_FILE", str(token_file))
    assert preflight.credential_values()["the token in DOMINO_TOKEN_FILE"] == "tok-0123456789abcdef"
    checks = preflight.scan_bytes(b"Authorization: Bearer tok-0123456789abcdef", "task 'x'", {})
    assert {c.message.split(":")[0] for c in checks} == {
        "task 'x' contains a bearer token",
        "task 'x' contains an Authorization header",
    }


def test_clean_entities_have_no_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOMINO_USER_API_KEY", "fake-user-key-5a4b3c2d1e")
    entities = serialized(write_flow(tmp_path, GOOD_FLOW)).entities
    assert preflight.scan_credentials(entities) == []


def test_a_report_keeps_each_problem_once() -> None:
    report = preflight.Report()
    report.error("names", "Could not reach Domino")
    report.extend([preflight.Check("error", "names", "Could not reach Domino")])
    report.warning("git", "untracked")
    assert [c.level for c in report.checks] == ["error", "warning"]
    assert not report.ok and len(report.errors) == 1 and len(report.warnings) == 1
