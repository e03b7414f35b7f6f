"""@domino_task: a typed function becomes a Domino job task and stays a plain function."""

import datetime as dt
from typing import NamedTuple

import pytest
from flytekit import workflow
from flytekit.types.file import FlyteFile

from domino_flows import domino_task
from domino_flows.authoring import serialize
from domino_flows.authoring.decorators import DominoFunctionTask, job_target
from domino_flows.core.errors import TaskDefinitionError


@domino_task(environment="Python 3.11", hardware_tier="Small", retries=2)
def add(a: int, b: int = 2) -> int:
    return a + b


class Split(NamedTuple):
    train: float
    test: float


@domino_task(environment="GPU", hardware_tier_id="tier-gpu", cache=True, cache_version="3")
def split(ratio: float) -> Split:
    return Split(train=ratio, test=1 - ratio)


def test_decorated_function_is_a_domino_job_task():
    assert isinstance(add, DominoFunctionTask)
    assert add.name == "tests.test_decorators.add"
    config = add.domino_job_config
    assert config.Command == "python -m domino_flows.entrypoint tests/test_decorators.py:add"
    assert config.EnvironmentName == "Python 3.11"
    assert config.HardwareTierName == "Small"
    assert add.metadata.retries == 2
    assert add.metadata.timeout == dt.timedelta(hours=3)


def test_called_outside_a_workflow_it_is_the_plain_function():
    assert add(1) == 3
    assert add(a=1, b=5) == 6
    assert split(0.8) == Split(0.8, pytest.approx(0.2))
    assert add.__name__ == "add"
    assert add.__doc__ is None


def test_called_inside_a_workflow_it_makes_job_nodes():
    @workflow
    def flow(x: int) -> float:
        add(a=x)
        parts = split(ratio=0.5)
        return parts.train

    entities = serialize.to_dicts(serialize.serialize(flow))
    kinds = [e["kind"] for e in entities]
    assert kinds.count("TaskSpec") == 2
    templates = [e["spec"]["template"] for e in entities if e["kind"] == "TaskSpec"]
    assert {t["type"] for t in templates} == {"domino_job"}
    split_template = next(t for t in templates if t["id"]["name"].endswith(".split"))
    assert split_template["custom"]["hardwareTierId"] == {"value": "tier-gpu"}
    assert split_template["metadata"]["discoverable"] is True


def test_defaults_become_interface_defaults():
    assert add.python_interface.inputs_with_defaults["b"] == (int, 2)


def test_output_names_follow_flytekit():
    assert list(add.python_interface.outputs) == ["o0"]
    assert list(split.python_interface.outputs) == ["train", "test"]


def test_missing_annotation_is_refused():
    def untyped(a) -> int:
        return a

    untyped.__qualname__ = "untyped"
    with pytest.raises(TaskDefinitionError, match="input 'a' has no type annotation"):
        domino_task(untyped)


def test_nested_functions_are_refused():
    with pytest.raises(TaskDefinitionError, match="is defined inside another function"):

        @domino_task
        def inner(a: int) -> int:
            return a


def test_list_outputs_are_refused_at_definition():
    def listing(n: int) -> list[int]:
        return list(range(n))

    listing.__qualname__ = "listing"
    with pytest.raises(TaskDefinitionError) as raised:
        domino_task(listing)
    assert "task 'tests.test_decorators.listing': output 'o0' is a list[int]" in str(raised.value)


def test_file_outputs_are_accepted():
    def make_file(n: int) -> FlyteFile:
        return FlyteFile("x")

    make_file.__qualname__ = "make_file"
    task = domino_task(hardware_tier="Small")(make_file)
    assert task.target == "tests/test_decorators.py:make_file"


def test_installed_modules_are_addressed_by_module_name():
    import json

    module, target = job_target(json.dumps)
    assert (module, target) == ("json", "json:dumps")


def test_a_target_follows_the_project_root_setting_even_after_the_file_was_placed(
    tmp_path, monkeypatch
):
    """Where a file sits in its project is remembered per file; the project-root setting is part
    of what is remembered, so setting it still moves the target."""
    import importlib.util

    project = tmp_path / "proj"
    (project / "flows").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "p"\n')
    source = project / "flows" / "pipeline.py"
    source.write_text("def train(x: int) -> int:\n    return x\n")
    spec = importlib.util.spec_from_file_location("pipeline_for_targets", source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    monkeypatch.delenv("DOMINO_FLOWS_PROJECT_ROOT", raising=False)
    assert job_target(module.train) == ("flows.pipeline", "flows/pipeline.py:train")
    monkeypatch.setenv("DOMINO_FLOWS_PROJECT_ROOT", str(project / "flows"))
    assert job_target(module.train) == ("pipeline", "pipeline.py:train")
    monkeypatch.setenv("DOMINO_FLOWS_PROJECT_ROOT", str(tmp_path / "elsewhere"))
    assert job_target(module.train) == ("pipeline_for_targets", "pipeline_for_targets:train")
    monkeypatch.delenv("DOMINO_FLOWS_PROJECT_ROOT")
    assert job_target(module.train) == ("flows.pipeline", "flows/pipeline.py:train")


def _returns_a_value(n: int):
    if n:
        return n + 1
    return None


def _returns_nothing(n: int):
    def helper() -> int:  # a nested function's return is its own
        return n

    if n:
        return
    print(helper())
    return None


def test_a_value_returned_without_a_return_annotation_is_refused_where_it_is_returned():
    with pytest.raises(TaskDefinitionError) as raised:
        domino_task(_returns_a_value)
    line = _returns_a_value.__code__.co_firstlineno + 2
    assert str(raised.value) == (
        f"task 'tests.test_decorators._returns_a_value' ({__file__}:{line}) returns a value but "
        "has no return annotation, so it would have no outputs; declare what it returns, e.g. "
        "def _returns_a_value(...) -> int, or a NamedTuple to name several outputs."
    )


def test_no_return_annotation_is_fine_when_nothing_is_returned():
    task = domino_task(_returns_nothing)
    assert dict(task.python_interface.outputs) == {}
