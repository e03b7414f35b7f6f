"""Which nodes may start, kept up to date as nodes finish rather than found by scanning.

Every workflow being executed (the top one, each subworkflow and launch plan) is a *scope*. A
scope counts, per node, its upstream nodes not yet done; a node whose count reaches zero joins
the run's ready queue, and a node whose upstream failed or was skipped joins it too (to be
skipped). So the engine's work per event is proportional to the nodes the event touches: a
5,000-node run costs the engine per node what a 50-node run does.

A node refused for want of scheduling slots waits in a queue of its own, by the slots it needs:
when slots free up only the nodes that now fit are tried again, in the order they were refused.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from domino_flows.runner.graph import WORKFLOW_INPUTS, FlowNode

# A node in one of these states will not change again.
TERMINAL = frozenset(("done", "failed", "skipped"))


@dataclass
class Scope:
    path: str  # "" for the top workflow, "n1/" for the nodes of subworkflow node n1
    workflow: Any
    nodes: dict[str, FlowNode]
    results: dict[str, dict[str, Any]]
    parent: tuple[Scope, str] | None = None
    state: dict[str, str] = field(default_factory=dict)  # pending/running/done/failed/skipped
    # node id -> output -> the lineage dataset it is (lineage.output_dataset_name), so a task's
    # inputs are named after what the workflow bound them to, not matched by equal content
    sources: dict[str, dict[str, str]] = field(default_factory=dict)
    # node id -> its upstream nodes in this scope (nodes outside it count as done), and back
    upstream: dict[str, list[str]] = field(default_factory=dict)
    downstream: dict[str, list[str]] = field(default_factory=dict)
    waiting: dict[str, int] = field(default_factory=dict)  # upstream nodes not yet done
    unfinished: int = 0  # nodes not yet done, failed or skipped

    @classmethod
    def open(
        cls,
        path: str,
        workflow: Any,
        nodes: list[FlowNode],
        inputs: dict[str, Any],
        parent: tuple[Scope, str] | None,
    ) -> Scope:
        scope = cls(path, workflow, {n.id: n for n in nodes}, {WORKFLOW_INPUTS: dict(inputs)})
        scope.parent = parent
        for node in nodes:
            upstream = [u for u in node.upstream if u in scope.nodes]
            scope.upstream[node.id] = upstream
            scope.waiting[node.id] = len(upstream)
            scope.downstream.setdefault(node.id, [])
            for before in upstream:
                scope.downstream.setdefault(before, []).append(node.id)
            scope.state[node.id] = "pending"
        scope.unfinished = len(nodes)
        return scope

    def finished(self) -> bool:
        return self.unfinished == 0

    def upstream_failed(self, node_id: str) -> bool:
        return any(self.state[u] in ("failed", "skipped") for u in self.upstream[node_id])

    def roots(self) -> list[str]:
        """The nodes that can start at once, in the workflow's order."""
        return [node_id for node_id, count in self.waiting.items() if count == 0]

    def settle(self, node_id: str, state: str) -> list[str] | None:
        """Record that ``node_id`` reached a terminal ``state``; the nodes this makes ready to
        start (or to skip), or None when it had already ended."""
        before = self.state.get(node_id)
        self.state[node_id] = state
        if before in TERMINAL:
            return None
        self.unfinished -= 1
        woken = []
        for after in self.downstream.get(node_id, ()):
            if state == "done":
                self.waiting[after] -= 1
                if self.waiting[after] == 0:
                    woken.append(after)
            elif self.state[after] == "pending":
                woken.append(after)  # to be skipped
        return woken


class ReadyQueue:
    """Nodes to consider, in the order they became ready, and nodes waiting for slots."""

    def __init__(self) -> None:
        self._ready: deque[tuple[Scope, str]] = deque()
        # slots needed -> (order refused, scope, node id): a few sizes, each queue in order
        self._held: dict[int, deque[tuple[int, Scope, str]]] = {}
        self._holding: set[tuple[int, str]] = set()
        self._count = 0

    def __bool__(self) -> bool:
        return bool(self._ready)

    def push(self, scope: Scope, node_id: str) -> None:
        self._ready.append((scope, node_id))

    def pop(self) -> tuple[Scope, str]:
        return self._ready.popleft()

    def hold(self, scope: Scope, node_id: str, slots: int) -> None:
        """``node_id`` waits until ``slots`` are free (once, however often it is refused)."""
        marker = (id(scope), node_id)
        if marker in self._holding:
            return
        self._holding.add(marker)
        self._count += 1
        self._held.setdefault(slots, deque()).append((self._count, scope, node_id))

    def release(self, fits: Callable[[int], bool]) -> tuple[Scope, str] | None:
        """The held node refused first among those whose slots ``fits`` says are free now."""
        heads = [(q[0][0], slots) for slots, q in self._held.items() if q and fits(slots)]
        if not heads:
            return None
        _, slots = min(heads)
        _, scope, node_id = self._held[slots].popleft()
        self._holding.discard((id(scope), node_id))
        return scope, node_id
