"""``domino-flows logs``: one task's log, every task's (``logs RUN``), as JSON, or followed while
the task runs (``-f``). Tasks are named as everywhere (``train``, ``flows.train``, ``train@n2``)
or by the node id ``run`` prints (``n3``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domino_flows.core.errors import DominoFlowsError
from domino_flows.runner.task_names import resolve_task

NODE_TASKS = "node_tasks"  # RunMeta.options key: node path -> task name
FOLLOW_INTERVAL = 1.0  # seconds between looks at a followed job's log


@dataclass(frozen=True)
class LogEntry:
    task: str
    attempt: int
    job_id: str
    state: str
    text: str
    note: str = ""  # why there is no log (the attempt's job never started)

    def to_dict(self) -> dict[str, Any]:
        document = {
            "task": self.task,
            "attempt": self.attempt,
            "job_id": self.job_id,
            "state": self.state,
            "log": self.text,
        }
        if self.note:
            document["note"] = self.note
        return document


def task_of_node(given: str, node_tasks: dict[str, str], attempts: list[Any]) -> str:
    """``n3`` (a node id as ``run`` prints it) to the task key its attempts are filed under."""
    if given not in node_tasks:
        return given
    task = node_tasks[given]
    keyed = f"{task}@{given}"
    return keyed if any(a.task == keyed for a in attempts) else task


def choose(attempts: list[Any], task: str, attempt: int | None, run_id: str) -> list[Any]:
    """The attempts of ``task`` (all its nodes' when used once), or ``attempt`` alone."""
    task = resolve_task(task, [a.task for a in attempts], f"run {run_id}")
    mine = [a for a in attempts if a.task == task or a.task.startswith(task + "@")]
    nodes = sorted({a.task for a in mine})
    if len(nodes) > 1:  # one task used by several nodes: each node has its own jobs and logs
        raise DominoFlowsError(
            f"task {task!r} ran as {len(nodes)} nodes of run {run_id}: {', '.join(nodes)}. "
            f"Name one: domino-flows logs {run_id} {nodes[0]}"
        )
    chosen = [a for a in mine if attempt is None or a.attempt == attempt]
    if not chosen:
        raise DominoFlowsError(f"task {task!r} of run {run_id} has no attempt {attempt}.")
    return chosen


def last_attempts(attempts: list[Any]) -> list[Any]:
    """Each task's last attempt, in the order the tasks started."""
    last: dict[str, Any] = {}
    for row in attempts:
        if row.task not in last or row.attempt >= last[row.task].attempt:
            last[row.task] = row
    return sorted(last.values(), key=lambda a: (a.started_at, a.task))


def never_started(row: Any, run_id: str) -> str:
    """Why an attempt that never got a job has no log (its recorded error, first line)."""
    why = (row.error or "").strip().splitlines()
    detail = f": {why[0][:300]}" if why else ""
    return (
        f"task {row.task} attempt {row.attempt} of run {run_id} has no log: its job never "
        f"started ({row.state}{detail})."
    )


def entry(backend: Any, row: Any, tail: int | None) -> LogEntry:
    if not row.job_id:  # no job to ask a backend about; the entry says why instead
        return LogEntry(row.task, row.attempt, "", row.state, "", never_started(row, row.run_id))
    handle = backend.handle_for(row.run_id, row.task, row.attempt, row.job_id, row.url)
    return LogEntry(row.task, row.attempt, row.job_id, row.state, backend.logs(handle, tail=tail))


def follow(
    backend: Any,
    row: Any,
    still_running: Callable[[], bool],
    write: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Print a job's log as it grows until its attempt is recorded finished (then what is left)."""
    handle = backend.handle_for(row.run_id, row.task, row.attempt, row.job_id, row.url)
    shown = 0
    while True:
        running = still_running()  # asked before reading, so the last read has everything
        text = backend.logs(handle)
        if len(text) > shown:
            write(text[shown:])
            shown = len(text)
        if not running:
            return
        sleep(FOLLOW_INTERVAL)
