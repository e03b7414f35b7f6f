"""What the runner keeps in the run store beyond attempts: how to resume a run, and the cache.

Tables (in the same ``.domino-flows/runs.sqlite`` as the attempts and lineage):

- ``run_meta``: per run the flow file, workflow name, inputs, the serialized flow's hash, the git
  commit and whether the tree was dirty, and the options it ran with;
- ``node_results``: the outputs of every node that finished, written as soon as it does, so
  ``resume`` continues without re-running them;
- ``cache_entries``: outputs by cache key (Domino's rule: task, cache version, input values);
- ``node_origins``: nodes whose outputs were not made by a job of this invocation: served from the
  cache (with the run whose job made them) or reused by ``resume`` (finished before it);
- ``run_outputs``: the workflow's outputs once a run succeeded, so ``show`` can print them.

Literals are stored as serialized flyteidl ``LiteralMap`` bytes; file outputs point into
``.domino-flows/data/<run>/``, which is kept with the store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from domino_flows.core.clock import now
from domino_flows.records.store import RunStore

CACHE, RESUME = "cache", "resume"


@dataclass(frozen=True)
class CacheHit:
    """A cached result and the run whose job produced it."""

    cache_key: str
    outputs: bytes
    source_run: str
    task: str
    created_at: str


@dataclass(frozen=True)
class RunMeta:
    run_id: str
    flow_file: str
    workflow: str
    inputs: bytes
    flow_hash: str
    git_commit: str | None
    git_dirty: bool | None
    options: dict[str, Any]


class RunnerState:
    def __init__(self, store: RunStore) -> None:
        self.store = store

    # --- runs -----------------------------------------------------------------------------------

    def save_meta(self, meta: RunMeta) -> None:
        with self.store.connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO run_meta VALUES (?,?,?,?,?,?,?,?)",
                (
                    meta.run_id,
                    meta.flow_file,
                    meta.workflow,
                    meta.inputs,
                    meta.flow_hash,
                    meta.git_commit,
                    None if meta.git_dirty is None else int(meta.git_dirty),
                    json.dumps(meta.options, sort_keys=True),
                ),
            )

    def meta(self, run_id: str) -> RunMeta | None:
        with self.store.connect() as db:
            row = db.execute("SELECT * FROM run_meta WHERE run_id = ?", (run_id,)).fetchone()
        if row is None:
            return None
        return RunMeta(
            run_id=row["run_id"],
            flow_file=row["flow_file"],
            workflow=row["workflow"],
            inputs=row["inputs"],
            flow_hash=row["flow_hash"],
            git_commit=row["git_commit"],
            git_dirty=None if row["git_dirty"] is None else bool(row["git_dirty"]),
            options=json.loads(row["options"]),
        )

    def commits(self) -> dict[str, tuple[str | None, bool | None]]:
        """Every run's git commit and dirty flag, in one read (for pages listing many runs)."""
        with self.store.connect() as db:
            rows = db.execute("SELECT run_id, git_commit, git_dirty FROM run_meta").fetchall()
        return {
            row["run_id"]: (
                row["git_commit"],
                None if row["git_dirty"] is None else bool(row["git_dirty"]),
            )
            for row in rows
        }

    # --- node results ---------------------------------------------------------------------------

    def save_node(self, run_id: str, node: str, task: str, outputs: bytes, cached: bool) -> None:
        with self.store.connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO node_results VALUES (?,?,?,?,?,?)",
                (run_id, node, task, outputs, int(cached), now()),
            )

    def nodes(self, run_id: str) -> dict[str, bytes]:
        with self.store.connect() as db:
            rows = db.execute(
                "SELECT node, outputs FROM node_results WHERE run_id = ?", (run_id,)
            ).fetchall()
        return {row["node"]: row["outputs"] for row in rows}

    def node_rows(self, run_id: str) -> list[dict[str, Any]]:
        with self.store.connect() as db:
            rows = db.execute(
                "SELECT node, task, cached, finished_at FROM node_results WHERE run_id = ? "
                "ORDER BY finished_at",
                (run_id,),
            ).fetchall()
        return [dict(row) for row in rows]

    def record_origin(self, run_id: str, node: str, task: str, origin: str, source: str) -> None:
        """Node ``node`` (task key ``task``) of ``run_id`` took its outputs from the cache
        (``source``: the run whose job made them) or from before a resume (``source``: the run)."""
        with self.store.connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO node_origins VALUES (?,?,?,?,?,?)",
                (run_id, node, task, origin, source, now()),
            )

    def origins(self, run_id: str) -> list[dict[str, Any]]:
        with self.store.connect() as db:
            rows = db.execute(
                "SELECT * FROM node_origins WHERE run_id = ? ORDER BY recorded_at, node",
                (run_id,),
            ).fetchall()
        return [dict(row) for row in rows]

    # --- run outputs ----------------------------------------------------------------------------

    def save_outputs(self, run_id: str, outputs: bytes) -> None:
        with self.store.connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO run_outputs VALUES (?,?,?)", (run_id, outputs, now())
            )

    def outputs(self, run_id: str) -> bytes | None:
        with self.store.connect() as db:
            row = db.execute(
                "SELECT outputs FROM run_outputs WHERE run_id = ?", (run_id,)
            ).fetchone()
        return row["outputs"] if row else None

    # --- cache ----------------------------------------------------------------------------------

    def cached(self, key: str) -> bytes | None:
        hit = self.cache_hit(key)
        return hit.outputs if hit else None

    def cache_hit(self, key: str) -> CacheHit | None:
        with self.store.connect() as db:
            row = db.execute(
                "SELECT cache_key, outputs, run_id, task, created_at FROM cache_entries "
                "WHERE cache_key = ?",
                (key,),
            ).fetchone()
        return (
            CacheHit(key, row["outputs"], row["run_id"], row["task"], row["created_at"])
            if row
            else None
        )

    def put_cache(self, key: str, task: str, version: str, outputs: bytes, run_id: str) -> None:
        with self.store.connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO cache_entries VALUES (?,?,?,?,?,?)",
                (key, task, version, outputs, run_id, now()),
            )

    def cached_tasks(self) -> list[str]:
        """The names of the tasks that have cached results."""
        with self.store.connect() as db:
            rows = db.execute("SELECT DISTINCT task FROM cache_entries ORDER BY task").fetchall()
        return [row["task"] for row in rows]

    def clear_cache(self, task: str | None = None) -> int:
        with self.store.connect() as db:
            if task is None:
                cursor = db.execute("DELETE FROM cache_entries")
            else:
                cursor = db.execute("DELETE FROM cache_entries WHERE task = ?", (task,))
            return cursor.rowcount
