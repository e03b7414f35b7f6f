"""What a local job's environment takes from the backend's run: the shim folder is checked once
per environment and run, the interpreter found once, and every job still gets the same
variables."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from domino_flows.backends import local_environment
from domino_flows.core.project import EnvironmentSettings, HardwareTierSettings, load_settings

ENVIRONMENT = EnvironmentSettings("default", python=sys.executable)
TIER = HardwareTierSettings("Small", cores=1)


def variables(root: Path, job: str, shims: dict[str, Path] | None) -> dict[str, str]:
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    settings = load_settings(root)
    folder = root / ".domino-flows" / "jobs" / job
    return local_environment.job_variables(
        root, settings, folder, ENVIRONMENT, TIER, job, "local-demo", shims
    )


def test_a_runs_jobs_share_the_checked_shim_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shims: dict[str, Path] = {}
    first = variables(tmp_path, "a", shims)
    assert shims == {"default": Path(first["PATH"].split(os.pathsep)[0])}
    assert (shims["default"] / "python").is_file()

    def not_again(*args: object) -> Path:
        raise AssertionError("the shim folder was checked again")

    monkeypatch.setattr(local_environment, "shim_dir", not_again)
    second = variables(tmp_path, "b", shims)
    assert second["PATH"] == first["PATH"]
    expected = {k: v.replace(f"jobs{os.sep}a", f"jobs{os.sep}b") for k, v in first.items()}
    assert second == {**expected, "DOMINO_RUN_ID": "b"}


def test_without_a_runs_cache_the_shim_folder_is_checked_each_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    real = local_environment.shim_dir

    def counting(root: Path, environment: EnvironmentSettings) -> Path:
        checked.append(environment.name)
        return real(root, environment)

    monkeypatch.setattr(local_environment, "shim_dir", counting)
    variables(tmp_path, "a", None)
    variables(tmp_path, "b", None)
    assert checked == ["default", "default"]


def test_an_interpreter_is_remembered_once_found_and_not_while_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert local_environment.real_interpreter("pyx") is None
    tool = tmp_path / "pyx"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    assert local_environment.real_interpreter("pyx") == str(tool)  # installed since: found
    tool.unlink()
    assert local_environment.real_interpreter("pyx") == str(tool)  # remembered for the run


def test_a_change_to_the_environment_reaches_the_next_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shims: dict[str, Path] = {}
    monkeypatch.setenv("DEMO_SETTING", "one")
    assert variables(tmp_path, "a", shims)["DEMO_SETTING"] == "one"
    monkeypatch.setenv("DEMO_SETTING", "two")
    assert variables(tmp_path, "b", shims)["DEMO_SETTING"] == "two"
    monkeypatch.delenv("DEMO_SETTING")
    assert "DEMO_SETTING" not in variables(tmp_path, "c", shims)
    monkeypatch.setenv("DOMINO_USER_API_KEY", "canary-key-0123")  # a credential: never passed
    assert "DOMINO_USER_API_KEY" not in variables(tmp_path, "d", shims)
    assert "canary-key-0123" not in str(variables(tmp_path, "e", shims))


def test_each_job_gets_its_own_copy_of_the_environment(tmp_path: Path) -> None:
    first = variables(tmp_path, "a", {})
    first["DEMO_ADDED_BY_A_JOB"] = "x"
    assert "DEMO_ADDED_BY_A_JOB" not in variables(tmp_path, "b", {})
