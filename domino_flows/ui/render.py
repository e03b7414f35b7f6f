"""The pages as HTML, from the Jinja templates in ``ui/templates`` (autoescaped: every value from
the store is text, never markup).

A served page links its stylesheet and script and loads task panels and logs as they are asked
for; a report (``embed=True``) carries them inline, with every task panel, log tail and artifact
preview in the one file, so it opens without a server or a network.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from domino_flows.core.clock import now
from domino_flows.records.store import ArtifactRecord, RunStore
from domino_flows.ui import layout, preview
from domino_flows.ui.lineage import LineagePage
from domino_flows.ui.logs import TAIL_LINES, LogTail, log_tail
from domino_flows.ui.model import NodePanel, RunsPage, RunView, duration, project_of

LEGEND = ["Waiting", "Running", "Succeeded", "Failed", "Stopped", "Cached", "Reused", "Not run"]
REFRESH_MS = 1500
PANEL_LOGS = 10  # a fan-out's panel shows the logs of this many items


@dataclass(frozen=True)
class PanelLog:
    task: str
    attempt: int
    job_id: str
    running: bool
    url: str  # where the page fetches the log again while it runs
    tail: LogTail


@dataclass(frozen=True)
class Panel:
    logs: list[PanelLog]


@functools.lru_cache(maxsize=1)
def environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        when=_when,
        took=lambda start, end: duration(start, end),
        size=_size,
        slug=lambda text: re.sub(r"[^A-Za-z0-9_-]+", "-", str(text)),
        domino_link=lambda url: url.startswith(("https://", "http://")),
    )
    return env


def static_text(name: str) -> str:
    return resources.files("domino_flows.ui").joinpath("static").joinpath(name).read_text("utf-8")


def _when(stamp: str | None) -> str:
    # 2026-12-06T23:27:35.123456Z -> 2026-12-06 23:27:35
    return (stamp or "").replace("T", " ").split(".")[0].rstrip("Z")


def _size(count: int) -> str:
    value = float(count)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{count} bytes"  # pragma: no cover - the loop always returns


def _render(template: str, **values: Any) -> str:
    values.setdefault("embed", False)
    return str(environment().get_template(template).render(**values))


def runs_page(page: RunsPage, flow: str, state: str, store: RunStore) -> str:
    return _render("runs.html", page=page, flow=flow, state=state, store=store.path)


def log_url(run_id: str, task: str, attempt: int) -> str:
    return f"log?id={quote(run_id)}&task={quote(task)}&attempt={attempt}"


def panel_logs(store: RunStore, view: RunView, node: NodePanel) -> Panel:
    root = project_of(store)
    logs = []
    for attempt in node.last_attempts[:PANEL_LOGS]:
        logs.append(
            PanelLog(
                task=attempt.task,
                attempt=attempt.attempt,
                job_id=attempt.job_id,
                running=attempt.finished_at is None,
                url=log_url(attempt.run_id, attempt.task, attempt.attempt),
                tail=log_tail(root, view.run["backend"], attempt),
            )
        )
    return Panel(logs)


def panel(store: RunStore, view: RunView, node: NodePanel) -> str:
    return _render(
        "panel.html",
        node=node,
        panel=panel_logs(store, view, node),
        live=view.running,
        tail=TAIL_LINES,
    )


def run_page(
    store: RunStore, view: RunView, embed: bool = False, refresh_ms: int = REFRESH_MS
) -> str:
    """The run page; with ``embed``, the self-contained report of it. A running run's page asks
    for its state again every ``refresh_ms``."""
    artifacts = [a for node in view.nodes for a in node.artifacts]
    listed = {(a.task, a.output) for a in artifacts}
    artifacts += [
        ArtifactRecord(**a)
        for a in view.document["artifacts"]
        if (a["task"], a["output"]) not in listed
    ]
    values: dict[str, Any] = {
        "view": view,
        "run": view.run,
        "doc": view.document,
        "svg": layout.svg(view.nodes),
        "legend": LEGEND,
        "duration": duration(view.run["started_at"], view.run["finished_at"]),
        "live": view.running and not embed,
        "embed": embed,
        "interval": refresh_ms,
        "artifacts": artifacts,
        "show_run": False,
        "tail": TAIL_LINES,
    }
    if embed:
        values["written"] = now()
        values["live_when_written"] = view.running
        values["css"] = static_text("ui.css")
        values["js"] = static_text("ui.js")
        values["panels"] = {n.path: panel_logs(store, view, n) for n in view.nodes}
        values["previews"] = [preview.preview(a) for a in artifacts]
        values["images"] = [
            preview.image_data_uri(a) if p.kind == "image" else ""
            for a, p in zip(artifacts, values["previews"], strict=True)
        ]
    return _render("run.html", **values)


def artifact_page(artifact: ArtifactRecord, shown: preview.Preview) -> str:
    download = (
        f"download?id={quote(artifact.run_id)}&task={quote(artifact.task)}"
        f"&output={quote(artifact.output)}"
    )
    return _render("artifact.html", a=artifact, p=shown, download=download)


def artifacts_page(artifacts: list[ArtifactRecord], run_filter: str) -> str:
    return _render(
        "artifacts.html", artifacts=artifacts, run_filter=run_filter, show_run=True, live=False
    )


def lineage_page(page: LineagePage) -> str:
    return _render("lineage.html", page=page)


def error_page(title: str, message: str) -> str:
    return _render("error.html", title=title, message=message)


def state_document(view: RunView) -> dict[str, Any]:
    """What a running run page polls: the run's state and each node's."""
    return {
        "state": view.run["state"],
        "running": view.running,
        "nodes": {node.path: node.state for node in view.nodes},
    }
