"""The stage-script helper reads and writes exactly what contract/values.py does, without
flytekit."""

import subprocess
import sys
from pathlib import Path

import pytest
from contract_cases import BAD_PRIMITIVE_CASES, PRIMITIVE_CASES

from domino_flows import job
from domino_flows.contract import formats
from domino_flows.contract import values as contract


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    inputs, outputs = tmp_path / "inputs", tmp_path / "outputs"
    inputs.mkdir()
    monkeypatch.setenv(formats.INPUTS_DIR_VARIABLE, str(inputs))
    monkeypatch.setenv(formats.OUTPUTS_DIR_VARIABLE, str(outputs))
    return inputs, outputs


@pytest.mark.parametrize(("python_type", "value", "text"), PRIMITIVE_CASES)
def test_reads_what_the_contract_writes(dirs, python_type, value, text):
    inputs, _ = dirs
    contract.write_inputs(inputs, {"x": value}, {"x": python_type})
    assert job.read_input("x", python_type) == value


@pytest.mark.parametrize(("python_type", "value", "text"), PRIMITIVE_CASES)
def test_writes_what_the_contract_reads(dirs, python_type, value, text):
    _, outputs = dirs
    job.write_output("y", value)
    assert (outputs / "y").read_text() == text
    assert contract.read_outputs(outputs, {"y": python_type}) == {"y": value}


@pytest.mark.parametrize(("python_type", "text", "why"), BAD_PRIMITIVE_CASES)
def test_bad_inputs_fail_the_same_way(dirs, python_type, text, why):
    inputs, _ = dirs
    (inputs / "x").write_text(text)
    with pytest.raises(job.JobInputError, match=why):
        job.read_input("x", python_type)


def test_lists_maps_and_json(dirs):
    inputs, _ = dirs
    contract.write_inputs(
        inputs,
        {"xs": [[1], [2, 3]], "m": {"a": 1.5}, "cfg": {"k": [1]}},
        {"xs": list[list[int]], "m": dict[str, float], "cfg": dict},
    )
    assert job.read_input("xs", list[list[int]]) == [[1], [2, 3]]
    assert job.read_input("m", dict[str, float]) == {"a": 1.5}
    assert job.read_input("cfg", dict) == {"k": [1]}


def test_files_and_directories_are_paths(dirs, tmp_path):
    inputs, outputs = dirs
    (inputs / "data").write_text("a,b\n")
    assert job.read_input("data", Path).read_text() == "a,b\n"
    assert job.read_input("data", bytes) == b"a,b\n"
    assert set(job.inputs()) == {"data"}
    folder = tmp_path / "plots"
    folder.mkdir()
    (folder / "p.png").write_bytes(b"png")
    job.write_output("plots", folder)
    assert (outputs / "plots" / "p.png").read_bytes() == b"png"


def test_missing_input_says_where(dirs):
    inputs, _ = dirs
    with pytest.raises(
        job.JobInputError, match=f"input 'rows' is missing: expected it at {inputs}"
    ):
        job.read_input("rows", int)


def test_names_cannot_escape(dirs):
    with pytest.raises(formats.FormatError, match="is not a Python identifier"):
        job.read_input("../../etc/passwd")
    with pytest.raises(formats.FormatError, match="is not a Python identifier"):
        job.write_output("../x", 1)


def test_large_primitive_output_is_refused(dirs):
    _, outputs = dirs
    with pytest.raises(formats.FormatError, match="is 2000 bytes"):
        job.write_output("summary", "x" * 2000)
    assert not (outputs / "summary").exists()


def test_unsupported_output_value(dirs):
    with pytest.raises(formats.FormatError, match="a dict cannot be a Domino output"):
        job.write_output("table", {"a": 1})


def test_missing_output_file_source(dirs, tmp_path):
    with pytest.raises(formats.FormatError, match="does not exist, so it cannot be copied"):
        job.write_output("model", tmp_path / "absent.pkl")


def test_fail_writes_error_and_exits(dirs):
    _, outputs = dirs
    with pytest.raises(SystemExit) as raised:
        job.fail("no rows in the input table")
    assert raised.value.code == 1
    assert (outputs / "_ERROR").read_text() == "no rows in the input table"


def test_importing_job_does_not_import_flytekit():
    code = "import sys, domino_flows.job; print('flytekit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
