"""The in-job bootstrap of the domino backend: stdlib only, and the same output rules as
contract/values.py (checked with the same cases)."""

from __future__ import annotations

import ast
import datetime as dt
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile

from domino_flows.authoring.config import DominoJobConfig
from domino_flows.backends import domino_bootstrap
from domino_flows.backends.base import JobSpec
from domino_flows.backends.domino_files import build_archive
from domino_flows.contract import formats
from domino_flows.contract import values as contract
from domino_flows.core.errors import TaskFailedError


class Link(str):
    """In a case's files: a symbolic link to this target, not a file with this content."""


# (declared outputs, files the job left in its outputs folder)
OUTPUT_CASES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({"n": int}, {"n": "42"}),
    ({"n": int}, {}),
    ({"n": int}, {"n.txt": "42"}),
    ({"n": int}, {"n.txt": "42", "n.csv": "42"}),
    ({"s": str}, {"s": "x" * 1024}),
    ({"s": str}, {"s": "x" * 1025}),
    ({"s": str}, {"s.txt": "x" * 1025}),
    ({"model": FlyteFile}, {"model": "weights"}),
    ({"model": FlyteFile}, {}),
    ({"tree": FlyteDirectory}, {"tree/a": "1"}),
    ({"tree": FlyteDirectory}, {}),
    ({"n": int, "f": float}, {"n": "1"}),
    ({"n": int, "f": float}, {"n": "1", "f": "2.5"}),
    ({"n": int}, {"n": "1", "_ERROR": "it broke"}),
    ({"s": str}, {"s": b"caf\xe9"}),
    ({"s": str}, {"s.txt": b"\xff"}),
    ({"s": str}, {"s": "café".encode()}),
    ({"n": int}, {"n": "9223372036854775807"}),
    ({"n": int}, {"n": "9223372036854775808"}),
    ({"n": int}, {"n": "-9223372036854775809\n"}),
    ({"n": int}, {"n": "forty-two"}),
    ({"f": float}, {"f": b"\xff"}),
    ({"model": FlyteFile}, {"secret": "key", "model": Link("secret")}),
    ({"tree": FlyteDirectory}, {"tree/a": "1", "tree/b": Link("a")}),
    ({"n": int}, {"x": "1", "n.txt": Link("x")}),
]


def _write(folder: Path, files: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Link):
            path.symlink_to(content)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


@pytest.mark.parametrize(("outputs", "files"), OUTPUT_CASES)
def test_bootstrap_and_contract_agree_on_output_rules(tmp_path, outputs, files):
    _write(tmp_path, files)
    kinds = {name: contract.kind_of(t) for name, t in outputs.items()}
    bootstrap_ok = not domino_bootstrap.output_problems(tmp_path, kinds) and (
        domino_bootstrap.ERROR_FILE not in files
    )
    try:
        contract.read_outputs(tmp_path, outputs, "t")
        contract_ok = True
    except TaskFailedError:
        contract_ok = False
    assert bootstrap_ok == contract_ok


def test_constants_mirror_formats():
    assert domino_bootstrap.PRIMITIVE_OUTPUT_LIMIT == formats.PRIMITIVE_OUTPUT_LIMIT
    assert domino_bootstrap.ERROR_FILE == formats.ERROR_FILE
    assert domino_bootstrap.ERROR_FILE_LIMIT == formats.ERROR_FILE_LIMIT
    assert domino_bootstrap.INPUTS_DIR_VARIABLE == formats.INPUTS_DIR_VARIABLE
    assert domino_bootstrap.OUTPUTS_DIR_VARIABLE == formats.OUTPUTS_DIR_VARIABLE
    assert domino_bootstrap.WORKFLOW_INPUTS == formats.DEFAULT_INPUTS_DIR
    assert domino_bootstrap.PRIMITIVE_KINDS == contract.PRIMITIVE_KINDS
    assert domino_bootstrap.INT64_MIN == formats.INT64_MIN
    assert domino_bootstrap.INT64_MAX == formats.INT64_MAX


def test_the_bootstrap_imports_only_the_standard_library():
    tree = ast.parse(Path(domino_bootstrap.__file__).read_text())
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module.split(".")[0])
    assert modules - {"__future__"} <= set(sys.stdlib_module_names)


STAGING = ".domino-flows/staging/20240105-run-1/task-dfa-0123456789abcdef"


def _stage(root: Path, command: str, outputs: dict[str, str], **manifest: Any) -> Path:
    """The attempt's job.pyz as the backend builds it, where the job sees it."""
    staging = root / STAGING
    staging.mkdir(parents=True)
    spec = JobSpec("run-1", "flow", "task", DominoJobConfig(Command=command), {"a": int}, {})
    manifest = {
        "staging": STAGING,
        "task": "task",
        "command": command,
        "outputs": outputs,
        **manifest,
    }
    (staging / "job.pyz").write_bytes(build_archive(spec, {"a": 41}, manifest))
    return staging


def _run(root: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(root / STAGING / "job.pyz")],
        cwd="/",
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin", **env},
    )


def _outputs(staging: Path) -> dict[str, str]:
    with zipfile.ZipFile(staging / "outputs.zip") as bundle:
        return {
            name: bundle.read(name).decode() for name in bundle.namelist() if not name.endswith("/")
        }


def test_the_archive_runs_the_command_from_the_project_root_with_the_contract_paths(tmp_path):
    staging = _stage(
        tmp_path,
        'pwd > "$DOMINO_FLOWS_OUTPUTS_DIR/where"; '
        'echo $(( $(cat "$DOMINO_FLOWS_INPUTS_DIR/a") + 1 )) > "$DOMINO_FLOWS_OUTPUTS_DIR/n"',
        {"where": "str", "n": "int"},
    )
    result = _run(tmp_path)
    assert result.returncode == 0, result.stderr
    outputs = _outputs(staging)
    assert outputs["where"].strip() == str(tmp_path)
    assert outputs["n"].strip() == "42"
    assert "_ERROR" not in outputs
    # only outputs.zip stays in the project's files: the inputs and the archive are gone
    assert sorted(p.name for p in staging.iterdir()) == ["outputs.zip"]


def test_dominos_working_directory_wins_when_set(tmp_path):
    code = tmp_path / "code"
    code.mkdir()
    artifacts = tmp_path / "artifacts"
    staging = _stage(artifacts, 'pwd > "$DOMINO_FLOWS_OUTPUTS_DIR/where"', {"where": "str"})
    result = _run(artifacts, DOMINO_WORKING_DIR=str(code))
    assert result.returncode == 0, result.stderr
    assert _outputs(staging)["where"].strip() == str(code)


def test_the_manifests_working_directory_is_used_when_domino_sets_none(tmp_path):
    code = tmp_path / "code"
    code.mkdir()
    artifacts = tmp_path / "artifacts"
    staging = _stage(
        artifacts,
        'pwd > "$DOMINO_FLOWS_OUTPUTS_DIR/where"',
        {"where": "str"},
        working_dir=str(code),
    )
    assert _run(artifacts).returncode == 0
    assert _outputs(staging)["where"].strip() == str(code)


def test_the_commands_exit_code_is_kept_and_explained(tmp_path):
    staging = _stage(tmp_path, "echo oops >&2; exit 3", {"n": "int"})
    result = _run(tmp_path)
    assert result.returncode == 3
    assert "exited with code 3" in _outputs(staging)["_ERROR"]
    assert "oops" in result.stderr


def test_a_users_error_file_is_kept(tmp_path):
    staging = _stage(tmp_path, 'echo "bad rows" > "$DOMINO_FLOWS_OUTPUTS_DIR/_ERROR"', {})
    result = _run(tmp_path)
    assert result.returncode == 1
    assert _outputs(staging)["_ERROR"].strip() == "bad rows"


def test_broken_output_rules_fail_the_job(tmp_path):
    staging = _stage(
        tmp_path, 'seq 1 1000 > "$DOMINO_FLOWS_OUTPUTS_DIR/n"', {"n": "int", "m": "file"}
    )
    result = _run(tmp_path)
    assert result.returncode == 1
    error = _outputs(staging)["_ERROR"]
    assert "at most 1024 bytes" in error and "output 'm' was not written" in error


def test_staging_folders_older_than_the_retention_are_pruned(tmp_path):
    root = tmp_path / ".domino-flows" / "staging"
    for name in ("20240101-old-run", "20240104-recent-run", "notes"):
        (root / name / "task").mkdir(parents=True)
    staging = _stage(tmp_path, "true", {}, retention_days=2)
    removed = domino_bootstrap.prune(tmp_path, staging.parent, 2, dt.date(2024, 1, 5))
    assert removed == ["20240101-old-run"]
    assert sorted(p.name for p in root.iterdir()) == [
        "20240104-recent-run",
        "20240105-run-1",
        "notes",
    ]


def test_workflow_paths_are_made_only_inside_domino_and_never_over_existing_ones(
    tmp_path, monkeypatch
):
    staging = tmp_path / "staging"
    staging.mkdir()
    root = tmp_path / "workflow"
    monkeypatch.setattr(domino_bootstrap, "WORKFLOW_ROOT", str(root))
    monkeypatch.setattr(domino_bootstrap, "WORKFLOW_INPUTS", str(root / "inputs"))
    monkeypatch.delenv("DOMINO_RUN_ID", raising=False)
    assert domino_bootstrap.workflow_paths(staging) == (None, "")  # outside Domino: nothing
    monkeypatch.setenv("DOMINO_RUN_ID", "run-1")
    (root / "inputs").mkdir(parents=True)  # Domino Flows' own task pods have them
    assert domino_bootstrap.workflow_paths(staging) == (None, "")
    (root / "inputs").rmdir()
    preexec, note = domino_bootstrap.workflow_paths(staging)
    assert callable(preexec) and note == ""


def test_without_a_workflow_folder_a_job_user_is_told_why_and_what_to_do(tmp_path, monkeypatch):
    missing = tmp_path / "no-such" / "workflow"
    monkeypatch.setattr(domino_bootstrap, "WORKFLOW_ROOT", str(missing))
    monkeypatch.setattr(domino_bootstrap, "WORKFLOW_INPUTS", str(missing / "inputs"))
    monkeypatch.setenv("DOMINO_RUN_ID", "run-1")
    monkeypatch.setattr(domino_bootstrap.os, "getuid", lambda: 1000)
    preexec, note = domino_bootstrap.workflow_paths(tmp_path)
    assert preexec is None
    assert f"the job's image has no {missing} folder and user 1000 cannot make it" in note
    assert "RUN mkdir" in note and "DOMINO_FLOWS_INPUTS_DIR" in note
    assert not missing.exists()


def test_links_in_the_outputs_are_never_packed(tmp_path):
    secret = tmp_path / "id_rsa"
    secret.write_text("private")
    outputs = tmp_path / "staging" / domino_bootstrap.OUTPUTS_FOLDER
    _write(outputs, {"tree/a": "1"})
    (outputs / "model").symlink_to(secret)
    (outputs / "tree" / "b").symlink_to(secret)
    problems = domino_bootstrap.output_problems(outputs, {"model": "file", "tree": "directory"})
    assert len(problems) == 2 and all("is a symbolic link" in p for p in problems)
    archive = domino_bootstrap.pack_outputs(outputs.parent)
    with zipfile.ZipFile(archive) as bundle:
        assert sorted(bundle.namelist()) == ["tree/", "tree/a"]
        assert b"private" not in b"".join(bundle.read(n) for n in bundle.namelist())
