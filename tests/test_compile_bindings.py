"""Compiling a workflow binds node outputs in the calling thread, and nothing else changes."""

from __future__ import annotations

import asyncio
import typing

import pytest
from flytekit import workflow
from flytekit.core import interface, promise
from flytekit.core.node import Node
from flytekit.models.types import LiteralType, SimpleType

from domino_flows import domino_task
from domino_flows.authoring import compile_bindings
from domino_flows.authoring.loading import FlowLoadError, compile_workflow


@domino_task
def add(a: int, b: int) -> int:
    return a + b


@domino_task
def double(x: int) -> int:
    return 2 * x


def _pipeline(x: int = 3) -> int:
    first = add(a=x, b=1)  # a workflow input and a constant
    second = double(x=first)  # a node output
    return add(a=first, b=second)  # two node outputs


def _shape(wf: typing.Any) -> list[tuple[str, list[tuple[str, str]], list[str]]]:
    """Each node: its id, each input's binding, and the nodes it waits for."""
    shape = []
    for node in wf.nodes:
        bindings = []
        for binding in node.bindings:
            data = binding.binding
            if data.promise is not None:
                source = data.promise.node_id or "inputs"  # the workflow's own inputs
                bindings.append((binding.var, f"{source}.{data.promise.var}"))
            else:
                bindings.append((binding.var, str(data.scalar.primitive.integer)))
        upstream = sorted(n.id for n in node.upstream_nodes)
        shape.append((node.id, sorted(bindings), upstream))
    return shape


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every binding that goes through flytekit's event-loop thread, by value kind."""
    seen: list[str] = []
    original = compile_bindings._flytekit_run_sync

    def counted(function: typing.Any, *args: typing.Any, **kwargs: typing.Any) -> typing.Any:
        if function is promise.binding_data_from_python_std:
            seen.append(type(args[2]).__name__)
        return original(function, *args, **kwargs)

    monkeypatch.setattr(compile_bindings, "_flytekit_run_sync", counted)
    return seen


def test_a_compiled_workflow_is_bound_as_flytekit_binds_it(monkeypatch):
    ours = workflow(_pipeline)
    compile_workflow(ours)
    flytekits = workflow(_pipeline)
    flytekits.compile()  # flytekit's own path, every binding through its loop
    assert _shape(ours) == _shape(flytekits)
    assert _shape(ours) == [
        ("n0", [("a", "inputs.x"), ("b", "1")], []),
        ("n1", [("x", "n0.o0")], ["n0"]),
        ("n2", [("a", "n0.o0"), ("b", "n1.o0")], ["n0", "n1"]),
    ]


def test_only_values_take_flytekits_loop(monkeypatch):
    through_the_loop = _counting(monkeypatch)
    compile_workflow(workflow(_pipeline))
    # five inputs: the workflow input and three node outputs are wired in this thread; the
    # constant is converted by flytekit's type engine on its loop, as before
    assert through_the_loop == ["int"]


def test_each_interface_is_typed_once_per_compile(monkeypatch):
    typed: list[str] = []
    original = compile_bindings._flytekit_typed_interface

    def counted(python_interface, allow_partial_artifact_id_binding=False):
        typed.append(", ".join(python_interface.inputs))
        return original(python_interface, allow_partial_artifact_id_binding)

    monkeypatch.setattr(compile_bindings, "_flytekit_typed_interface", counted)
    # the block puts flytekit's function back from the module's copy: put the real one back after
    monkeypatch.setattr(interface, "transform_interface_to_typed_interface", original)
    compile_workflow(workflow(_pipeline))
    assert sorted(typed) == ["a, b", "x"]  # three nodes, two tasks
    typed.clear()
    compile_workflow(workflow(_pipeline))
    assert sorted(typed) == ["a, b", "x"]  # nothing kept from one compile to the next


def test_flytekits_loop_is_back_after_compiling_even_a_failing_workflow():
    def broken(x: int = 3) -> int:
        return add(a=x, b=1) + 1  # arithmetic on a promise fails while compiling

    with pytest.raises(FlowLoadError, match="fails while flytekit compiles it"):
        compile_workflow(workflow(broken))
    assert promise.run_sync is compile_bindings._flytekit_run_sync
    typing_function = compile_bindings._flytekit_typed_interface
    assert interface.transform_interface_to_typed_interface is typing_function
    assert compile_bindings._typed == {}
    with compile_bindings.inline_promise_bindings():
        with compile_bindings.inline_promise_bindings():
            assert promise.run_sync is compile_bindings._run_sync
        assert promise.run_sync is compile_bindings._run_sync  # the outer block still runs
    assert promise.run_sync is compile_bindings._flytekit_run_sync


def test_a_binding_that_awaits_after_all_is_left_whole_to_flytekit(monkeypatch):
    """Should a flytekit binding of a node output ever await, the half-done call is dropped
    (with the upstream node it listed) and flytekit's loop does all of it, once."""

    async def awaiting_binding(ctx, expected, value, python_type, nodes):
        nodes.append(value.ref.node)
        await asyncio.sleep(0)
        return "bound"

    monkeypatch.setattr(promise, "binding_data_from_python_std", awaiting_binding)
    upstream = Node(id="n0", metadata=None, bindings=[], upstream_nodes=[], flyte_entity=None)
    output = promise.Promise("o0", promise.NodeOutput(node=upstream, var="o0"))
    nodes: list[Node] = []
    literal = LiteralType(simple=SimpleType.INTEGER)
    result = compile_bindings._run_sync(awaiting_binding, None, literal, output, int, nodes)
    assert result == "bound"
    assert nodes == [upstream]
