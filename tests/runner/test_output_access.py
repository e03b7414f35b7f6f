"""Outputs read as Domino's flows read them, run end to end on the local backend."""

import pytest
from runner_helpers import run_json


@pytest.mark.slow
def test_unpacking_gives_each_output_in_declared_order(project):
    result, document = run_json("output_access.py", "unpacked")
    assert result.exit_code == 0, result.output
    # a dict of outputs would unpack to the names 'a', 'b', 'c': never a value's place
    assert document["outputs"] == {"o0": "hellobigworldfirstthird46", "o1": "second", "o2": "third"}


@pytest.mark.slow
def test_one_output_is_itself_its_name_and_its_key(project):
    result, document = run_json("output_access.py", "single", "--input", "n=2")
    assert result.exit_code == 0, result.output
    # first = 3; second = 3 + 3 + 3 = 9; bounds(9).high = 10
    assert document["outputs"] == {"o0": 10}


@pytest.mark.slow
def test_index_key_and_field_paths_resolve_as_flyte_does(project):
    result, document = run_json("output_access.py", "paths")
    assert result.exit_code == 0, result.output
    assert document["outputs"] == {"o0": "4697p20"}


def test_a_path_that_does_not_resolve_fails_the_node_naming_it(project):
    result, document = run_json("output_access.py", "out_of_range")
    assert result.exit_code == 1
    failed = [t for t in document["tasks"] if t["state"] == "failed"]
    assert len(failed) == 1
    assert "workflow input xs[3] is out of range: the list has 1 items." in failed[0]["error"]


def _literal(value, python_type):
    from flytekit.core.context_manager import FlyteContextManager
    from flytekit.core.type_engine import TypeEngine

    return TypeEngine.to_literal(
        FlyteContextManager.current_context(),
        value,
        python_type,
        TypeEngine.to_literal_type(python_type),
    )


@pytest.mark.parametrize(
    ("value", "python_type", "path", "message"),
    [
        ({"a": 1}, dict[str, int], ["b"], "input d has no key 'b'; its keys are 'a'."),
        ([1, 2], list[int], ["x"], "input d is a list; select an item by index, not 'x'."),
        (3, int, ["x"], "input d is a single value (int), which has nothing to select"),
        ({"a": [1]}, dict[str, list[int]], ["a", 0, 1], "input d['a'][0] is a single value"),
        ({"a": {"b": 1}}, dict, ["a", "c"], "input d['a'] has no attribute or item 'c'."),
    ],
)
def test_paths_that_do_not_resolve_say_where(value, python_type, path, message):
    from domino_flows.runner.attr_paths import AttrPathError, select

    with pytest.raises(AttrPathError) as raised:
        select(_literal(value, python_type), path, "input d")
    assert message in str(raised.value)


def test_a_field_of_an_untyped_dict_resolves_to_its_value():
    import msgpack

    from domino_flows.runner.attr_paths import select

    # flytekit 1.16 writes an untyped dict as msgpack bytes; the field stays msgpack, as Flyte does
    found = select(_literal({"a": {"b": "x"}}, dict), ["a", "b"], "input d")
    assert found.scalar.binary.tag == "msgpack"
    assert msgpack.loads(found.scalar.binary.value) == "x"
