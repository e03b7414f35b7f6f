"""Resolve a node's input bindings to literals, and evaluate ``conditional`` branches.

A binding is a literal, a collection or map of bindings, or a promise: ``(node id, output name)``,
where node id ``""`` means the workflow's own inputs. Values stay Flyte literals here; only a
task's execution turns them into Python values.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from domino_flows.core.errors import DominoFlowsError
from domino_flows.runner.attr_paths import attr_path, select
from domino_flows.runner.graph import WORKFLOW_INPUTS

# outputs of each finished node of a scope, and the scope's inputs under WORKFLOW_INPUTS
Results = Mapping[str, Mapping[str, Any]]


class BindingError(DominoFlowsError):
    """A binding refers to something that does not exist (a bug in the flow or the runner)."""


def resolve(binding_data: Any, results: Results) -> Any:
    from flytekit.models import literals

    if binding_data.scalar is not None:
        return literals.Literal(scalar=binding_data.scalar)
    if binding_data.collection is not None:
        items = [resolve(b, results) for b in binding_data.collection.bindings]
        return literals.Literal(collection=literals.LiteralCollection(literals=items))
    if binding_data.map is not None:
        entries = {k: resolve(b, results) for k, b in binding_data.map.bindings.items()}
        return literals.Literal(map=literals.LiteralMap(literals=entries))
    if binding_data.promise is not None:
        reference = binding_data.promise
        value = _output(results, reference.node_id, reference.var)
        path = attr_path(reference)
        return select(value, path, _described(reference.node_id, reference.var)) if path else value
    raise BindingError(f"binding {binding_data} has no value")


def _output(results: Results, node_id: str, var: str) -> Any:
    outputs = results.get(node_id)
    if outputs is None or var not in outputs:
        where = "workflow input" if node_id == WORKFLOW_INPUTS else f"output of node {node_id}"
        raise BindingError(f"{where} {var!r} is not available")
    return outputs[var]


def _described(node_id: str, var: str) -> str:
    if node_id == WORKFLOW_INPUTS:
        return f"workflow input {var}"
    return f"output {var} of node {node_id}"


def source(binding_data: Any, sources: dict[str, dict[str, str]]) -> str | None:
    """The lineage dataset a binding reads: an upstream output's or a workflow input's name, ""
    for a constant, None when it is not one dataset (a list or map of bindings) or unknown."""
    if binding_data.scalar is not None:
        return ""
    if binding_data.promise is not None:
        reference = binding_data.promise
        return sources.get(reference.node_id, {}).get(reference.var)
    return None


def node_input_sources(node: Any, sources: dict[str, dict[str, str]]) -> dict[str, str]:
    """The known lineage datasets of a flytekit Node's inputs, by input name."""
    found = {b.var: source(b.binding, sources) for b in node.bindings}
    return {name: dataset for name, dataset in found.items() if dataset is not None}


def resolve_node_inputs(node: Any, results: Results) -> dict[str, Any]:
    """Literal inputs of a flytekit Node, by input name."""
    return {b.var: resolve(b.binding, results) for b in node.bindings}


# --- conditionals --------------------------------------------------------------------------------

_COMPARISONS: dict[int, Callable[[Any, Any], bool]] = {
    0: operator.eq,
    1: operator.ne,
    2: operator.gt,
    3: operator.ge,
    4: operator.lt,
    5: operator.le,
}


def choose_branch(branch: Any, results: Results) -> Any:
    """The flytekit Node a ``conditional`` takes, or a BranchTakenNoneError for ``fail``."""
    block = branch._ifelse_block
    for case in [block.case, *(block.other or [])]:
        if _evaluate(case.condition, results):
            return case.then_node
    if block.else_node is not None:
        return block.else_node
    message = block.error.message if block.error is not None else "no branch matched"
    raise BranchFailedError(f"conditional {branch.name!r}: {message}")


class BranchFailedError(DominoFlowsError):
    """A ``conditional`` ended in ``.fail(...)`` or matched no case."""


def _evaluate(expression: Any, results: Results) -> bool:
    if expression.conjunction is not None:
        conjunction = expression.conjunction
        left = _evaluate(conjunction.left_expression, results)
        # AND is 0, OR is 1 in flyteidl
        if conjunction.operator == 0:
            return left and _evaluate(conjunction.right_expression, results)
        return left or _evaluate(conjunction.right_expression, results)
    comparison = expression.comparison
    left = _operand(comparison.left_value, results)
    right = _operand(comparison.right_value, results)
    return _COMPARISONS[comparison.operator](left, right)


def _operand(operand: Any, results: Results) -> Any:
    if operand.primitive is not None:
        return operand.primitive.value
    if operand.scalar is not None:
        return _python(operand.scalar)
    node_id, _, var = operand.var.partition(".")
    return _python(_output(results, node_id, var).scalar)


def _python(scalar: Any) -> Any:
    if scalar is None:
        return None
    if scalar.primitive is not None:
        return scalar.primitive.value
    if scalar.none_type is not None:
        return None
    raise BindingError(f"conditions compare primitive values; got {scalar}")
