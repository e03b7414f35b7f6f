"""``domino-flows graph``: a workflow's DAG as text, Mermaid or Graphviz dot, with each job task's
environment and hardware tier."""

from __future__ import annotations

from typing import Any

from domino_flows.runner.graph import FlowNode, NodeKind, branch_targets, nodes_of


def _label(node: FlowNode) -> str:
    if node.kind in (NodeKind.JOB, NodeKind.FAN_OUT):
        task = node.task
        config = task.domino_job_config
        environment = config.EnvironmentName or config.EnvironmentId or "project default"
        tier = config.HardwareTierName or config.HardwareTierId or "project default"
        prefix = "fan-out " if node.kind is NodeKind.FAN_OUT else ""
        return f"{prefix}{task.name} [{environment} / {tier}]"
    if node.kind is NodeKind.NATIVE:
        return f"{node.name} [plain @task: not run by Domino Flows]"
    if node.kind is NodeKind.BRANCH:
        options = ", ".join(t.flyte_entity.name for t in branch_targets(node.entity))
        return f"conditional {node.entity.name} -> {options}"
    if node.kind is NodeKind.LAUNCH_PLAN:
        return f"launch plan {node.name}"
    return f"subworkflow {node.name}"


def _edges(workflow: Any) -> tuple[list[FlowNode], list[tuple[str, str]]]:
    nodes = nodes_of(workflow)
    edges = [(upstream, node.id) for node in nodes for upstream in node.upstream if upstream]
    return nodes, edges


def draw(workflow: Any, fmt: str) -> str:
    nodes, edges = _edges(workflow)
    if fmt == "mermaid":
        lines = ["flowchart TD"]
        lines += [f'    {n.id}["{_label(n)}"]' for n in nodes]
        lines += [f"    {a} --> {b}" for a, b in edges]
        return "\n".join(lines)
    if fmt == "dot":
        lines = [f'digraph "{workflow.name}" {{', "    rankdir=TB;", "    node [shape=box];"]
        lines += [f'    {n.id} [label="{_label(n)}"];' for n in nodes]
        lines += [f"    {a} -> {b};" for a, b in edges]
        lines.append("}")
        return "\n".join(lines)
    lines = [f"workflow {workflow.name}"]
    for node in nodes:
        after = ", ".join(u for u in node.upstream if u) or "workflow inputs"
        lines.append(f"  {node.id}: {_label(node)}  (after {after})")
        if node.kind is NodeKind.WORKFLOW:
            inner = draw(node.entity, "text").splitlines()[1:]
            lines += ["    " + line for line in inner]
    return "\n".join(lines)


def graph_document(workflow: Any) -> dict[str, Any]:
    """``graph --json``: the nodes (id, kind, task, environment, tier, label) and the edges."""
    nodes, edges = _edges(workflow)
    out = []
    for node in nodes:
        entry: dict[str, Any] = {"id": node.id, "kind": node.kind.value, "label": _label(node)}
        if node.kind in (NodeKind.JOB, NodeKind.FAN_OUT):
            task = node.task
            config = task.domino_job_config
            entry["task"] = task.name
            entry["environment"] = config.EnvironmentName or config.EnvironmentId
            entry["hardware_tier"] = config.HardwareTierName or config.HardwareTierId
        else:
            entry["task"] = node.name
        out.append(entry)
    return {
        "workflow": workflow.name,
        "nodes": out,
        "edges": [{"from": a, "to": b} for a, b in edges],
    }
