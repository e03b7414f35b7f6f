"""What the pages show, gathered from the run store (reading only; no Domino connection).

``runs_list`` is the runs page, ``run_view`` one run: its DAG with each node's state (from the
graph recorded when the run started, or, for runs without one, from its attempts and lineage),
and a panel per node with its attempts, job, environment and tier, the run its result came from
(cache or resume) and its artifacts.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domino_flows.core.errors import DominoFlowsError
from domino_flows.records.store import ArtifactRecord, RunStore, TaskAttempt
from domino_flows.runner.graph_record import GraphNode, recorded_graph
from domino_flows.runner.lease import runner_note
from domino_flows.runner.show import show_document
from domino_flows.runner.state import RunnerState

PER_PAGE = 100  # runs on one runs page
RUNNING_STATES = {"Starting", "Queued", "Pending", "Running"}
FAILED_STATES = {"Failed", "Error"}


class UnknownRunError(DominoFlowsError):
    """A page or report asked for a run the store does not have."""


@dataclass(frozen=True)
class RunRow:
    run_id: str
    flow: str
    backend: str
    state: str
    started_at: str
    duration: str
    commit: str
    dirty: bool
    note: str  # "its runner is gone ...", else ""
    error: str


@dataclass
class RunsPage:
    rows: list[RunRow]
    flows: list[str]
    states: list[str]
    total: int  # runs in the store, before filtering
    matching: int  # runs that pass the filters
    page: int  # 1 is the newest
    pages: int


@dataclass
class NodePanel:
    """One node of a run: its state and everything the task panel shows."""

    path: str
    kind: str
    name: str
    state: str
    upstream: tuple[str, ...]
    tasks: list[str] = field(default_factory=list)  # the store keys its attempts are filed under
    attempts: list[TaskAttempt] = field(default_factory=list)
    origin: dict[str, Any] | None = None  # node_origins row: cache or resume
    artifacts: list[ArtifactRecord] = field(default_factory=list)

    @property
    def css(self) -> str:
        return self.state.lower().replace(" ", "-")

    @property
    def running(self) -> bool:
        return self.state in RUNNING_STATES

    @property
    def last_attempts(self) -> list[TaskAttempt]:
        """The latest attempt of each task key (one per fan-out item), latest first."""
        latest: dict[str, TaskAttempt] = {}
        for attempt in self.attempts:
            if attempt.task not in latest or attempt.attempt >= latest[attempt.task].attempt:
                latest[attempt.task] = attempt
        return sorted(latest.values(), key=lambda a: a.started_at, reverse=True)


@dataclass
class RunView:
    run: dict[str, Any]
    document: dict[str, Any]  # runner.show's document: flow file, commit, inputs, outputs
    nodes: list[NodePanel]
    graph_recorded: bool

    @property
    def running(self) -> bool:
        return self.run["state"] in RUNNING_STATES

    def node(self, path: str) -> NodePanel | None:
        return next((n for n in self.nodes if n.path == path), None)


def project_of(store: RunStore) -> Path:
    """The project a store belongs to (``<project>/.domino-flows/runs.sqlite``)."""
    return store.path.parent.parent


def duration(started: str | None, finished: str | None, now: _dt.datetime | None = None) -> str:
    start = _parse(started)
    if start is None:
        return ""
    end = _parse(finished) or now or _dt.datetime.now(_dt.timezone.utc)
    seconds = max(0, int((end - start).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def _parse(stamp: str | None) -> _dt.datetime | None:
    if not stamp:
        return None
    try:
        return _dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None


def runs_list(
    store: RunStore, flow: str = "", state: str = "", page: int = 1, per_page: int = PER_PAGE
) -> RunsPage:
    """The runs, newest first, filtered by flow and state when given, ``per_page`` at a time."""
    runs = store.runs()
    matching = [
        run
        for run in reversed(runs)
        if (not flow or run["flow"] == flow) and (not state or run["state"] == state)
    ]
    pages = max(1, -(-len(matching) // per_page))
    page = min(max(1, page), pages)
    commits = RunnerState(store).commits()
    root = project_of(store)
    now = _dt.datetime.now(_dt.timezone.utc)
    rows = []
    for run in matching[(page - 1) * per_page : page * per_page]:
        commit, dirty = commits.get(run["run_id"], (None, None))
        rows.append(
            RunRow(
                run_id=run["run_id"],
                flow=run["flow"],
                backend=run["backend"],
                state=run["state"],
                started_at=run["started_at"],
                duration=duration(run["started_at"], run["finished_at"], now),
                commit=(commit or "")[:10],
                dirty=bool(dirty),
                note=runner_note(root, run),
                error=run["error"] or "",
            )
        )
    return RunsPage(
        rows=rows,
        flows=sorted({r["flow"] for r in runs}),
        states=sorted({r["state"] for r in runs}),
        total=len(runs),
        matching=len(matching),
        page=page,
        pages=pages,
    )


def find_run(store: RunStore, run_id: str) -> dict[str, Any]:
    runs = store.runs()
    for run in runs:
        if run["run_id"] == run_id:
            return run
    recent = ", ".join(r["run_id"] for r in runs[-5:]) or "none yet"
    raise UnknownRunError(f"no run {run_id!r} in {store.path}; recent runs: {recent}.")


def run_view(store: RunStore, run_id: str) -> RunView:
    run = find_run(store, run_id)
    run["note"] = runner_note(project_of(store), run)
    document = show_document(store, run)
    graph = recorded_graph(store, run_id)
    recorded = graph is not None
    if graph is None:
        graph = _graph_from_records(store, run_id, document)
    nodes = [_panel(node) for node in graph]
    _fill(nodes, document, run["state"] in RUNNING_STATES)
    return RunView(run, document, nodes, recorded)


def _panel(node: GraphNode) -> NodePanel:
    return NodePanel(node.path, node.kind, node.name, "Waiting", node.upstream, list(node.tasks))


def _filed_under(key: str) -> str:
    """The graph's task key an attempt's key belongs to: a fan-out's items are filed as
    ``<task>@<path>[i]`` under the fan-out's ``<task>@<path>``."""
    return key.rpartition("[")[0] if key.endswith("]") and "[" in key else key


def _fill(nodes: list[NodePanel], document: dict[str, Any], run_running: bool) -> None:
    attempts: dict[str, list[TaskAttempt]] = {}
    for row in document["attempts"]:
        attempts.setdefault(_filed_under(row["task"]), []).append(TaskAttempt(**row))
    artifacts: dict[str, list[ArtifactRecord]] = {}
    for row in document["artifacts"]:
        artifacts.setdefault(_filed_under(row["task"]), []).append(ArtifactRecord(**row))
    origins: dict[str, dict[str, Any]] = {}
    for how, rows in (("cache", document["cached"]), ("resume", document["reused"])):
        for row in rows:
            origins[row["node"]] = origins[row["task"]] = {**row, "how": how}
    finished = {row["node"] for row in document["nodes"]}
    for node in nodes:
        node.attempts = [a for key in node.tasks for a in attempts.get(key, [])]
        node.artifacts = [a for key in node.tasks for a in artifacts.get(key, [])]
        node.origin = origins.get(node.path)
        if node.origin is None and node.kind == "job" and len(node.tasks) == 1:
            node.origin = origins.get(node.tasks[0])  # graphs rebuilt from records
        node.state = _node_state(node, node.path in finished, run_running)
    _fill_containers(nodes, run_running)


def _node_state(node: NodePanel, finished: bool, run_running: bool) -> str:
    if node.origin is not None:
        return "Cached" if node.origin["how"] == "cache" else "Reused"
    latest = node.last_attempts
    if any(a.state in RUNNING_STATES for a in latest):
        return "Running"
    if finished:
        return "Succeeded"
    if any(a.state in FAILED_STATES for a in latest):
        return "Failed"
    if any(a.state == "Stopped" for a in latest):
        return "Stopped"
    if latest and all(a.state == "Succeeded" for a in latest):
        # a fan-out whose started items all ended may still have items waiting
        return "Running" if run_running and node.kind == "fan_out" else "Succeeded"
    return "Waiting" if run_running else "Not run"


def _fill_containers(nodes: list[NodePanel], run_running: bool) -> None:
    """A subworkflow (or launch plan) node takes its state from the nodes inside it, as does a
    conditional whose branch was one."""
    for node in sorted(nodes, key=lambda n: -n.path.count("/")):
        if node.kind not in ("workflow", "launch_plan", "branch") or node.state in (
            "Succeeded",
            "Reused",
        ):
            continue
        inner = [n.state for n in nodes if n.path.startswith(node.path + "/")]
        if node.kind == "branch" and not run_running:  # the branch not taken never ran
            inner = [s for s in inner if s != "Not run"] or inner
        if any(s == "Running" for s in inner):
            node.state = "Running"
        elif any(s == "Failed" for s in inner):
            node.state = "Failed"
        elif inner and all(s in ("Succeeded", "Cached", "Reused") for s in inner):
            node.state = "Succeeded"


def _graph_from_records(store: RunStore, run_id: str, document: dict[str, Any]) -> list[GraphNode]:
    """A graph for runs recorded without one: a node per task that left a record, linked where
    a task's input was named after another task's output in the run's lineage events."""
    keys: list[str] = []
    for row in [*document["attempts"], *document["cached"], *document["reused"]]:
        if row["task"] not in keys:
            keys.append(row["task"])
    producers: dict[str, str] = {}
    readers: dict[str, list[str]] = {}
    for row in store.lineage_events(run_id):
        event = json.loads(row["event"])
        task = row.get("task") or ""
        if not task or event.get("eventType") != "COMPLETE":
            continue
        for dataset in event.get("outputs", []):
            producers[dataset["name"]] = task
        for dataset in event.get("inputs", []):
            readers.setdefault(dataset["name"], []).append(task)
    upstream: dict[str, set[str]] = {key: set() for key in keys}
    for name, tasks in readers.items():
        source = producers.get(name)
        for task in tasks:
            if source and source != task and task in upstream and source in upstream:
                upstream[task].add(source)
    return [
        GraphNode(key, "job", key.split("@", 1)[0], (key,), tuple(sorted(upstream[key])))
        for key in keys
    ]
