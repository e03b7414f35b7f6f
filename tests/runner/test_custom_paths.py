"""Custom paths (PathConfig and Input/Output path=): honoured by local jobs, carried in the
typed interface, checked where the task is defined."""

from typing import Annotated

import pytest
from flytekit.types.file import FlyteFile
from runner_helpers import run_json

from domino_flows import REPORT, Artifact, DominoJobConfig, DominoJobTask, PathConfig
from domino_flows.authoring import serialize
from domino_flows.authoring.artifacts import artifact_of
from domino_flows.core.errors import TaskDefinitionError
from domino_flows.file import paths_in_interface


@pytest.mark.slow
def test_inputs_and_outputs_are_at_their_custom_paths_in_the_job(project):
    result, document = run_json("custom_paths.py", "paths_flow")
    assert result.exit_code == 0, result.output
    # make writes 3 lines only at its PathConfig path; count reads them only at its own
    assert document["outputs"] == {"o0": "3"}


def _task(**types):
    return DominoJobTask("t", DominoJobConfig(Command="true"), **types)


def test_paths_ride_in_the_interface_artifact_kept():
    report = Annotated[
        Artifact("R", REPORT).File(name="r.pdf"), PathConfig(path="/mnt/data/out/r.pdf")
    ]
    task = _task(
        inputs={"rows": Annotated[FlyteFile, PathConfig(path="/mnt/data/in/rows.csv")]},
        outputs={"r": report},
    )
    template = serialize.task_templates(serialize.serialize(task))[0]
    assert paths_in_interface(template.interface.inputs) == {"rows": "/mnt/data/in/rows.csv"}
    assert paths_in_interface(template.interface.outputs) == {"r": "/mnt/data/out/r.pdf"}
    assert artifact_of(task.python_interface.outputs["r"]) == {
        "name": "R",
        "type": "REPORT",
        "file": "r.pdf",
    }
    assert "inputPaths" not in template.custom and "outputPaths" not in template.custom
    assert (task.input_paths, task.output_paths) == (
        {"rows": "/mnt/data/in/rows.csv"},
        {"r": "/mnt/data/out/r.pdf"},
    )


@pytest.mark.parametrize(
    ("types", "message"),
    [
        (
            {"inputs": {"a": Annotated[FlyteFile, PathConfig(path="/etc/passwd")]}},
            "task 't': input 'a' has path '/etc/passwd'; custom paths must be absolute",
        ),
        (
            {
                "outputs": {
                    "a": Annotated[
                        FlyteFile, PathConfig(path="/mnt/data/x"), PathConfig(path="/mnt/data/y")
                    ]
                }
            },
            "task 't': output 'a' has 2 PathConfig annotations; give one.",
        ),
        (
            {"inputs": {"a": int}, "input_paths": {"b": "/mnt/data/b"}},
            "task 't': input_paths names 'b', which is not an input; inputs are a.",
        ),
    ],
)
def test_bad_custom_paths_are_refused_where_the_task_is_defined(types, message):
    with pytest.raises(TaskDefinitionError) as raised:
        _task(**types)
    assert message in str(raised.value)
