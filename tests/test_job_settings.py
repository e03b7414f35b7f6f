"""The one job-settings model: every field, in every spelling the kit takes, reaches the config,
``custom`` and what backends read back (where each then goes: tests/test_job_settings_reach.py)."""

from __future__ import annotations

from typing import Any

import pytest

from domino_flows.authoring.config import (
    ClusterProperties,
    DatasetSnapshot,
    DominoJobConfig,
    EnvironmentRevisionSpecification,
    EnvironmentRevisionType,
    GitRef,
)
from domino_flows.authoring.decorators import domino_task
from domino_flows.authoring.helpers import build_domino_job_task
from domino_flows.backends.base import JobSpec
from domino_flows.contract import job_settings
from domino_flows.contract.data_sources import ExternalDataVolume, NetAppVolumeSnapshot
from domino_flows.core.errors import TaskDefinitionError

# One value per job field, by its official name. A field added to the model without a value here
# fails test_every_field_has_a_sample, so each new field is round-tripped below.
SAMPLES: dict[str, Any] = {
    "Title": "Nightly churn",
    "CommitId": "0123abcd",
    "MainRepoGitRef": GitRef("branches", "main"),
    "HardwareTierId": "small-k8s",
    "HardwareTierName": "Small",
    "EnvironmentId": "env-311",
    "EnvironmentName": "Python 3.11",
    "EnvironmentRevisionSpec": EnvironmentRevisionSpecification(
        EnvironmentRevisionType.SomeRevision, "rev-7"
    ),
    "ComputeClusterProperties": ClusterProperties(
        ClusterType="Spark",
        ComputeEnvironmentId="env-spark",
        WorkerHardwareTierId="medium-k8s",
        WorkerCount=2,
        MasterHardwareTierId="small-k8s",
    ),
    "VolumeSizeGiB": 25.0,
    "DatasetSnapshots": [DatasetSnapshot(Name="churn", Version=3)],
    "ExternalVolumeMountIds": ["0123456789abcdef01234567"],
    "ExternalDataVolumes": [ExternalDataVolume(Name="shared")],
    "NetAppVolumeSnapshots": [NetAppVolumeSnapshot(Id="snap-1", Version=2)],
    "UseLatest": True,
    "UseProjectDefaultsForOmitted": True,
    "CapacityType": "spot",
}
# What an alias takes, where it is not the field's own value.
ALIAS_SAMPLES: dict[str, Any] = {"environment_revision_id": "rev-7"}
FIELDS = job_settings.job_fields(DominoJobConfig)
SPELLINGS = [(f.name, keyword) for f in FIELDS for keyword in f.keywords]


@domino_task
def _plain() -> None: ...


def _task(function: str, keywords: dict[str, Any]) -> Any:
    if function == "decorator":
        return domino_task(name="settings.t", **keywords)(_plain.python_function)
    return build_domino_job_task("settings.t", "python t.py", **keywords)


def test_every_field_has_a_sample():
    keyword_fields = {f.name for f in FIELDS if f.keywords}
    assert keyword_fields == set(SAMPLES)
    # the command is the function's own; the snapshot inputs come from netapp_volume_snapshots
    assert {f.name for f in FIELDS} - keyword_fields == {"Command", "NetAppVolumeSnapshotInputs"}


@pytest.mark.parametrize("function", ["decorator", "helper"])
@pytest.mark.parametrize(("name", "keyword"), SPELLINGS)
def test_each_spelling_round_trips_to_custom_and_back(function, name, keyword):
    value = ALIAS_SAMPLES.get(keyword, SAMPLES[name])
    task = _task(function, {keyword: value})
    assert getattr(task.domino_job_config, name) == SAMPLES[name]
    custom = task.get_custom(None)
    key = next(f.setting.custom_key for f in FIELDS if f.name == name)
    assert key in custom
    # what the connector and the runner hand the backends
    read_back = DominoJobConfig.from_custom(custom)
    assert getattr(read_back, name) == SAMPLES[name]
    spec = JobSpec("run-1", "flow", "settings.t", read_back)
    assert getattr(spec.config, name) == SAMPLES[name]


def test_the_kit_spelling_and_the_official_one_make_the_same_task():
    official = build_domino_job_task(
        "t",
        "python t.py",
        hardware_tier_name="Small",
        environment_name="Python 3.11",
        dfs_repo_commit_id="0123abcd",
        main_git_repo_ref=GitRef("head"),
        environment_revision_id="rev-7",
    )
    kit = build_domino_job_task(
        "t",
        "python t.py",
        hardware_tier="Small",
        environment="Python 3.11",
        commit_id="0123abcd",
        git_ref=GitRef("head"),
        environment_revision=SAMPLES["EnvironmentRevisionSpec"],
    )
    assert official.get_custom(None) == kit.get_custom(None)


def test_all_fields_at_once_round_trip_through_custom():
    config = DominoJobConfig(Command="python t.py", **SAMPLES)
    custom = config.to_custom()
    assert DominoJobConfig.from_custom(custom) == config
    assert list(custom) == [f.setting.custom_key for f in FIELDS if f.setting.custom_key in custom]


def test_cache_neutral_fields_are_the_models():
    neutral = {f.name for f in FIELDS if f.setting.cache_neutral}
    assert neutral == {
        "CapacityType",
        "Title",
        "HardwareTierId",
        "HardwareTierName",
        "VolumeSizeGiB",
        "UseLatest",
        "UseProjectDefaultsForOmitted",
    }
    config = DominoJobConfig(Command="python t.py", **SAMPLES)
    assert {"title", "hardwareTierId", "hardwareTierName", "volumeSizeGiB"}.isdisjoint(
        config.cache_fields()
    )


def test_an_unknown_keyword_names_the_task_and_the_closest_setting():
    with pytest.raises(TaskDefinitionError) as caught:
        build_domino_job_task("prep", "python p.py", hardware_teir="Small")
    message = str(caught.value)
    assert "task 'prep': run_domino_job_task() takes no keyword hardware_teir=" in message
    assert "did you mean hardware_tier=?" in message


def test_one_field_under_two_spellings_is_refused():
    with pytest.raises(TaskDefinitionError) as caught:
        domino_task(name="t", hardware_tier="Small", hardware_tier_name="Large")(
            _plain.python_function
        )
    assert str(caught.value) == (
        "task 't': @domino_task() gives HardwareTierName twice, as hardware_tier= and "
        "hardware_tier_name=; keep one of them."
    )


def test_the_decorator_takes_use_project_defaults_for_omitted():
    task = domino_task(name="t", use_project_defaults_for_omitted=True)(_plain.python_function)
    assert task.get_custom(None)["useProjectDefaultsForOmitted"] is True
    assert DominoJobConfig.from_custom(task.get_custom(None)).UseProjectDefaultsForOmitted


def test_a_misspelt_task_option_names_the_option_it_means():
    with pytest.raises(TaskDefinitionError) as caught:
        build_domino_job_task("prep", "python p.py", retires=2)
    message = str(caught.value)
    assert "run_domino_job_task() takes no keyword retires=; did you mean retries=?" in message
    assert "its other options are cache, cache_ignore_input_vars" in message


def test_both_functions_hand_the_same_task_options_to_the_task():
    options = {"cache": True, "cache_version": "2", "retries": 3, "timeout": None}
    decorated = domino_task(name="t", **options)(_plain.python_function)
    helped = build_domino_job_task("t", "python t.py", **options)
    for task in (decorated, helped):
        metadata = task.metadata
        assert (metadata.cache, metadata.retries, metadata.timeout) == (True, 3, None)
        assert metadata.cache_version.startswith("2-")


def test_the_official_task_arguments_become_job_settings():
    from domino_flows.authoring.task import DominoJobTask

    task = DominoJobTask("t", DominoJobConfig(Command="python t.py"), use_latest=True)
    assert task.domino_job_config.UseLatest
    assert task.get_custom(None)["useLatest"] is True
    spec = JobSpec("run-1", "f", "t", DominoJobConfig.from_custom(task.get_custom(None)))
    assert spec.config.UseLatest and not spec.config.UseProjectDefaultsForOmitted


def test_a_capacity_type_domino_does_not_know_is_refused_naming_the_task():
    with pytest.raises(TaskDefinitionError) as caught:
        domino_task(name="t", capacity_type="cheap")(_plain.python_function)
    assert str(caught.value) == (
        "task 't': DominoJobConfig CapacityType is 'cheap'; use 'on-demand' or 'spot', or leave "
        "it unset for the hardware tier's own."
    )


def test_the_architecture_doc_lists_every_field_with_its_keyword_and_key():
    from pathlib import Path

    text = (Path(__file__).parents[1] / "docs" / "architecture.md").read_text()
    rows = [line.strip() for line in text.splitlines() if line.strip().startswith("| `")]
    table = {}
    for row in rows:
        cells = [cell.strip().strip("`") for cell in row.strip("|").split("|")]
        if len(cells) == 4 and cells[0] in {f.name for f in FIELDS}:
            table[cells[0]] = (cells[1].split("`")[0].strip(), cells[3])
    assert table == {
        f.name: (f.setting.keyword, f.setting.custom_key) for f in FIELDS if f.setting.keyword
    }
