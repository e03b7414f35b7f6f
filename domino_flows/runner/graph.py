"""The workflow graph the runner executes, read from what flytekit compiled.

flytekit compiles a ``@workflow`` into nodes whose inputs are bindings: literals, or promises on a
workflow input (node id ``""``) or on another node's output. The runner keeps that structure and
only classifies each node by how it runs. Constructs it cannot run are refused here, before any job
starts.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from domino_flows.core.errors import DominoFlowsError

WORKFLOW_INPUTS = ""  # flytekit's node id for the workflow's own inputs


class UnsupportedFlowError(DominoFlowsError):
    """The flow uses a construct the runner cannot execute."""


class NodeKind(str, enum.Enum):
    JOB = "job"  # a Domino job task: runs on the backend
    NATIVE = "native"  # a plain flytekit @task: runs in this process (Domino Flows will not run it)
    WORKFLOW = "workflow"  # a subworkflow
    LAUNCH_PLAN = "launch_plan"  # a launch plan called inside a workflow
    BRANCH = "branch"  # conditional(...)
    FAN_OUT = "fan_out"  # a job task mapped over lists
    GATE = "gate"  # approve, sleep, wait_for_input (runner/gates.py)


@dataclass(frozen=True)
class FlowNode:
    id: str
    kind: NodeKind
    entity: Any
    node: Any  # flytekit's Node: bindings, upstream nodes

    @property
    def name(self) -> str:
        return getattr(self.entity, "name", self.id)

    @property
    def task(self) -> Any:
        """The task a job node runs or a fan-out node maps; any other node's entity itself."""
        return self.entity.task if self.kind is NodeKind.FAN_OUT else self.entity

    @property
    def upstream(self) -> list[str]:
        # flytekit keeps upstream nodes in a set; a stable order keeps graphs and logs stable
        return sorted((n.id for n in self.node.upstream_nodes), key=_natural)


def _natural(node_id: str) -> tuple[str, int]:
    prefix = node_id.rstrip("0123456789")
    digits = node_id[len(prefix) :]
    return prefix, int(digits) if digits else -1


def classify(entity: Any, where: str) -> NodeKind:
    from flytekit.core.base_task import PythonTask
    from flytekit.core.condition import BranchNode
    from flytekit.core.launch_plan import LaunchPlan
    from flytekit.core.python_function_task import PythonFunctionTask
    from flytekit.core.workflow import WorkflowBase

    from domino_flows.authoring.fanout import DominoFanOut
    from domino_flows.authoring.task import DominoJobTask
    from domino_flows.runner.gates import is_gate

    if isinstance(entity, DominoFanOut):
        return NodeKind.FAN_OUT
    if is_gate(entity):
        return NodeKind.GATE
    if isinstance(entity, DominoJobTask):
        return NodeKind.JOB
    if isinstance(entity, BranchNode):
        return NodeKind.BRANCH
    if isinstance(entity, WorkflowBase):
        return NodeKind.WORKFLOW
    if isinstance(entity, LaunchPlan):
        return NodeKind.LAUNCH_PLAN
    if isinstance(entity, PythonFunctionTask):
        mode = entity.execution_mode
        if mode != PythonFunctionTask.ExecutionBehavior.DEFAULT:
            raise UnsupportedFlowError(
                f"{where}: task {entity.name!r} is a @{mode.name.lower()} task; Domino Flows does "
                "not run dynamic or eager workflows. Express the graph statically in a @workflow."
            )
        return NodeKind.NATIVE
    if isinstance(entity, PythonTask):
        raise UnsupportedFlowError(
            f"{where}: task {entity.name!r} is a {type(entity).__name__} ({entity.task_type}); the "
            "runner runs Domino job tasks, subworkflows, launch plans, conditionals, fan-outs and "
            "plain @task functions. Use @domino_task or DominoJobTask."
        )
    raise UnsupportedFlowError(
        f"{where}: node of type {type(entity).__name__} cannot be run by domino-flows."
    )


def nodes_of(workflow: Any) -> list[FlowNode]:
    """The workflow's nodes, classified; nested ones are checked too, so nothing fails later."""
    from flytekit.core.workflow import WorkflowBase

    if not isinstance(workflow, WorkflowBase):
        raise UnsupportedFlowError(not_a_workflow(workflow))
    nodes = []
    for node in compiled_nodes(workflow):
        kind = classify(node.flyte_entity, f"workflow {workflow.name!r}, node {node.id}")
        nodes.append(FlowNode(node.id, kind, node.flyte_entity, node))
        check_nested(nodes[-1], workflow.name)
    return nodes


def compiled_nodes(workflow: Any) -> list[Any]:
    """The workflow's nodes; flytekit compiles on first access, and a binding it refuses (a task
    with no outputs passed on, a type mismatch) becomes one line naming the workflow."""
    from flytekit.exceptions.user import FlyteUserException

    from domino_flows.authoring.loading import compile_workflow

    try:
        compile_workflow(workflow)
        return list(workflow.nodes)
    except FlyteUserException as error:
        message = str(error).split("error=", 1)[-1].split(", cause=", 1)[0]
        raise UnsupportedFlowError(
            f"workflow {workflow.name!r} does not compile: {message}"
        ) from None


def not_a_workflow(entity: Any) -> str:
    """Why ``entity`` cannot be run as a workflow, and which names in its file can."""
    import sys

    from flytekit.core.base_task import PythonTask
    from flytekit.core.launch_plan import LaunchPlan
    from flytekit.core.workflow import WorkflowBase

    name = getattr(entity, "name", None) or type(entity).__name__
    if not isinstance(entity, PythonTask):
        return f"{name!r} is a {type(entity).__name__}, not a workflow or launch plan."
    module = sys.modules.get(getattr(entity, "instantiated_in", "") or "")
    runnable = sorted(
        key
        for key, value in (vars(module).items() if module is not None else ())
        if isinstance(value, (WorkflowBase, LaunchPlan))
    )
    return (
        f"{name!r} is a task, not a workflow: give the name of a @workflow (or launch plan) that "
        f"calls it; this file's workflows: {', '.join(runnable) or 'none'}."
    )


def check_nested(flow_node: FlowNode, workflow_name: str) -> None:
    if flow_node.kind is NodeKind.WORKFLOW:
        nodes_of(flow_node.entity)
    elif flow_node.kind is NodeKind.LAUNCH_PLAN:
        nodes_of(flow_node.entity.workflow)
    elif flow_node.kind is NodeKind.BRANCH:
        for then_node in branch_targets(flow_node.entity):
            kind = classify(then_node.flyte_entity, f"workflow {workflow_name!r}, {flow_node.id}")
            check_nested(FlowNode(then_node.id, kind, then_node.flyte_entity, then_node), "")


def branch_targets(branch: Any) -> list[Any]:
    block = branch._ifelse_block
    targets = [block.case.then_node, *(case.then_node for case in block.other or [])]
    if block.else_node is not None:
        targets.append(block.else_node)
    return targets


def walk(workflow: Any, prefix: str = "") -> list[tuple[str, FlowNode]]:
    """Every node, nested ones included, with its path (``n1/n0`` for a subworkflow's node)."""
    out = []
    for flow_node in nodes_of(workflow):
        path = f"{prefix}{flow_node.id}"
        out.append((path, flow_node))
        if flow_node.kind is NodeKind.WORKFLOW:
            out.extend(walk(flow_node.entity, path + "/"))
        elif flow_node.kind is NodeKind.LAUNCH_PLAN:
            out.extend(walk(flow_node.entity.workflow, path + "/"))
    return out
