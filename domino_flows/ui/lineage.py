"""The lineage page: datasets and the tasks that produced and read them, across runs, from the
OpenLineage events the run store recorded.

Datasets are identified by content (their sha256, as the events carry it), so one version of a
dataset links every run that produced or read it: a run that read another run's output, or
whose cached task took its result from another run (the ``dominoFlowsCache`` facet). Within a run,
a task's input is named after the output it was bound to, which ``domino-flows lineage`` uses;
across runs only content (and the cache facet) says which data was the same.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from domino_flows.records.store import RunStore

RUNS_SCANNED = 100  # the lineage page reads the events of this many recent runs


@dataclass(frozen=True)
class TaskRef:
    run_id: str
    task: str
    dataset: str  # the name this task knew the dataset by


@dataclass
class DatasetVersion:
    sha256: str
    names: list[str] = field(default_factory=list)
    produced_by: list[TaskRef] = field(default_factory=list)
    read_by: list[TaskRef] = field(default_factory=list)

    @property
    def runs(self) -> list[str]:
        return sorted({r.run_id for r in [*self.produced_by, *self.read_by]})


@dataclass(frozen=True)
class RunLink:
    source_run: str
    target_run: str
    how: str  # "read <dataset>" or "cached <task>"


@dataclass
class LineagePage:
    versions: list[DatasetVersion]
    links: list[RunLink]
    runs_scanned: int
    run_filter: str


def lineage_page(store: RunStore, run_filter: str = "") -> LineagePage:
    runs = [r["run_id"] for r in store.runs()][-RUNS_SCANNED:]
    versions: dict[str, DatasetVersion] = {}
    links: set[RunLink] = set()
    for run_id in runs:
        for row in store.lineage_events(run_id):
            event = json.loads(row["event"])
            task = row.get("task") or ""
            if not task or event.get("eventType") != "COMPLETE":
                continue
            for direction in ("outputs", "inputs"):
                for dataset in event.get(direction) or []:
                    digest = _sha256(dataset)
                    if not digest:
                        continue
                    version = versions.setdefault(digest, DatasetVersion(digest))
                    if dataset["name"] not in version.names:
                        version.names.append(dataset["name"])
                    ref = TaskRef(run_id, task, dataset["name"])
                    (version.produced_by if direction == "outputs" else version.read_by).append(ref)
            cache = ((event.get("run") or {}).get("facets") or {}).get("dominoFlowsCache") or {}
            if cache.get("sourceRunId") and cache["sourceRunId"] != run_id:
                links.add(RunLink(cache["sourceRunId"], run_id, f"cached {task}"))
    for version in versions.values():
        for producer in version.produced_by:
            for reader in version.read_by:
                if reader.run_id != producer.run_id and not _produced_in(version, reader.run_id):
                    links.add(RunLink(producer.run_id, reader.run_id, f"read {producer.dataset}"))
    chosen = [
        v for v in versions.values() if v.produced_by and (not run_filter or run_filter in v.runs)
    ]
    # data shared by several runs first, then the newest
    chosen.sort(key=lambda v: (-len(v.runs), [-runs.index(r) for r in v.runs]))
    kept_links = [
        link
        for link in sorted(links, key=lambda k: (k.source_run, k.target_run, k.how))
        if not run_filter or run_filter in (link.source_run, link.target_run)
    ]
    return LineagePage(chosen, kept_links, len(runs), run_filter)


def _produced_in(version: DatasetVersion, run_id: str) -> bool:
    # a run that made this content itself did not need another run's copy
    return any(p.run_id == run_id for p in version.produced_by)


def _sha256(dataset: dict[str, Any]) -> str:
    for facet in (dataset.get("facets") or {}).values():
        if isinstance(facet, dict) and facet.get("sha256"):
            return str(facet["sha256"])
    return ""
