"""``domino-flows lineage RUN``: for each output and artifact of a run, what produced it
(upstream) and what read it (downstream), from the run's OpenLineage events."""

from __future__ import annotations

import json
from typing import Any


def describe(events: list[dict[str, Any]], artifacts: list[Any]) -> str:
    """A task read an output when its input is named after that output: the runner names each
    input after what the workflow bound it to. Inputs recorded without that (by ``python
    flow.py``, whose local execution does not say where a value came from) are matched by equal
    content instead, which can link tasks that only happened to see equal values."""
    producers: dict[str, tuple[str, str]] = {}  # dataset name -> (task, hash)
    by_name: dict[str, list[str]] = {}
    by_content: dict[str, list[str]] = {}
    for row in events:
        event = json.loads(row["event"]) if isinstance(row.get("event"), str) else row
        task = row.get("task") or ""
        if not task or event.get("eventType") != "COMPLETE":
            continue
        for dataset in event.get("outputs", []):
            producers[dataset["name"]] = (task, _hash(dataset))
        for dataset in event.get("inputs", []):
            by_name.setdefault(dataset["name"], []).append(task)
            if not _bound(dataset) and _hash(dataset):
                by_content.setdefault(_hash(dataset), []).append(task)
    lines = []
    for name, (task, digest) in sorted(producers.items()):
        readers = by_name.get(name, []) + (by_content.get(digest, []) if digest else [])
        consumers = sorted(set(readers) - {task})
        lines.append(f"{name}")
        lines.append(f"  upstream:   {task}")
        lines.append(f"  downstream: {', '.join(consumers) or 'none (a final output)'}")
        if digest:
            lines.append(f"  sha256:     {digest}")
    for artifact in artifacts:
        lines.append(
            f"artifact {artifact.artifact_name} ({artifact.artifact_type}) "
            f"{artifact.file_name}: produced by {artifact.task} output {artifact.output}, "
            f"stored at {artifact.path}"
        )
    return "\n".join(lines) if lines else "no lineage recorded for this run yet"


def _hash(dataset: dict[str, Any]) -> str:
    facets = dataset.get("facets", {}) or {}
    for facet in facets.values():
        if isinstance(facet, dict) and facet.get("sha256"):
            return str(facet["sha256"])
    return ""


def _bound(dataset: dict[str, Any]) -> bool:
    facets = dataset.get("facets", {}) or {}
    return any(isinstance(f, dict) and f.get("bound") for f in facets.values())
