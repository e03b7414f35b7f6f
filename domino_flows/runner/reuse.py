"""``domino-flows run ... --reuse RUN``: a new run that keeps the finished work of an earlier one.

Inputs the command line does not give are RUN's. The rule, decided before any job starts, node
by node (nested workflows' nodes too):

A node of the new run takes the recorded outputs of the node with the same path in RUN when

1. RUN is a run of the same workflow, and the node finished there;
2. its task is unchanged: the whole flow's definition is the same as RUN's, or else this task's
   definition (name, command, job config, interface) is;
3. every workflow input it is bound to has the same value as in RUN (files and folders by their
   content, not their path); and
4. every node upstream of it is reused too: then the values it receives are exactly RUN's.

Conditionals are never reused (which branch runs is decided as the run goes), so nor is anything
downstream of one. Everything else runs. The code inside a task's function is not part of its
definition (as with ``resume``): a node whose code changed but whose inputs did not is reused; run
without ``--reuse`` (or with ``--no-cache``) to run it again.

A reused node is recorded as ``reused`` with RUN as its source (``show``), as ``resume`` records
the nodes that finished before it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from domino_flows.core.errors import DominoFlowsError
from domino_flows.runner import values
from domino_flows.runner.cached import missing_file
from domino_flows.runner.graph import WORKFLOW_INPUTS, NodeKind, nodes_of
from domino_flows.runner.state import RunMeta

TASK_DIGESTS = "task_digests"  # RunMeta.options key: node path -> digest of its task


class ReuseError(DominoFlowsError):
    """The run named by ``--reuse`` cannot be reused for this run."""


@dataclass
class ReusePlan:
    source_run: str
    nodes: dict[str, bytes] = field(default_factory=dict)  # path -> recorded outputs
    changed_inputs: list[str] = field(default_factory=list)

    def describe(self) -> str:
        changed = ", ".join(self.changed_inputs) or "none"
        return (
            f"reusing {len(self.nodes)} finished node{'s' if len(self.nodes) != 1 else ''} of "
            f"run {self.source_run} (inputs changed: {changed})"
        )


def task_digest(task: Any) -> str:
    """What ``--reuse`` compares of a task: its name, custom settings (command, job config and
    interface for a job task) and its declared interface."""
    parts: dict[str, Any] = {"name": task.name, "type": task.task_type}
    try:
        parts["custom"] = task.get_custom(None)
    except Exception:  # a native task without settings: its interface stands for it
        parts["custom"] = None
    parts["inputs"] = {k: str(v) for k, v in task.python_interface.inputs.items()}
    parts["outputs"] = {k: str(v) for k, v in task.python_interface.outputs.items()}
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def task_digests(workflow: Any) -> dict[str, str]:
    """Node path -> task digest, for every task node (recorded with each run). A task several
    nodes call is digested once: 5,000 nodes of two tasks are two digests."""
    digests: dict[int, str] = {}
    out = {}
    for path, task in _task_nodes(workflow, ""):
        digest = digests.get(id(task))
        if digest is None:
            digest = digests[id(task)] = task_digest(task)
        out[path] = digest
    return out


def node_tasks(workflow: Any) -> dict[str, str]:
    """Node path -> task name, for every task node (so commands take the node ids run prints)."""
    return {path: task.name for path, task in _task_nodes(workflow, "")}


def _task_nodes(workflow: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    for flow_node in nodes_of(workflow):
        path = prefix + flow_node.id
        if flow_node.kind in (NodeKind.JOB, NodeKind.NATIVE):
            yield path, flow_node.entity
        elif flow_node.kind is NodeKind.FAN_OUT:
            yield path, flow_node.entity.task
        elif flow_node.kind is NodeKind.WORKFLOW:
            yield from _task_nodes(flow_node.entity, path + "/")
        elif flow_node.kind is NodeKind.LAUNCH_PLAN:
            yield from _task_nodes(flow_node.entity.workflow, path + "/")


def plan(
    workflow: Any,
    workflow_name: str,
    flow_hash: str,
    inputs: dict[str, Any],
    source: RunMeta,
    finished: dict[str, bytes],
) -> ReusePlan:
    """Which nodes of ``source`` this run takes (see the module's rule)."""
    if source.workflow != workflow_name:
        raise ReuseError(
            f"run {source.run_id} ran {source.workflow!r}, not {workflow_name!r}: --reuse takes "
            "a run of the same workflow."
        )
    same_flow = source.flow_hash == flow_hash
    recorded = source.options.get(TASK_DIGESTS)
    if not same_flow and not isinstance(recorded, dict):
        raise ReuseError(
            f"run {source.run_id} was recorded without its tasks' definitions and "
            f"{workflow_name} changed since, so no task can be shown to be unchanged. Run it "
            "without --reuse."
        )
    old_inputs = values.decode(source.inputs)
    changed = sorted(
        name
        for name in {*inputs, *old_inputs}
        if name not in inputs
        or name not in old_inputs
        or values.digest(inputs[name]) != values.digest(old_inputs[name])
    )
    digests = {} if same_flow else task_digests(workflow)
    result = ReusePlan(source.run_id, changed_inputs=changed)

    def unchanged_task(path: str) -> bool:
        return same_flow or (recorded or {}).get(path) == digests.get(path)

    def scope(wf: Any, prefix: str, changed_here: set[str]) -> bool:
        """Marks the reusable nodes of one workflow; True when all of them are reusable."""
        same: dict[str, bool] = {}
        for flow_node in nodes_of(wf):  # flytekit lists nodes upstream first
            path = prefix + flow_node.id
            bound = _bound_inputs(flow_node.node)
            upstream_same = all(same.get(u, False) for u in flow_node.upstream)
            inputs_same = upstream_same and not (bound & changed_here)
            if flow_node.kind in (NodeKind.WORKFLOW, NodeKind.LAUNCH_PLAN):
                inner = flow_node.entity
                inner = inner.workflow if flow_node.kind is NodeKind.LAUNCH_PLAN else inner
                changed_inner = {
                    b.var
                    for b in flow_node.node.bindings
                    if not upstream_same or _bound_inputs_of(b.binding) & changed_here
                }
                ok = scope(inner, path + "/", changed_inner) and inputs_same
            elif flow_node.kind is NodeKind.BRANCH:
                ok = False
            else:
                ok = inputs_same and unchanged_task(path) and path in finished
                # a result whose files were deleted since (runs prune) cannot be taken
                ok = ok and missing_file(values.decode(finished[path]).values()) is None
                if ok:
                    result.nodes[path] = finished[path]
            same[flow_node.id] = ok
        return all(same.values())

    scope(workflow, "", set(changed))
    return result


def _bound_inputs(node: Any) -> set[str]:
    out: set[str] = set()
    for binding in node.bindings:
        out |= _bound_inputs_of(binding.binding)
    return out


def _bound_inputs_of(data: Any) -> set[str]:
    """The names of the workflow inputs a binding reads."""
    if data.promise is not None:
        return {data.promise.var} if data.promise.node_id == WORKFLOW_INPUTS else set()
    if data.collection is not None:
        return set().union(*(_bound_inputs_of(b) for b in data.collection.bindings))
    if data.map is not None:
        return set().union(*(_bound_inputs_of(b) for b in data.map.bindings.values()))
    return set()
