"""``domino-flows runs prune``: forget old runs and delete their files, so the store stops growing.

Runs are chosen by age (``--older-than 7d``) or by count (``--keep 20``: all but the newest 20),
never one that is running: a run recorded Running is kept whatever its age (its runner may be
alive; ``resume`` or a finished run makes it prunable). For each pruned run its rows in every table
of the run store that has a ``run_id`` column are deleted (attempts, lineage, artifacts, node
results, cached results it made), then its folders: ``data/<run>``, ``jobs/<run>`` and its lease.
A later run that reused its results runs those tasks again (``--reuse`` and the cache check that
the files still exist).
"""

from __future__ import annotations

import datetime as _dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domino_flows.core.errors import DominoFlowsError
from domino_flows.core.paths import state_dir
from domino_flows.runner.run_list import parse_age, parse_time

RUNNING = "Running"


@dataclass
class Pruned:
    removed: list[str] = field(default_factory=list)
    kept_running: list[str] = field(default_factory=list)

    def message(self, store: Path) -> str:
        text = (
            f"removed {len(self.removed)} run{'s' if len(self.removed) != 1 else ''} from {store}"
        )
        if self.kept_running:
            text += f"; kept {len(self.kept_running)} still running: " + ", ".join(
                self.kept_running
            )
        return text + "."


def choose(
    runs: list[dict[str, Any]],
    older_than: str | None,
    keep: int | None,
    now: _dt.datetime | None = None,
) -> Pruned:
    """Which runs to prune (``runs`` oldest first, as the store lists them)."""
    if (older_than is None) == (keep is None):
        raise DominoFlowsError(
            "runs prune needs one of --older-than AGE (e.g. 7d) or --keep N (the newest N stay)."
        )
    candidates: list[dict[str, Any]]
    if keep is not None:
        candidates = runs[: max(0, len(runs) - keep)]
    else:
        cutoff = (now or _dt.datetime.now(_dt.timezone.utc)) - parse_age(older_than or "")
        candidates = [
            r for r in runs if (started := parse_time(r["started_at"])) and started < cutoff
        ]
    result = Pruned()
    for run in candidates:
        (result.kept_running if run["state"] == RUNNING else result.removed).append(run["run_id"])
    return result


def prune(store: Any, run_ids: list[str]) -> None:
    """Delete ``run_ids`` from ``store`` and their folders."""
    from domino_flows.backends.local import slug
    from domino_flows.runner.lease import lease_path

    if not run_ids:
        return
    store.require_writable()
    root = store.path.parent.parent
    with store.connect() as db:
        tables = [
            row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        for table in tables:
            columns = {row[1] for row in db.execute(f'PRAGMA table_info("{table}")')}
            if "run_id" in columns:
                marks = ",".join("?" for _ in run_ids)
                db.execute(f'DELETE FROM "{table}" WHERE run_id IN ({marks})', run_ids)
    for run_id in run_ids:
        for folder in (state_dir(root) / "data" / run_id, state_dir(root) / "jobs" / slug(run_id)):
            shutil.rmtree(folder, ignore_errors=True)
        lease_path(root, run_id).unlink(missing_ok=True)
