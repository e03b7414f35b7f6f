"""Outputs accepted as Domino's uploader takes them: a folder where a file is declared is handed on
as that folder; a file where a folder is declared, as a folder holding that file."""

from pathlib import Path

import pytest
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile
from runner_helpers import run_json

from domino_flows.contract import values as contract


@pytest.mark.slow
def test_downstream_jobs_receive_what_was_written(project):
    result, document = run_json("uploaded_shapes.py", "shapes")
    assert result.exit_code == 0, result.output
    assert document["outputs"] == {"o0": "config weights ", "o1": "text"}


def test_a_folder_for_a_file_output_is_taken_as_the_folder(tmp_path: Path):
    outputs = tmp_path / "outputs"
    (outputs / "model").mkdir(parents=True)
    (outputs / "model" / "weights").write_text("w")
    (outputs / "report").write_text("text")
    values = contract.read_outputs(outputs, {"model": FlyteFile, "report": FlyteDirectory})
    assert Path(values["model"].path) == outputs / "model"
    folder = Path(values["report"].path)
    assert folder.is_dir() and (folder / "report").read_text() == "text"

    delivered = tmp_path / "inputs"
    delivered.mkdir()
    contract.write_value(delivered / "model", values["model"], FlyteFile)
    contract.write_value(delivered / "report", values["report"], FlyteDirectory)
    assert (delivered / "model" / "weights").read_text() == "w"
    assert (delivered / "report" / "report").read_text() == "text"


def test_a_missing_output_is_still_refused(tmp_path: Path):
    with pytest.raises(contract.TaskFailedError, match="did not write its output 'model'"):
        contract.read_outputs(tmp_path, {"model": FlyteFile})
