"""run_launch_export_artifacts_task: which outputs it exports, and the mistakes it refuses."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flytekit import workflow

from domino_flows import (
    DATA,
    MODEL,
    Artifact,
    ExportArtifactFilesToBundleSpec,
    ExportArtifactToDatasetsSpec,
    ExportArtifactToNetAppVolumesSpec,
    Output,
    run_domino_job_task,
    run_launch_export_artifacts_task,
)
from domino_flows.authoring import serialize
from domino_flows.core.errors import TaskDefinitionError

Data = Artifact("Data", DATA)
Model = Artifact("Model", MODEL)
ModelFile = Model.File(name="m.pkl")


def _produce() -> None:
    run_domino_job_task(
        flyte_task_name="produce",
        command="python produce.py",
        output_specs=[
            Output(name="a", type=Data.File(name="a.csv")),
            Output(name="b", type=Data.File(name="b.csv")),
            Output(name="m", type=ModelFile),
            Output(name="n", type=int),
        ],
    )


def _export_template(specs: list[Any]) -> Any:
    @workflow
    def flow() -> None:
        _produce()
        run_launch_export_artifacts_task(spec_list=specs, environment_name="Python 3.11")

    templates = serialize.task_templates(serialize.serialize(flow))
    (export,) = [t for t in templates if t.id.name.endswith("Export artifacts")]
    return export


def test_export_task_takes_the_artifacts_files_as_inputs() -> None:
    template = _export_template(
        [
            ExportArtifactToDatasetsSpec(artifact=Data, dataset_id="ds-1"),
            ExportArtifactToNetAppVolumesSpec(
                artifact=Data, netapp_volume_id="vol-1", target_relative_path="adam/"
            ),
            ExportArtifactFilesToBundleSpec(files=[ModelFile], bundles=["QC", "Audit"]),
        ]
    )
    assert template.custom["command"] == "python -m domino_flows.export_job"
    assert template.custom["environmentName"] == "Python 3.11"
    assert sorted(template.interface.inputs) == ["export_plan", "file_0", "file_1", "file_2"]
    assert sorted(template.interface.outputs) == []


def test_export_plan_names_each_target_and_file() -> None:
    @workflow
    def flow() -> None:
        _produce()
        run_launch_export_artifacts_task(
            spec_list=[
                ExportArtifactToNetAppVolumesSpec(
                    artifact=Data, netapp_volume_id="vol-1", target_relative_path="adam/"
                ),
                ExportArtifactFilesToBundleSpec(files=[ModelFile], bundles=["QC"]),
            ]
        )

    flow.compile()
    (export_node,) = [n for n in flow.nodes if n.flyte_entity.name == "Export artifacts"]
    plan_binding = {b.var: b for b in export_node.bindings}["export_plan"]
    plan = json.loads(plan_binding.binding.scalar.primitive.string_value)
    volume, bundle = plan["exports"]
    assert (volume["kind"], volume["targets"]) == ("netapp_volume", ["vol-1"])
    assert volume["path"] == "adam"
    assert [f["file"] for f in volume["files"]] == ["a.csv", "b.csv"]
    assert (bundle["kind"], bundle["targets"]) == ("bundle", ["QC"])
    assert [(f["file"], f["artifact"]) for f in bundle["files"]] == [("m.pkl", "Model")]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (ExportArtifactToDatasetsSpec(artifact=Data, dataset_id=""), "give the dataset's id"),
        (
            ExportArtifactToNetAppVolumesSpec(Data, "vol", target_relative_path="../up"),
            "must be relative and without '..'",
        ),
        (ExportArtifactFilesToBundleSpec(files=[], bundles=["QC"]), "needs files="),
        (ExportArtifactFilesToBundleSpec(files=[int], bundles=["QC"]), "give artifact file types"),
        (ExportArtifactToDatasetsSpec(artifact="Data", dataset_id="d"), "give an Artifact"),
        ("dataset", "use ExportArtifactToDatasetsSpec"),
        (
            ExportArtifactToDatasetsSpec(artifact=Artifact("Other", DATA), dataset_id="d"),
            "no task before this call has an output of artifact Other",
        ),
    ],
)
def test_export_mistakes_are_refused_naming_the_spec(spec: Any, message: str) -> None:
    with pytest.raises(TaskDefinitionError, match=r"spec_list\[0\]") as caught:
        _export_template([spec])
    assert message in str(caught.value)


def test_export_needs_specs_and_a_workflow() -> None:
    with pytest.raises(TaskDefinitionError, match="at least one spec"):
        run_launch_export_artifacts_task(spec_list=[])
    with pytest.raises(TaskDefinitionError, match="inside a @workflow"):
        run_launch_export_artifacts_task(
            spec_list=[ExportArtifactToDatasetsSpec(artifact=Data, dataset_id="d")]
        )
