"""What a run shows while it runs: a live table on a terminal, plain lines otherwise.

The engine updates one :class:`NodeView` per node (a fan-out item counts as a node) and hands it
to a :class:`Reporter`; nothing else prints during a run. The final summary is shared by both.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, TextIO

from domino_flows.core.redaction import redact

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
    jobs_started: int = 0
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


# A node's line in a pipe: once when it starts, once when it ends (each attempt of a retried task
# ends with "retrying"), and a "still running" line per PROGRESS_INTERVAL for long tasks.
_START_STATES = frozenset({"starting", "running"})
_QUIET_STATES = frozenset({"pending"})
PROGRESS_INTERVAL = 60.0  # seconds between "still running" lines of one task


class PlainReporter(Reporter):
    """Lines for logs, CI and pipes: two per task (start, end), so a 500-task run stays readable,
    plus a "still running" line every ``interval`` seconds for long tasks."""

    def __init__(self, stream: TextIO | None = None, interval: float = PROGRESS_INTERVAL) -> None:
        self.stream = stream or sys.stderr
        self.interval = interval
        self._started: dict[str, float] = {}  # running nodes -> when their last line was printed
        self._ended: dict[str, str] = {}
        self._views: dict[str, NodeView] = {}
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._ticker: threading.Thread | None = None

    def start(self, run_id: str, flow: str, backend: str) -> None:
        print(f"run {run_id}: {flow} on the {backend} backend", file=self.stream, flush=True)
        if self.interval > 0:
            self._ticker = threading.Thread(target=self._tick_forever, daemon=True)
            self._ticker.start()

    def note(self, message: str) -> None:
        print(redact(message), file=self.stream, flush=True)

    def update(self, view: NodeView) -> None:
        with self._lock:
            self._views[view.path] = view
            if view.state in _QUIET_STATES:
                return
            if view.state in _START_STATES:
                if view.path in self._started:
                    return  # starting -> running: the start was said
                self._started[view.path] = time.monotonic()
                self._ended.pop(view.path, None)
                line = _line(view)
            else:
                if self._ended.get(view.path) == view.state:
                    return
                self._ended[view.path] = view.state
                self._started.pop(view.path, None)
                line = _line(view)
            print(redact(line), file=self.stream, flush=True)

    def tick(self, now: float | None = None) -> None:
        """Say which tasks have been running for another ``interval`` seconds."""
        now = time.monotonic() if now is None else now
        with self._lock:
            for path, said in list(self._started.items()):
                view = self._views[path]
                if now - said >= self.interval and view.state in _START_STATES:
                    self._started[path] = now
                    elapsed = view.elapsed()
                    took = "" if elapsed is None else f" for {_duration(elapsed)}"
                    log = f"  log {view.log_path}" if view.log_path else ""
                    print(
                        f"{'running':<9}  {view.path}  {view.task}  still running{took}{log}",
                        file=self.stream,
                        flush=True,
                    )

    def _tick_forever(self) -> None:
        while not self._done.wait(min(self.interval, 5.0)):
            self.tick()

    def stop(self) -> None:
        self._done.set()
        if self._ticker is not None:
            self._ticker.join()


def _duration(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest:02d}s" if minutes else f"{rest}s"


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
        self.console.print(redact(message))

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
        # On a narrow terminal (80 columns) the task names keep their room: the environment,
        # tier and job columns go (the plain lines and `show` have them), and a task is named by
        # the last part of its name, which is enough to tell the tasks of one flow apart.
        narrow = self.console.size.width < WIDE_TABLE
        columns = ["node", "task", "state", "time", "attempt"]
        columns += [] if narrow else ["environment / tier", "job"]
        for column in columns:
            table.add_column(column, no_wrap=column in ("node", "task"))
        shown, hidden = table_rows(list(self.views.values()), self.console.size.height)
        if hidden:
            table.caption = hidden
        for view in shown:
            elapsed = view.elapsed()
            style = _STATE_STYLES.get(view.state, "")
            cells = [
                view.path,
                short_task_name(view.task) if narrow else view.task,
                f"[{style}]{view.state}[/]" + (" (cache)" if view.cached else ""),
                "" if elapsed is None else f"{elapsed:.1f}s",
                str(view.attempts or ""),
            ]
            if not narrow:
                cells.append(" / ".join(p for p in (view.environment, view.hardware_tier) if p))
                cells.append(view.job_id or view.note)
            table.add_row(*cells)
        return table


WIDE_TABLE = 120  # columns from which the live table shows environment, tier and job


def short_task_name(task: str) -> str:
    """``train_model`` for ``flows.pipeline.train_model`` (``@n2`` kept for a shared task)."""
    name, at, node = task.partition("@")
    return name.rsplit(".", 1)[-1] + at + node


def _rank(view: NodeView) -> int:
    """Running first, then failures, then finished, then waiting nodes."""
    if view.state in ("starting", "running", "retrying"):
        return 0
    if view.state in ("failed", "stopped"):
        return 1
    return 3 if view.state == "pending" else 2


def table_rows(views: list[NodeView], height: int) -> tuple[list[NodeView], str]:
    """The rows of the live table, and a caption for those left out.

    Running tasks come first, then failures; when the table would not fit the terminal (title,
    header, borders and caption take 6 lines), finished tasks are collapsed into a count first
    (the last ones in flow order keep the rows left over), then waiting ones, so finished tasks
    never push running ones off the screen.
    """
    ordered = sorted(views, key=_rank)  # stable: nodes keep their order within a rank
    room = max(height - 6, 1)
    if len(ordered) <= room:
        return ordered, ""
    active = [v for v in ordered if _rank(v) < 2]
    finished = [v for v in ordered if _rank(v) == 2]
    pending = [v for v in ordered if _rank(v) == 3]
    spare = max(room - len(active), 0)
    left = max(spare - len(pending), 0)  # rows still free: the latest finished tasks
    recent = finished[len(finished) - left :] if left else []
    parts = [f"{len(finished) - len(recent)} finished"] if len(finished) > len(recent) else []
    if len(pending) > spare:
        parts.append(f"{len(pending) - spare} waiting")
    if len(active) > room:
        parts.append(f"{len(active) - room} more running or failed")
    return (active + pending[:spare] + recent)[:room], "not shown: " + ", ".join(parts)


def reporter_for(stream: TextIO | None = None, quiet: bool = False) -> Reporter:
    if quiet:
        return Reporter()
    stream = stream or sys.stderr
    if stream.isatty():
        return LiveReporter()
    return PlainReporter(stream)


SUMMARY_DETAIL = 20  # nodes listed one per line; a bigger run lists only what did not succeed
_DONE_STATES = ("succeeded", "cached", "reused")
_UNNAMED = re.compile(r"o\d+")


def _node_lines(views: list[NodeView]) -> list[str]:
    if len(views) <= SUMMARY_DETAIL:
        return ["  " + _line(view) for view in views]
    counts: dict[str, int] = {}
    for view in views:
        counts[view.state] = counts.get(view.state, 0) + 1
    tally = ", ".join(f"{count} {state}" for state, count in sorted(counts.items()))
    others = [view for view in views if view.state not in _DONE_STATES]
    return [f"  {len(views)} nodes: {tally}"] + ["  " + _line(view) for view in others]


def summary(result: Any, backend: str) -> str:
    """The end-of-run text: outcome, per-node lines, and for each failure its job, log tail and
    _ERROR text."""
    lines = []
    views = result.nodes
    jobs = [v for v in views if v.kind == "job"]
    cached = sum(1 for v in jobs if v.cached)
    started = sum(v.jobs_started for v in jobs if not v.cached and v.state != "reused")
    outcome = "succeeded" if result.success else "FAILED"
    lines.append(
        f"run {result.run_id} {outcome}: {len(jobs)} job tasks, {started} jobs started, "
        f"{cached} served from cache ({backend} backend)"
    )
    lines.extend(_node_lines(views))
    unnamed = sorted(n for n in getattr(result, "python_outputs", {}) if _UNNAMED.fullmatch(n))
    if unnamed:
        names = ", ".join(unnamed)
        lines.append(
            f"note: {names}: flytekit names a workflow's unnamed return values o0, o1, ...; "
            "return a NamedTuple to name them."
        )
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
