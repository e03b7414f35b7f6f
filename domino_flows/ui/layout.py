"""A run's DAG drawn as SVG on the server: no JavaScript graph library, and the same drawing in a
served page and in a self-contained report.

The layout is the simple layered one: a node's column is the length of the longest path from a
root to it; within a column nodes are ordered by the mean row of their upstream nodes (one sweep
left to right), which keeps most edges short. Each node is a ``<g class="node STATE"
data-node=PATH>``: the page's script recolours it by changing the class while a run is running,
and opens its task panel on a click.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from domino_flows.ui.model import NodePanel

NODE_W, NODE_H = 160, 38
GAP_X, GAP_Y = 40, 14
MARGIN = 12
_LABEL_CHARS = 21


@dataclass(frozen=True)
class Placed:
    node: NodePanel
    x: int
    y: int


def layers(nodes: Sequence[NodePanel]) -> dict[str, int]:
    """Each node's column: the longest path from a root to it, in topological order (an upstream
    that is not in the graph is ignored; a damaged record's cycle is put in column 0)."""
    known = {n.path for n in nodes}
    ups = {n.path: [u for u in n.upstream if u in known and u != n.path] for n in nodes}
    downstream: dict[str, list[str]] = {path: [] for path in known}
    waiting = {path: len(set(u)) for path, u in ups.items()}
    for path, upstream in ups.items():
        for up in set(upstream):
            downstream[up].append(path)
    ready = [n.path for n in nodes if waiting[n.path] == 0]
    column: dict[str, int] = {}
    while ready:
        path = ready.pop()
        column[path] = 1 + max((column[u] for u in ups[path]), default=-1)
        for down in downstream[path]:
            waiting[down] -= 1
            if waiting[down] == 0:
                ready.append(down)
    for node in nodes:
        column.setdefault(node.path, 0)
    return column


def place(nodes: Sequence[NodePanel]) -> tuple[list[Placed], int, int]:
    column = layers(nodes)
    by_column: dict[int, list[NodePanel]] = {}
    for node in nodes:
        by_column.setdefault(column[node.path], []).append(node)
    row: dict[str, float] = {}
    placed = []
    for index in sorted(by_column):
        members = by_column[index]

        def weight(node: NodePanel) -> float:
            ups = [row[u] for u in node.upstream if u in row]
            return sum(ups) / len(ups) if ups else float(len(row))

        members.sort(key=weight)
        for position, node in enumerate(members):
            row[node.path] = position
            placed.append(
                Placed(
                    node,
                    MARGIN + index * (NODE_W + GAP_X),
                    MARGIN + position * (NODE_H + GAP_Y),
                )
            )
    width = MARGIN * 2 + (max(by_column, default=0) + 1) * (NODE_W + GAP_X) - GAP_X
    tallest = max((len(m) for m in by_column.values()), default=1)
    height = MARGIN * 2 + tallest * (NODE_H + GAP_Y) - GAP_Y
    return placed, width, height


def _short(text: str) -> str:
    return text if len(text) <= _LABEL_CHARS else "…" + text[-(_LABEL_CHARS - 1) :]


def svg(nodes: Sequence[NodePanel]) -> str:
    """The DAG as an inline ``<svg>`` element."""
    placed, width, height = place(nodes)
    at = {p.node.path: p for p in placed}
    parts = [
        f'<svg class="dag" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="the run\'s graph">'
    ]
    for p in placed:
        for up in p.node.upstream:
            source = at.get(up)
            if source is None:
                continue
            x1, y1 = source.x + NODE_W, source.y + NODE_H // 2
            x2, y2 = p.x, p.y + NODE_H // 2
            middle = (x1 + x2) // 2
            parts.append(
                f'<path class="edge" d="M{x1},{y1} C{middle},{y1} {middle},{y2} {x2},{y2}"/>'
            )
    for p in placed:
        node = p.node
        label = _short(node.name.rsplit(".", 1)[-1] if node.kind != "workflow" else node.name)
        path, css = escape(node.path), escape(node.css)
        parts.append(
            f'<g class="node {css}" data-node="{path}" data-state="{css}" tabindex="0">'
            f"<title>{escape(node.name)} ({path}): {escape(node.state)}</title>"
            f'<rect x="{p.x}" y="{p.y}" width="{NODE_W}" height="{NODE_H}" rx="6"/>'
            f'<text x="{p.x + 10}" y="{p.y + 16}">{escape(label)}</text>'
            f'<text class="sub" x="{p.x + 10}" y="{p.y + 30}">{path} · '
            f'<tspan class="state-text">{escape(node.state)}</tspan></text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)
