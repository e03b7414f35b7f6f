"""DominoJobTask: definition-time validation and the serialized task template."""

import base64
import datetime as dt

import pytest
from flyteidl.core import interface_pb2
from flytekit.models.interface import TypedInterface, VariableMap
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile

from domino_flows import DominoJobConfig, DominoJobTask
from domino_flows.authoring import serialize
from domino_flows.core.errors import TaskDefinitionError
from domino_flows.file import paths_in_interface


def make(**overrides):
    arguments = {
        "name": "train",
        "domino_job_config": DominoJobConfig(Command="python train.py"),
        "inputs": {"rows": int},
        "outputs": {"model": FlyteFile},
    }
    arguments.update(overrides)
    return DominoJobTask(**arguments)


def template_of(task):
    (template,) = serialize.task_templates(serialize.serialize(task))
    return template


def test_serializes_as_domino_job_with_interfaces():
    task = make(
        domino_job_config=DominoJobConfig(
            Command="python train.py", EnvironmentName="GPU", HardwareTierName="Large"
        ),
        inputs={"rows": int, "data": FlyteFile},
        outputs={"model": FlyteFile, "score": float},
    )
    template = template_of(task)
    assert template.type == "domino_job"
    custom = template.custom
    assert custom["command"] == "python train.py"
    assert custom["environmentName"] == "GPU"
    assert custom["hardwareTierName"] == "Large"
    variables = interface_pb2.VariableMap()
    variables.ParseFromString(base64.b64decode(custom["inputInterfaceBase64"]))
    assert set(VariableMap.from_flyte_idl(variables).variables) == {"rows", "data"}
    typed = interface_pb2.TypedInterface()
    typed.ParseFromString(base64.b64decode(custom["inputOutputInterfaceBase64"]))
    parsed = TypedInterface.from_flyte_idl(typed)
    assert set(parsed.outputs) == {"model", "score"}
    assert set(parsed.inputs) == {"rows", "data"}


def test_interface_fields_only_when_there_are_inputs_or_outputs():
    custom = template_of(make(name="noop", inputs={}, outputs={})).custom
    assert "inputInterfaceBase64" not in custom
    assert "inputOutputInterfaceBase64" not in custom
    custom = template_of(make(name="source", inputs={}, outputs={"n": int})).custom
    assert "inputInterfaceBase64" not in custom
    assert "inputOutputInterfaceBase64" in custom


def test_cache_retries_and_timeout_go_to_task_metadata():
    task = make(cache=True, cache_version="2", retries=3, timeout=dt.timedelta(minutes=30))
    metadata = template_of(task).metadata
    assert metadata.discoverable is True
    assert metadata.discovery_version.startswith("2-")
    assert metadata.retries.retries == 3
    assert metadata.timeout == dt.timedelta(minutes=30)


def test_default_timeout_is_three_hours():
    assert template_of(make()).metadata.timeout == dt.timedelta(hours=3)


def test_cache_version_follows_dominos_rule():
    def version(**config):
        base = {"Command": "python train.py"}
        base.update(config)
        return make(
            domino_job_config=DominoJobConfig(**base), cache=True, cache_version="1"
        ).metadata.cache_version

    plain = version()
    # where the job runs, its volume and title do not change what it computes
    assert version(HardwareTierName="Large") == plain
    assert version(Title="nightly") == plain
    assert version(VolumeSizeGiB=50) == plain
    # what it runs and on what does
    assert version(Command="python train.py --fast") != plain
    assert version(EnvironmentName="GPU") != plain
    assert version(CommitId="abc") != plain
    bumped = make(cache=True, cache_version="2").metadata.cache_version
    assert bumped != plain
    other_interface = make(inputs={"rows": float}, cache=True, cache_version="1")
    assert other_interface.metadata.cache_version != plain


def test_use_latest_and_paths_are_recorded():
    template = template_of(make(use_latest=True, input_paths={"rows": "/mnt/data/rows"}))
    assert template.custom["useLatest"] is True
    assert paths_in_interface(template.interface.inputs) == {"rows": "/mnt/data/rows"}
    assert "inputPaths" not in template.custom


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"outputs": {"rows": list[int]}},
            "task 'train': output 'rows' is a list[int]; Domino Flows outputs can only be "
            "primitives",
        ),
        ({"outputs": {"table": dict}}, "task 'train': output 'table' is a dict"),
        ({"outputs": {"scores": dict[str, float]}}, "output 'scores' is a dict[str, float]"),
        ({"inputs": {"../secrets": int}}, "input name '../secrets' is not a Python identifier"),
        ({"inputs": {"a/b": int}}, "input name 'a/b' is not a Python identifier"),
        ({"outputs": {"my output": int}}, "output name 'my output' is not a Python identifier"),
        ({"outputs": {"_ERROR": str}}, "output name '_ERROR' is reserved"),
        ({"inputs": {"things": set}}, "task 'train': input 'things': set cannot travel"),
        ({"cache": True}, "cache=True needs a cache_version"),
        ({"retries": -1}, "retries is -1; use 0 or more"),
        (
            {"cache": True, "cache_version": "1", "cache_ignore_input_vars": ("seed",)},
            "cache_ignore_input_vars names 'seed', which is not an input; inputs are rows",
        ),
        ({"domino_job_config": {"Command": "x"}}, "domino_job_config must be a DominoJobConfig"),
        ({"domino_job_config": DominoJobConfig()}, "task 'train': DominoJobConfig has no Command"),
        ({"name": ""}, "DominoJobTask needs a non-empty name"),
    ],
)
def test_definition_errors(overrides, message):
    with pytest.raises(TaskDefinitionError) as raised:
        make(**overrides)
    assert message in str(raised.value)


def test_directory_outputs_and_rich_inputs_are_accepted():
    task = make(
        inputs={
            "params": dict,
            "xs": list[int],
            "by_key": dict[str, int],
            "folder": FlyteDirectory,
        },
        outputs={"plots": FlyteDirectory, "when": dt.datetime, "took": dt.timedelta},
    )
    assert set(task.python_interface.outputs) == {"plots", "when", "took"}


def test_importing_the_kit_before_flytekit_works():
    # flytekit loads the connector plugin while it is still importing; the connector must not
    # need a half-imported domino_flows.authoring.task (a circular import users hit in new
    # projects).
    import subprocess
    import sys

    for name in ("DominoJobTask", "run_domino_job_task", "domino_task"):
        code = f"from domino_flows import {name}; print({name}.__name__)"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == name
