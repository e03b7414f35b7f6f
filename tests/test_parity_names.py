"""The official plugin's names, argument names and serialized forms, and the kit's aliases."""

from __future__ import annotations

import typing

import pytest
from flytekit import Cache, workflow
from flytekit.core.artifact import Artifact as FlyteArtifact
from flytekit.core.interface import Interface, transform_interface_to_typed_interface
from flytekit.types.file import FlyteFile

import domino_flows
from domino_flows import (
    DATA,
    REPORT,
    Artifact,
    DatasetSnapshot,
    DominoJobConfig,
    DominoJobTask,
    ExternalDataVolume,
    GitRef,
    Input,
    NetAppVolumeSnapshot,
    Output,
    run_domino_job_task,
)
from domino_flows.authoring import serialize
from domino_flows.authoring.helpers import build_domino_job_task
from domino_flows.core.errors import TaskDefinitionError
from domino_flows.records.artifacts_store import artifact_specs

OFFICIAL_NAMES = [
    "Artifact",
    "DATA",
    "MODEL",
    "REPORT",
    "DominoJobConfig",
    "DominoJobTask",
    "GitRef",
    "DatasetSnapshot",
    "ExternalDataVolume",
    "NetAppVolumeSnapshot",
    "EnvironmentRevisionSpecification",
    "EnvironmentRevisionType",
    "Input",
    "Output",
    "run_domino_job_task",
    "run_launch_export_artifacts_task",
    "ExportArtifactToDatasetsSpec",
    "ExportArtifactToNetAppVolumesSpec",
    "ExportArtifactFilesToBundleSpec",
]


@pytest.mark.parametrize("name", OFFICIAL_NAMES)
def test_official_names_are_exported(name: str) -> None:
    assert name in domino_flows.__all__
    assert getattr(domino_flows, name) is not None


# --- artifacts ----------------------------------------------------------------------------------


def _output_variable(python_type: typing.Any) -> typing.Any:
    typed = transform_interface_to_typed_interface(Interface(outputs={"o": python_type}))
    return typed.outputs["o"]


def test_file_type_sets_the_file_format_and_domino_partitions() -> None:
    report = Artifact("Quarterly report", REPORT).File(name="report.pdf", type="pdf")
    base = typing.get_args(report)[0]
    assert issubclass(base, FlyteFile) and base.extension() == "pdf"
    variable = _output_variable(report)
    assert variable.type.blob.format == "pdf"
    partial = variable.artifact_partial_id
    assert partial.artifact_key.name == "report.pdf"
    partitions = {k: v.static_value for k, v in partial.partitions.value.items()}
    assert partitions == {"artifact_type": "report", "artifact_name": "Quarterly report"}


def test_file_type_defaults_to_the_extension_and_overrides_it() -> None:
    data = Artifact("Data", DATA)
    assert _output_variable(data.File(name="x.csv")).type.blob.format == "csv"
    assert _output_variable(data.File(name="x.dat", type="sas7bdat")).type.blob.format == (
        "sas7bdat"
    )


@pytest.mark.parametrize("bad", ["", ".pdf", "a/b", 3])
def test_file_type_must_be_a_plain_format(bad: typing.Any) -> None:
    with pytest.raises(TaskDefinitionError, match="give the file format without a dot"):
        Artifact("Data", DATA).File(name="x.csv", type=bad)


def test_show_and_lineage_still_read_the_kit_annotation() -> None:
    variable = _output_variable(Artifact("Churn model", "MODEL").File(name="m.pkl"))
    assert artifact_specs({"model": variable}) == {
        "model": {"name": "Churn model", "type": "MODEL", "file": "m.pkl"}
    }


def test_outputs_written_with_flytekit_partitions_directly_are_artifacts_too() -> None:
    # how Domino's older example flows declare artifacts, without the kit's helper
    report = FlyteArtifact(name="report.pdf", partition_keys=["artifact_type", "artifact_name"])
    typed = typing.Annotated[FlyteFile, report(artifact_type="report", artifact_name="Reports")]
    plain = typing.Annotated[FlyteFile, FlyteArtifact(name="other.csv")]
    specs = artifact_specs({"a": _output_variable(typed), "b": _output_variable(plain)})
    assert specs == {"a": {"name": "Reports", "type": "REPORT", "file": "report.pdf"}}


# --- data sources -------------------------------------------------------------------------------


def test_netapp_snapshot_serializes_as_domino_api_json() -> None:
    snapshot = NetAppVolumeSnapshot(Id="vol-1", Version=3)
    assert snapshot.to_json() == {"volumeId": "vol-1", "snapshotVersion": 3}
    assert NetAppVolumeSnapshot.from_json({"volumeId": "vol-1", "snapshotVersion": 3.0}) == snapshot
    assert NetAppVolumeSnapshot.from_json('{"Id": "vol-1", "Version": 3}') == snapshot


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"volumeId": "v"}, "is not a NetApp volume snapshot"),
        ({"volumeId": "v", "snapshotVersion": 1, "size": 2}, "is not a NetApp volume snapshot"),
        ({"volumeId": "v", "snapshotVersion": 0}, "snapshot versions start at 1"),
        ({"volumeId": "", "snapshotVersion": 1}, "give the NetApp volume's id"),
        ("{not json", "not valid JSON"),
        ([1, 2], "expected a JSON object"),
    ],
)
def test_netapp_snapshot_json_errors_say_what_to_write(value: typing.Any, message: str) -> None:
    with pytest.raises(TaskDefinitionError, match=message):
        NetAppVolumeSnapshot.from_json(value)


def test_external_data_volume_needs_a_name() -> None:
    with pytest.raises(TaskDefinitionError, match="task 't': ExternalDataVolume has Name ''"):
        DominoJobConfig(Command="x", ExternalDataVolumes=[ExternalDataVolume(Name="")]).validate(
            "t"
        )


def test_dataset_snapshot_serializes_as_domino_snapshot_refs() -> None:
    by_id = DatasetSnapshot(Id="ds1", Version=2)
    by_name = DatasetSnapshot(Name="sales", Version=1)
    assert by_id.to_json() == {"datasetId": "ds1", "snapshotVersion": 2}
    assert by_name.to_json() == {"datasetName": "sales", "snapshotVersion": 1}
    # the kit's earlier keys still read back
    assert DatasetSnapshot.from_json({"name": "sales", "version": 1.0}) == by_name


def test_config_round_trips_volumes_and_snapshots() -> None:
    config = DominoJobConfig(
        Command="x",
        ExternalDataVolumes=[ExternalDataVolume(Name="nfs")],
        NetAppVolumeSnapshots=[NetAppVolumeSnapshot(Id="vol-1", Version=2)],
        NetAppVolumeSnapshotInputs=["netapp_volume_snapshot_0"],
        DatasetSnapshots=[DatasetSnapshot(Name="sales", Version=1)],
    )
    custom = config.to_custom()
    assert custom["externalDataVolumeNames"] == ["nfs"]
    assert custom["netAppVolumeSnapshots"] == [{"volumeId": "vol-1", "snapshotVersion": 2}]
    assert custom["netAppVolumeSnapshotInputs"] == ["netapp_volume_snapshot_0"]
    assert DominoJobConfig.from_custom(custom) == config


def test_git_ref_of_type_custom_needs_a_value() -> None:
    GitRef(Type="custom", Value="refs/heads/main").validate()
    with pytest.raises(TaskDefinitionError, match="Type 'custom' needs a Value"):
        GitRef(Type="custom").validate("t")


@pytest.mark.parametrize(
    ("written", "right"),
    [("ref", "custom"), ("branch", "branches"), ("tag", "tags"), ("commit", "commitId")],
)
def test_git_ref_types_domino_does_not_publish_are_refused_with_the_right_spelling(
    written: str, right: str
) -> None:
    with pytest.raises(TaskDefinitionError) as caught:
        GitRef(Type=written, Value="v").validate("t")
    message = str(caught.value)
    assert f"task 't': MainRepoGitRef has Type {written!r}" in message
    assert f"write GitRef({right!r}, 'v')" in message
    assert "head, commitId, branches, tags, custom" in message


def test_resolve_job_properties_asks_for_project_defaults() -> None:
    config = DominoJobConfig(Command="python x.py").resolve_job_properties()
    assert config.UseProjectDefaultsForOmitted
    assert config.replace(Title="t").UseProjectDefaultsForOmitted
    task = DominoJobTask("resolved", config)
    assert task.get_custom(None)["useProjectDefaultsForOmitted"] is True
    plain = DominoJobTask("plain", DominoJobConfig(Command="python x.py"))
    assert "useProjectDefaultsForOmitted" not in plain.get_custom(None)


# --- cache ----------------------------------------------------------------------------------------


def _task(**options: typing.Any) -> DominoJobTask:
    return DominoJobTask(
        "cached", DominoJobConfig(Command="python x.py"), inputs={"a": int, "b": int}, **options
    )


def test_cache_object_sets_version_serialize_and_ignored_inputs() -> None:
    task = _task(cache=Cache(version="2", serialize=True, ignored_inputs=("b",)))
    assert task.metadata.cache and task.metadata.cache_serialize
    assert task.metadata.cache_ignore_input_vars == ("b",)
    assert task.metadata.cache_version.startswith("2-")
    assert (
        task.metadata.cache_version == _task(cache=True, cache_version="2").metadata.cache_version
    )


def test_cache_salt_changes_the_version() -> None:
    salted = _task(cache=Cache(version="2", salt="s")).metadata.cache_version
    assert salted != _task(cache=Cache(version="2")).metadata.cache_version


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"cache": Cache(version="1"), "cache_version": "1"}, "give the cache version once"),
        ({"cache": "yes"}, "give True/False or flytekit's Cache"),
        (
            {"cache": Cache(version="1", ignored_inputs=("zzz",))},
            "names 'zzz', which is not an input",
        ),
    ],
)
def test_cache_mistakes_are_refused(options: dict[str, typing.Any], message: str) -> None:
    with pytest.raises(TaskDefinitionError, match=message):
        _task(**options)


def test_cache_policies_are_refused() -> None:
    from flytekit.core.cache import CachePolicy

    class Always(CachePolicy):
        def get_version(self, salt: str, params: typing.Any) -> str:
            return "1"

    with pytest.raises(TaskDefinitionError, match="Cache\\(policies=...\\)"):
        _task(cache=Cache(policies=Always()))


# --- helpers --------------------------------------------------------------------------------------


def test_helper_takes_official_volume_arguments_and_keeps_the_aliases() -> None:
    task = build_domino_job_task(
        "t",
        "python x.py",
        external_data_volumes=[ExternalDataVolume(Name="nfs")],
        external_volume_mounts=["0123456789abcdef01234567"],
        netapp_volume_snapshots=[NetAppVolumeSnapshot(Id="vol-1", Version=1)],
    )
    custom = task.get_custom(None)
    assert custom["externalDataVolumeNames"] == ["nfs"]
    assert custom["externalVolumeMountIds"] == ["0123456789abcdef01234567"]
    assert custom["netAppVolumeSnapshots"] == [{"volumeId": "vol-1", "snapshotVersion": 1}]


def test_a_snapshot_chosen_at_launch_becomes_a_task_input() -> None:
    @workflow
    def flow(snapshot: NetAppVolumeSnapshot) -> int:
        counted = run_domino_job_task(
            flyte_task_name="count",
            command="python count.py",
            output_specs=[Output(name="n", type=int)],
            netapp_volume_snapshots=[NetAppVolumeSnapshot(Id="fixed", Version=1), snapshot],
        )
        return counted["n"]

    (template,) = serialize.task_templates(serialize.serialize(flow))
    assert list(template.interface.inputs) == ["netapp_volume_snapshot_1"]
    assert template.custom["netAppVolumeSnapshotInputs"] == ["netapp_volume_snapshot_1"]
    assert template.custom["netAppVolumeSnapshots"] == [{"volumeId": "fixed", "snapshotVersion": 1}]


def test_snapshot_entries_must_be_snapshots_or_workflow_inputs() -> None:
    with pytest.raises(TaskDefinitionError, match=r"netapp_volume_snapshots\[0\] is 'vol-1'"):
        build_domino_job_task("t", "x", netapp_volume_snapshots=["vol-1"])


def test_snapshot_input_name_may_not_clash_with_a_declared_input() -> None:
    @workflow
    def flow(snapshot: NetAppVolumeSnapshot) -> None:
        run_domino_job_task(
            flyte_task_name="count",
            command="python count.py",
            inputs=[Input(name="netapp_volume_snapshot_0", type=int, value=1)],
            netapp_volume_snapshots=[snapshot],
        )

    with pytest.raises(TaskDefinitionError, match="rename the input"):
        flow.compile()
