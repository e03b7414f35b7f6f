"""What a run shows while it runs: a live table on a terminal, plain lines otherwise.

The engine updates one :class:`NodeView` per node (a fan-out item counts as a node) and hands it
to a :class:`Reporter`; nothing else prints during a run. The final summary is shared by both.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, TextIO

_STATE_STYLES = {
    "pending": "dim",
    "starting": "cyan",
    "running": "cyan",
    "retrying": "yellow",
    "succeeded": "green",
    "cached": "green",
    "reused": "green",
    "failed": "red",
    "stopped": "red",
    "skipped": "dim",
    "branch": "magenta",
}


@dataclass
class NodeView:
    path: str
    task: str
    kind: str
    state: str = "pending"
    environment: str = ""
    hardware_tier: str = ""
    cached: bool = False
    attempts: int = 0
    job_id: str = ""
    url: str = ""
    log_path: str = ""
    duration: float | None = None
    started: float | None = None
    error: str = ""
    log_tail: str = ""
    error_file: str = ""
    artifacts: list[str] = field(default_factory=list)
    note: str = ""
    cache_key: str = ""
    item: int | None = None

    def elapsed(self) -> float | None:
        if self.duration is not None:
            return self.duration
        return time.monotonic() - self.started if self.started else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "node": self.path,
            "task": self.task,
            "kind": self.kind,
            "state": self.state,
            "duration": None if self.elapsed() is None else round(self.elapsed() or 0, 3),
            "cached": self.cached,
            "attempts": self.attempts,
            "job_id": self.job_id,
            "log": self.log_path,
            "environment": self.environment,
            "hardware_tier": self.hardware_tier,
            "artifacts": self.artifacts,
            "error": self.error,
            "note": self.note,
        }


class Reporter:
    """Receives node updates. The base class prints nothing (for ``--json`` and tests)."""

    def start(self, run_id: str, flow: str, backend: str) -> None: ...

    def update(self, view: NodeView) -> None: ...

    def note(self, message: str) -> None:
        """A line about the run itself (stopping, jobs a resume stopped)."""

    def stop(self) -> None: ...


class PlainReporter(Reporter):
    """One line per state change: for logs, CI and pipes."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self._last: dict[str, str] = {}
        self._lock = threading.Lock()

    def start(self, run_id: str, flow: str, backend: str) -> None:
        print(f"run {run_id}: {flow} on the {backend} backend", file=self.stream, flush=True)

    def note(self, message: str) -> None:
        print(message, file=self.stream, flush=True)

    def update(self, view: NodeView) -> None:
        with self._lock:
            if self._last.get(view.path) == view.state:
                return
            self._last[view.path] = view.state
            print(_line(view), file=self.stream, flush=True)


def _line(view: NodeView) -> str:
    parts = [f"{view.state:<9}", view.path, view.task]
    placement = "/".join(p for p in (view.environment, view.hardware_tier) if p)
    if placement:
        parts.append(f"[{placement}]")
    if view.attempts > 1:
        parts.append(f"attempt {view.attempts}")
    elapsed = view.elapsed()
    if view.state in ("succeeded", "failed", "cached") and elapsed is not None:
        parts.append(f"{elapsed:.1f}s")
    if view.state in ("running", "starting") and view.log_path:
        parts.append(f"log {view.log_path}")
    if view.note and view.state not in ("running",):
        parts.append(f"({view.note})")
    if view.error and view.state in ("failed", "retrying", "stopped"):
        parts.append(f"- {view.error.splitlines()[0][:200]}")
    return "  ".join(parts)


class LiveReporter(Reporter):
    """A rich live table, redrawn a few times a second."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(stderr=True)
        self.views: dict[str, NodeView] = {}
        self._live: Any = None
        self._title = ""

    def start(self, run_id: str, flow: str, backend: str) -> None:
        from rich.live import Live

        self._title = f"run {run_id}: {flow} ({backend})"
        self._live = Live(self._table(), console=self.console, refresh_per_second=4)
        self._live.start()

    def note(self, message: str) -> None:
        self.console.print(message)

    def update(self, view: NodeView) -> None:
        self.views[view.path] = view
        if self._live is not None:
            self._live.update(self._table())

    def stop(self) -> None:
        if self._live is not None:
            self._live.update(self._table())
            self._live.stop()

    def _table(self) -> Any:
        from rich.table import Table

        table = Table(title=self._title, expand=False)
        for column in ("node", "task", "state", "time", "attempt", "environment / tier", "job"):
            table.add_column(column)
        for view in self.views.values():
            elapsed = view.elapsed()
            style = _STATE_STYLES.get(view.state, "")
            table.add_row(
                view.path,
                view.task,
                f"[{style}]{view.state}[/]" + (" (cache)" if view.cached else ""),
                "" if elapsed is None else f"{elapsed:.1f}s",
                str(view.attempts or ""),
                " / ".join(p for p in (view.environment, view.hardware_tier) if p),
                view.job_id or view.note,
            )
        return table


def reporter_for(stream: TextIO | None = None, quiet: bool = False) -> Reporter:
    if quiet:
        return Reporter()
    stream = stream or sys.stderr
    if stream.isatty():
        return LiveReporter()
    return PlainReporter(stream)


def summary(result: Any, backend: str) -> str:
    """The end-of-run text: outcome, per-node lines, and for each failure its job, log tail and
    _ERROR text."""
    lines = []
    views = result.nodes
    jobs = [v for v in views if v.kind == "job"]
    cached = sum(1 for v in jobs if v.cached)
    started = sum(v.attempts for v in jobs if not v.cached and v.state != "reused")
    outcome = "succeeded" if result.success else "FAILED"
    lines.append(
        f"run {result.run_id} {outcome}: {len(jobs)} job tasks, {started} jobs started, "
        f"{cached} served from cache ({backend} backend)"
    )
    for view in views:
        lines.append("  " + _line(view))
    if any(v.kind == "fan_out" for v in views):
        lines.append(
            "note: this flow uses fan_out, which domino-flows runs but Domino Flows does not run "
            "today; submit will refuse it."
        )
    if any(v.kind == "native" for v in views):
        lines.append(
            "note: plain flytekit @task functions ran in this process; Domino Flows will not run "
            "them: use @domino_task."
        )
    for view in views:
        if view.state not in ("failed", "stopped"):
            continue
        lines.append("")
        lines.append(
            f"task {view.task!r} ({view.path}) failed"
            + (f" in job {view.job_id}" if view.job_id else "")
        )
        if view.error:
            lines.append(f"  error: {view.error}")
        if view.error_file and view.error_file not in view.error:
            lines.append(f"  _ERROR: {view.error_file}")
        # Some backends (Domino) already end their error with the log's tail: show it once.
        tail_lines = view.log_tail.rstrip("\n").splitlines()
        if tail_lines and tail_lines[-1].strip() not in view.error:
            lines.append("  last lines of its log:")
            lines.extend("    " + line for line in tail_lines[-20:])
        if view.log_path:
            lines.append(f"  full log: {view.log_path}")
    if result.error and not any(v.state == "failed" for v in views):
        lines.append(f"error: {result.error}")
    return "\n".join(lines)
