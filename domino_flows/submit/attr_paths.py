"""Refuse attribute and index paths that Flyte cannot resolve, before they are registered.

A binding such as ``xs[0]`` or ``point.x`` is registered as a promise with an attribute path; Flyte
resolves it when the node starts: an integer step selects from a list, a string step from a typed
dict, and any path from a dataclass or untyped dict (a struct). A path on a primitive, a file or a
folder is accepted by registration and fails only while the flow runs, so ``submit`` refuses it
here, naming the node, the input and the path.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from domino_flows.runner.attr_paths import attr_path, spelled

_STRUCT = 9  # flyteidl SimpleType.STRUCT


def problems(entities: Iterable[Any]) -> list[str]:
    """One message per binding whose attribute path cannot resolve on its source's type."""
    entities = list(entities)
    interfaces: dict[str, Any] = {}
    for entity in entities:
        kind = type(entity).__name__
        if kind == "TaskSpec":
            interfaces[_key(entity.template.id)] = entity.template.interface
        elif kind == "WorkflowSpec":
            for template in [entity.template, *entity.sub_workflows]:
                interfaces[_key(template.id)] = template.interface
    found: list[str] = []
    for entity in entities:
        if type(entity).__name__ != "WorkflowSpec":
            continue
        for template in [entity.template, *entity.sub_workflows]:
            found.extend(_template_problems(template, interfaces))
    return found


def _key(identifier: Any) -> str:
    return f"{identifier.resource_type}:{identifier.name}"


def _template_problems(template: Any, interfaces: dict[str, Any]) -> Iterator[str]:
    nodes = list(_nodes(template.nodes))
    outputs: dict[str, Any] = {"": template.interface.inputs}
    for node in nodes:
        reference = None
        if node.task_node is not None:
            reference = node.task_node.reference_id
        elif node.workflow_node is not None and node.workflow_node.sub_workflow_ref is not None:
            reference = node.workflow_node.sub_workflow_ref
        interface = interfaces.get(_key(reference)) if reference is not None else None
        if interface is not None:
            outputs[node.id] = interface.outputs
    for node in nodes:
        for binding in node.inputs:
            for promise in _promises(binding.binding):
                path = attr_path(promise)
                variables = outputs.get(promise.node_id)
                if not path or variables is None or promise.var not in variables:
                    continue
                problem = _unresolvable(variables[promise.var].type, path)
                if problem:
                    source = (
                        f"workflow input {promise.var}"
                        if promise.node_id == ""
                        else f"output {promise.var} of node {promise.node_id}"
                    )
                    yield (
                        f"workflow {template.id.name!r}, node {node.id}, input {binding.var!r}: "
                        f"{source}{spelled(path)}: {problem}"
                    )


def _nodes(nodes: Iterable[Any]) -> Iterator[Any]:
    for node in nodes:
        yield node
        branch = node.branch_node
        if branch is not None:
            block = branch.if_else
            inner = [block.case.then_node, *(c.then_node for c in block.other or [])]
            if block.else_node is not None:
                inner.append(block.else_node)
            yield from _nodes(inner)


def _promises(binding: Any) -> Iterator[Any]:
    if binding.promise is not None:
        yield binding.promise
    elif binding.collection is not None:
        for item in binding.collection.bindings:
            yield from _promises(item)
    elif binding.map is not None:
        for item in binding.map.bindings.values():
            yield from _promises(item)


def _unresolvable(literal_type: Any, path: list[str | int]) -> str | None:
    """Why Flyte cannot resolve ``path`` on a value of ``literal_type``, or None."""
    current = literal_type
    for step in path:
        if current.union_type is not None:
            return None  # the value's variant decides at run time
        if current.collection_type is not None:
            if not isinstance(step, int):
                return f"the list is indexed by number, not by {step!r}."
            current = current.collection_type
        elif current.map_value_type is not None:
            if not isinstance(step, str):
                return f"the dict is indexed by key, not by {step!r}."
            current = current.map_value_type
        elif current.simple == _STRUCT:
            return None  # a dataclass or untyped dict: its fields are resolved by value
        else:
            return (
                "a primitive, file or folder has nothing to select from; Flyte resolves "
                "attribute and index paths only on lists, dicts and dataclasses. Pass the "
                "value itself."
            )
    return None
