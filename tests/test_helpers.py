"""run_domino_job_task: the official helper's style, including indexing a single output."""

import pytest
from flytekit import workflow
from flytekit.types.file import FlyteFile

from domino_flows import DatasetSnapshot, GitRef, Input, Output, run_domino_job_task
from domino_flows.authoring import serialize
from domino_flows.authoring.helpers import build_domino_job_task
from domino_flows.authoring.outputs import JobOutputs, OutputAccessError
from domino_flows.core.errors import TaskDefinitionError
from domino_flows.file import paths_in_interface


def test_single_output_is_indexable_by_name():
    @workflow
    def flow(text: str) -> int:
        prep = run_domino_job_task(
            flyte_task_name="prep",
            command="python prep.py",
            inputs=[Input(name="text", type=str, value=text)],
            output_specs=[Output(name="data", type=FlyteFile)],
            environment_name="Python 3.11",
            hardware_tier_name="Small",
        )
        counted = run_domino_job_task(
            flyte_task_name="count",
            command="python count.py",
            inputs=[Input(name="data", type=FlyteFile, value=prep["data"])],
            output_specs=[Output(name="n", type=int), Output(name="m", type=int)],
            environment_revision_id="rev-1",
            environment_id="env-1",
            hardware_tier_id="tier-1",
            dataset_snapshots=[DatasetSnapshot(Name="sales", Version=2)],
            main_git_repo_ref=GitRef("tags", "v1"),
            dfs_repo_commit_id="abc",
            volume_size_gib=10,
        )
        assert isinstance(counted, JobOutputs)
        return counted.n

    templates = serialize.task_templates(serialize.serialize(flow))
    by_name = {t.id.name: t.custom for t in templates}
    assert by_name["prep"]["environmentName"] == "Python 3.11"
    assert by_name["count"] == {
        **by_name["count"],
        "environmentId": "env-1",
        "environmentRevisionSpec": {
            "_type": "domino.environments.api.SomeRevision",
            "revisionId": "rev-1",
        },
        "hardwareTierId": {"value": "tier-1"},
        "datasetSnapshots": [{"datasetName": "sales", "snapshotVersion": 2}],
        "mainRepoGitRef": {"type": "tags", "value": "v1"},
        "commitId": "abc",
        "volumeSizeGiB": 10.0,
    }


def test_outputs_report_unknown_names():
    @workflow
    def flow() -> int:
        counted = run_domino_job_task(
            "count", "true", output_specs=[Output(name="n", type=int), Output(name="m", type=int)]
        )
        return counted.model

    with pytest.raises(OutputAccessError, match="result.model names no output; outputs are 'n'"):
        flow.compile()


@pytest.mark.parametrize(
    "path", ["relative/x", "/etc/passwd", "/mnt/data/../../etc", "/mnt/database"]
)
def test_custom_paths_must_stay_under_domino_mounts(path):
    with pytest.raises(TaskDefinitionError, match=f"has path '{path}'; custom paths must be"):
        build_domino_job_task(
            "t", "python x.py", inputs=[Input(name="data", type=str, value="v", path=path)]
        )


def test_custom_paths_under_mounts_are_kept():
    task = build_domino_job_task(
        "t",
        "python x.py",
        inputs=[Input(name="data", type=FlyteFile, value="v", path="/mnt/data/raw.csv")],
        output_specs=[Output(name="out", type=FlyteFile, path="/workflow/outputs/out")],
    )
    template = serialize.task_templates(serialize.serialize(task))[0]
    assert paths_in_interface(template.interface.inputs) == {"data": "/mnt/data/raw.csv"}
    assert paths_in_interface(template.interface.outputs) == {"out": "/workflow/outputs/out"}
    assert task.input_paths == {"data": "/mnt/data/raw.csv"}


def test_duplicate_names_are_refused():
    with pytest.raises(TaskDefinitionError, match="task 't': output 'n' is declared twice"):
        build_domino_job_task(
            "t", "x", output_specs=[Output(name="n", type=int), Output(name="n", type=str)]
        )


def test_missing_command_is_refused():
    with pytest.raises(TaskDefinitionError, match="task 't': DominoJobConfig has no Command"):
        build_domino_job_task("t", "")
