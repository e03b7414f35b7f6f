"""The in-job entrypoint of @domino_task: once as a real subprocess, as a job runs it, and
otherwise in this process (``main`` with the job's environment), where a subprocess would only
add the cost of importing flytekit again."""

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from domino_flows import entrypoint
from domino_flows.contract import formats
from domino_flows.contract import values as contract

ROOT = Path(__file__).resolve().parents[1]


def run_job(target, tmp_path, inputs, types):
    inputs_dir, outputs_dir = tmp_path / "inputs", tmp_path / "outputs"
    contract.write_inputs(inputs_dir, inputs, types)
    env = dict(os.environ)
    env[formats.INPUTS_DIR_VARIABLE] = str(inputs_dir)
    env[formats.OUTPUTS_DIR_VARIABLE] = str(outputs_dir)
    completed = subprocess.run(
        [sys.executable, "-m", "domino_flows.entrypoint", target],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return completed, outputs_dir


@pytest.fixture
def job(monkeypatch, capsys):
    """``job(target, folder, inputs, types)``: the entrypoint's ``main`` in this process, from the
    repository root as a job runs from its project; returns (returncode, stderr) and the
    outputs folder. The modules it loads from the repository are forgotten afterwards."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)

    def run(target, folder, inputs, types):
        inputs_dir, outputs_dir = folder / "inputs", folder / "outputs"
        contract.write_inputs(inputs_dir, inputs, types)
        monkeypatch.setenv(formats.INPUTS_DIR_VARIABLE, str(inputs_dir))
        monkeypatch.setenv(formats.OUTPUTS_DIR_VARIABLE, str(outputs_dir))
        code = entrypoint.main([target])
        return SimpleNamespace(returncode=code, stderr=capsys.readouterr().err), outputs_dir

    yield run
    for name in set(sys.modules) - before:
        if name.split(".")[0] in ("examples", "tests"):
            del sys.modules[name]


@pytest.mark.slow
def test_runs_a_decorated_function_as_a_job(tmp_path):
    completed, outputs = run_job(
        "examples/hello.py:greet", tmp_path, {"name": "Ada"}, {"name": str}
    )
    assert completed.returncode == 0, completed.stderr
    assert contract.read_outputs(outputs, {"o0": str}) == {"o0": "Hello, Ada!"}


def test_named_tuple_outputs_and_files(job, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    completed, outputs = job(
        "examples/ml_pipeline.py:prepare_data",
        work,
        {"rows": 5, "seed": 1},
        {"rows": int, "seed": int},
    )
    assert completed.returncode == 0, completed.stderr
    lines = (outputs / "o0").read_text().splitlines()
    assert lines[0] == "x,y" and len(lines) == 6


def test_a_failing_function_reports_through_error_file(job, tmp_path):
    completed, outputs = job("tests/jobs_for_tests.py:explode", tmp_path, {"n": 3}, {"n": int})
    assert completed.returncode == 1
    error = (outputs / "_ERROR").read_text()
    assert error.startswith("ValueError: n must be negative, got 3 (at ")
    assert "jobs_for_tests.py:" in error
    assert "Traceback" in completed.stderr


def test_bad_input_is_reported_with_its_name(job, tmp_path):
    inputs_dir = tmp_path / "inputs"
    inputs_dir.mkdir()
    (inputs_dir / "n").write_text("three")
    completed, outputs = job("tests/jobs_for_tests.py:explode", tmp_path, {}, {})
    assert completed.returncode == 1
    assert "input 'n'" in (outputs / "_ERROR").read_text()
    assert "expected a whole number, found 'three'" in (outputs / "_ERROR").read_text()


def test_unknown_target_fails_clearly(job, tmp_path):
    completed, outputs = job("examples/hello.py:nope", tmp_path, {}, {})
    assert completed.returncode == 1
    assert "has no function 'nope'" in (outputs / "_ERROR").read_text()
    completed, outputs = job("examples/missing.py:f", tmp_path / "b", {}, {})
    assert "examples/missing.py not found" in (outputs / "_ERROR").read_text()


def test_usage_error():
    completed = subprocess.run(
        [sys.executable, "-m", "domino_flows.entrypoint"], capture_output=True, text=True
    )
    assert completed.returncode == 2
    assert "usage: python -m domino_flows.entrypoint" in completed.stderr


def test_output_too_large_is_reported(job, tmp_path):
    completed, outputs = job("tests/jobs_for_tests.py:chatty", tmp_path, {}, {})
    assert completed.returncode == 1
    assert "output 'o0' is 5000 bytes" in (outputs / "_ERROR").read_text()


def test_a_plain_tuple_fills_the_outputs_in_declared_order(job, tmp_path):
    completed, outputs = job("tests/jobs_for_tests.py:pair", tmp_path, {"n": 4}, {"n": int})
    assert completed.returncode == 0, completed.stderr
    assert contract.read_outputs(outputs, {"o0": int, "o1": str}) == {"o0": 5, "o1": "n=4"}


@pytest.mark.parametrize(
    ("target", "said"),
    [
        ("short_pair", "declares 2 outputs (o0, o1) but its function returned 1 values"),
        ("scalar_pair", "declares 2 outputs (o0, o1) but its function returned one value of"),
    ],
)
def test_a_result_of_the_wrong_shape_is_refused_naming_the_task(job, tmp_path, target, said):
    completed, outputs = job(f"tests/jobs_for_tests.py:{target}", tmp_path, {"n": 4}, {"n": int})
    assert completed.returncode == 1
    error = (outputs / "_ERROR").read_text()
    assert said in error and f"{target}'" in error
    assert not (outputs / "o0").exists()
