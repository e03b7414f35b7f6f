"""Task outputs read the way Domino's flows read them (domino_flows.authoring.outputs), checked
at compile."""

from typing import NamedTuple

import pytest
from flytekit import task, workflow

from domino_flows import (
    DominoJobConfig,
    DominoJobTask,
    Input,
    Output,
    domino_task,
    run_domino_job_task,
)
from domino_flows.authoring import serialize
from domino_flows.authoring.outputs import JobOutput, JobOutputs, OutputAccessError
from domino_flows.submit import attr_paths

one = DominoJobTask("one", DominoJobConfig(Command="true"), outputs={"out": int})
three = DominoJobTask(
    "three", DominoJobConfig(Command="true"), outputs={"a": str, "b": str, "c": str}
)
takes = DominoJobTask("takes", DominoJobConfig(Command="true"), inputs={"v": int, "w": int})


class Pair(NamedTuple):
    low: int
    high: int


@domino_task
def bounds(x: int) -> Pair:
    return Pair(x - 1, x + 1)


def _bindings(flow):
    flow.compile()
    return {
        (node.flyte_entity.name, b.var): b.binding.promise
        for node in flow.nodes
        for b in node.bindings
        if b.binding.promise is not None
    }


def test_one_output_its_name_and_its_key_are_the_same_output_with_no_path():
    @workflow
    def flow() -> int:
        r = one()
        s = run_domino_job_task("helper", "true", output_specs=[Output("out", int)])
        takes(v=r.out, w=r["out"])
        takes(v=s, w=s["out"])
        return s.out

    found = _bindings(flow)
    assert {(p.var, tuple(p.attr_path)) for p in found.values()} == {("out", ())}
    assert flow.output_bindings[0].binding.promise.attr_path == []


def test_several_outputs_unpack_in_declared_order_for_every_kind_of_task():
    seen = {}

    @workflow
    def flow() -> None:
        a, b, c = three()
        x, y, z = run_domino_job_task(
            "helper", "true", output_specs=[Output("x", str), Output("y", str), Output("z", str)]
        )
        low, high = bounds(x=1)
        seen.update(abc=(a, b, c), xyz=(x, y, z), bounds=(low, high))

    flow.compile()
    assert [p.var for p in seen["abc"]] == ["a", "b", "c"]
    assert [p.var for p in seen["xyz"]] == ["x", "y", "z"]
    assert [p.var for p in seen["bounds"]] == ["low", "high"]
    assert all(isinstance(p, JobOutput) for group in seen.values() for p in group)


def test_several_outputs_by_name_key_and_position():
    seen = {}

    @workflow
    def flow() -> None:
        r = three()
        seen.update(r=r, forms=[r.b, r["b"], r[1], r[-2]])

    flow.compile()
    assert isinstance(seen["r"], JobOutputs)
    assert seen["r"].names == ("a", "b", "c")
    assert {(p.var, tuple(p.attr_path)) for p in seen["forms"]} == {("b", ())}


@pytest.mark.parametrize(
    ("read", "message"),
    [
        (lambda r: r.outt, "task 'one': result.outt names no output; the task's one output is"),
        (lambda r: r[0], "task 'one': result[0] names no output"),
        (lambda r: r.out.x, "task 'one': result.x names no output"),
    ],
)
def test_reading_what_a_one_output_task_does_not_have_is_refused(read, message):
    @workflow
    def flow() -> None:
        takes(v=read(one()), w=1)

    with pytest.raises(OutputAccessError, match=message.replace("[", r"\[").replace("]", r"\]")):
        flow.compile()


@pytest.mark.parametrize(
    ("read", "message"),
    [
        (lambda r: r.d, r"task 'three': result.d names no output; outputs are 'a', 'b', 'c'"),
        (lambda r: r["d"], r"task 'three': result\['d'\] names no output"),
        (lambda r: r[3], r"task 'three': result\[3\] is out of range; the task has 3 outputs"),
        (lambda r: r.a.x, r"output 'a' is a single value .* so a.x selects nothing"),
    ],
)
def test_reading_what_a_several_output_task_does_not_have_is_refused(read, message):
    @workflow
    def flow() -> None:
        takes(v=read(three()), w=1)

    with pytest.raises(OutputAccessError, match=message):
        flow.compile()


def test_unpacking_into_too_few_names_is_refused_when_the_flow_compiles(tmp_path):
    from domino_flows.authoring.loading import FlowLoadError, compile_workflow

    @workflow
    def flow() -> None:
        _a, _b = three()

    with pytest.raises(FlowLoadError, match="too many values to unpack"):
        compile_workflow(flow)


def test_outside_a_workflow_a_domino_task_is_the_plain_function():
    assert bounds(x=3) == Pair(2, 4)


@task
def numbers() -> list[int]:
    return [1]


@task
def count() -> int:
    return 1


def test_submit_refuses_paths_flyte_cannot_resolve():
    @workflow
    def flow(xs: list[int] = [1], n: int = 1) -> None:  # noqa: B006
        takes(v=xs[0], w=numbers()[0])  # lists index: registered
        takes(v=count().total, w=n)  # a path on an int: refused

    entities = serialize.serialize(flow)
    problems = attr_paths.problems(entities)
    assert len(problems) == 1
    assert (
        "node n3, input 'v': output o0 of node n2['total']: a primitive, file or folder"
        in (problems[0])
    )


def test_submit_refuses_a_key_on_a_list():
    @workflow
    def keyed(xs: list[int] = [1]) -> None:  # noqa: B006
        takes(v=xs["first"], w=1)

    problems = attr_paths.problems(serialize.serialize(keyed))
    assert problems == [
        "workflow 'tests.test_outputs.keyed', node n0, input 'v': workflow input xs['first']: "
        "the list is indexed by number, not by 'first'."
    ]


def test_kit_outputs_register_no_path():
    @workflow
    def kit_outputs() -> int:
        r = run_domino_job_task("helper", "true", output_specs=[Output("out", int)])
        takes(v=r.out, w=three()[0].a)
        return r["out"]

    assert attr_paths.problems(serialize.serialize(kit_outputs)) == []


def test_input_value_of_a_one_output_result():
    @workflow
    def flow(n: int = 1) -> int:
        first = run_domino_job_task(
            "first", "true", inputs=[Input("n", int, n)], output_specs=[Output("out", int)]
        )
        return run_domino_job_task(
            "second", "true", inputs=[Input("n", int, first)], output_specs=[Output("out", int)]
        )

    found = _bindings(flow)
    assert found[("second", "n")].var == "out"
    assert found[("second", "n")].attr_path == []
