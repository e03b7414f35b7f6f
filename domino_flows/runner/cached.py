"""A cache hit, recorded like a task that ran: where its result came from, its artifacts and its
lineage (``execution/cached.py``), so ``show`` and ``lineage`` of the run include it."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from domino_flows.backends.base import JobSpec
from domino_flows.execution.cached import CachedTask, record_cached_task
from domino_flows.records import lineage
from domino_flows.records.artifacts_store import artifact_specs
from domino_flows.runner import values
from domino_flows.runner.state import CACHE, CacheHit, RunnerState

logger = logging.getLogger(__name__)


def record_cache_hit(
    ctx: Any,
    state: RunnerState,
    project_root: Path,
    spec: JobSpec,
    output_variables: dict[str, Any],
    node: str,
    literals: dict[str, Any],
    hit: CacheHit,
) -> list[str] | None:
    """Record task ``spec.task`` of node ``node`` as served from ``hit``; returns its artifacts'
    names, or None when the cached result's files are gone and the task must run again."""
    outputs = values.decode(hit.outputs)
    gone = missing_file(outputs.values())
    if gone is not None:
        _stale(spec, hit, f"{gone} no longer exists")
        return None
    try:
        input_values = values.to_python(ctx, literals, spec.input_types)
        output_values = values.to_python(ctx, outputs, spec.output_types)
        artifacts = artifact_specs(output_variables)
        input_refs = [
            lineage.dataset_ref(
                name, value, spec.input_types[name], source=spec.input_sources.get(name)
            )
            for name, value in input_values.items()
        ]
        output_refs = [
            lineage.dataset_ref(name, value, spec.output_types[name], artifacts.get(name))
            for name, value in output_values.items()
        ]
    except OSError as error:
        _stale(spec, hit, str(error))
        return None
    state.record_origin(spec.run_id, node, spec.task, CACHE, hit.source_run)
    config = spec.config
    cached = CachedTask(
        run_id=spec.run_id,
        flow=spec.flow,
        task=spec.task,
        source_run=hit.source_run,
        inputs=input_refs,
        outputs=output_refs,
        cache_key=hit.cache_key,
        environment=config.EnvironmentName or config.EnvironmentId,
        hardware_tier=config.HardwareTierName or config.HardwareTierId,
        command=config.Command or "",
    )
    return record_cached_task(state.store, project_root, cached)


def _stale(spec: JobSpec, hit: CacheHit, why: str) -> None:
    # The result's files were deleted (a cleaned .domino-flows/data): a stale entry is a miss,
    # and the job's new result replaces it, as Flyte's cache behaves when an output is gone.
    logger.warning(
        "task %r: its cached result from run %s cannot be used (%s); running the task again",
        spec.task,
        hit.source_run,
        why,
    )


def missing_file(literals: Iterable[Any]) -> str | None:
    """The first local file or directory a literal points to that no longer exists."""
    for literal in literals:
        scalar = getattr(literal, "scalar", None)
        blob = getattr(scalar, "blob", None) if scalar is not None else None
        if blob is not None:
            uri = blob.uri.removeprefix("file://")
            if "://" not in uri and not Path(uri).exists():
                return uri
        collection = getattr(literal, "collection", None)
        mapping = getattr(literal, "map", None)
        nested = list(collection.literals) if collection is not None else []
        nested += list(mapping.literals.values()) if mapping is not None else []
        found = missing_file(nested)
        if found is not None:
            return found
    return None


def task_cache_key(project_root: Path, task: Any, literals: dict[str, Any]) -> str:
    """The run store's cache key of ``task`` on ``literals``: the project, the task, its cache
    version and a digest of each input it does not ignore."""
    ignored = set(task.metadata.cache_ignore_input_vars or ())
    material = [str(project_root), task.name, task.metadata.cache_version]
    for name in sorted(literals):
        if name not in ignored:
            material.append(f"{name}={values.digest(literals[name])}")
    return hashlib.sha256("\n".join(material).encode()).hexdigest()
