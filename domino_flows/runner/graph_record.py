"""A run's graph as recorded when it starts: every node, what it waits for, and the run store keys
its jobs are filed under, so a page can draw the whole DAG (waiting nodes too) without loading the
flow.

Table ``run_graphs`` (in the run store, ``records.schema`` version 2): one JSON document per run,
``[{path, kind, name, tasks, upstream}]``. ``path`` is the node's path (``n1/n0`` inside a
subworkflow); ``tasks`` the task keys its attempts are recorded under (a conditional lists each
branch's task; a fan-out's items are recorded as ``<task>@<path>[i]``); ``upstream`` the paths of
the nodes it runs after (a subworkflow's first nodes run after the subworkflow node itself).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from domino_flows.core.clock import now
from domino_flows.records.store import RunStore


@dataclass(frozen=True)
class GraphNode:
    path: str
    kind: str  # NodeKind's value: job, native, workflow, launch_plan, branch, fan_out
    name: str
    tasks: tuple[str, ...]
    upstream: tuple[str, ...]


def graph_nodes(workflow: Any) -> list[GraphNode]:
    """The nodes of ``workflow`` (nested ones included), keyed as the engine files their jobs.

    A conditional whose branch is a subworkflow runs that subworkflow's nodes under the
    conditional's path; they are drawn there (branches with the same inner paths share them)."""
    from domino_flows.runner.graph import NodeKind, branch_targets, classify, walk

    walked = walk(workflow)
    uses: dict[str, int] = {}  # the engine's rule: a task used by several nodes is keyed per node
    for _, node in walked:
        if node.kind in (NodeKind.JOB, NodeKind.FAN_OUT):
            name = node.task.name
            uses[name] = uses.get(name, 0) + 1

    def key(task_name: str, path: str, fan_out: bool) -> str:
        return task_name if uses.get(task_name, 0) <= 1 and not fan_out else f"{task_name}@{path}"

    out: dict[str, GraphNode] = {}

    def add(path: str, node: Any) -> None:
        prefix = path[: -len(node.id)]
        upstream = [prefix + u for u in node.upstream if u]
        if not upstream and prefix:  # a subworkflow's first nodes start with the subworkflow
            upstream = [prefix.rstrip("/")]
        inner: list[tuple[str, Any]] = []
        if node.kind is NodeKind.BRANCH:
            tasks = []
            for target in branch_targets(node.entity):
                kind = classify(target.flyte_entity, f"conditional {node.entity.name!r}")
                if kind is NodeKind.WORKFLOW:
                    inner += walk(target.flyte_entity, path + "/")
                elif kind is NodeKind.LAUNCH_PLAN:
                    inner += walk(target.flyte_entity.workflow, path + "/")
                else:
                    tasks.append(key(target.flyte_entity.name, path, False))
        elif node.kind in (NodeKind.JOB, NodeKind.NATIVE):
            tasks = [key(node.name, path, False)]
        elif node.kind is NodeKind.FAN_OUT:
            tasks = [key(node.task.name, path, True)]
        else:
            tasks = []
        known = out.get(path)
        if known is not None:  # another branch's node at the same path
            tasks = [*known.tasks, *(t for t in tasks if t not in known.tasks)]
            upstream = [*known.upstream, *(u for u in upstream if u not in known.upstream)]
        name = node.name
        if known is not None and known.name != node.name:
            name = f"{known.name} | {node.name}"
        out[path] = GraphNode(path, node.kind.value, name, tuple(tasks), tuple(upstream))
        for inner_path, inner_node in inner:
            add(inner_path, inner_node)

    for path, node in walked:
        add(path, node)
    return list(out.values())


def record_graph(store: RunStore, run_id: str, workflow: Any) -> None:
    """Keep ``workflow``'s graph for ``run_id`` (a resumed run keeps the one it started with)."""
    save_graph(store, run_id, graph_nodes(workflow))


def save_graph(store: RunStore, run_id: str, nodes: list[GraphNode]) -> None:
    document = json.dumps([asdict(n) for n in nodes])
    with store.connect() as db:
        db.execute("INSERT OR IGNORE INTO run_graphs VALUES (?,?,?)", (run_id, document, now()))


def recorded_graph(store: RunStore, run_id: str) -> list[GraphNode] | None:
    """The graph recorded for ``run_id``; None for runs that have none (started by ``python
    flow.py``, or by a release that did not record graphs)."""
    with store.connect() as db:
        row = db.execute("SELECT nodes FROM run_graphs WHERE run_id = ?", (run_id,)).fetchone()
    if row is None:
        return None
    return [
        GraphNode(n["path"], n["kind"], n["name"], tuple(n["tasks"]), tuple(n["upstream"]))
        for n in json.loads(row["nodes"])
    ]
