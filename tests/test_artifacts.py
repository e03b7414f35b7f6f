import typing

import pytest

from domino_flows import DATA, MODEL, REPORT, Artifact
from domino_flows.authoring.artifacts import artifact_of
from domino_flows.core.errors import TaskDefinitionError


def test_file_annotation_carries_the_artifact():
    annotation = Artifact("Churn model", MODEL).File(name="model.pkl")
    assert typing.get_origin(annotation) is typing.Annotated
    assert artifact_of(annotation) == {"name": "Churn model", "type": "MODEL", "file": "model.pkl"}


def test_types_accept_their_names():
    assert Artifact("d", "DATA").type is DATA
    assert Artifact("r", REPORT).type.value == "REPORT"


@pytest.mark.parametrize("name", ["", "   ", None])
def test_empty_names_are_refused(name):
    with pytest.raises(TaskDefinitionError, match="Artifact needs a non-empty name"):
        Artifact(name, DATA)


def test_unknown_types_are_refused():
    with pytest.raises(TaskDefinitionError, match="has type 'PLOT'; use DATA, MODEL or REPORT"):
        Artifact("plots", "PLOT")


@pytest.mark.parametrize("file_name", ["", "dir/model.pkl", ".."])
def test_file_names_must_be_plain(file_name):
    with pytest.raises(TaskDefinitionError, match="must be a plain file name"):
        Artifact("m", MODEL).File(name=file_name)


def test_plain_types_are_not_artifacts():
    assert artifact_of(int) is None
