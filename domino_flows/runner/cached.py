"""A cache hit, recorded like a task that ran: where its result came from, its artifacts and its
lineage (``records_cached``), so ``show`` and ``lineage`` of the run include it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from domino_flows import lineage
from domino_flows.artifacts_store import artifact_specs
from domino_flows.backends.base import JobSpec
from domino_flows.errors import DominoFlowsError
from domino_flows.records_cached import CachedTask, record_cached_task
from domino_flows.runner import values
from domino_flows.runner.state import CACHE, CacheHit, RunnerState


def record_cache_hit(
    ctx: Any,
    state: RunnerState,
    project_root: Path,
    spec: JobSpec,
    output_variables: dict[str, Any],
    node: str,
    literals: dict[str, Any],
    hit: CacheHit,
) -> list[str]:
    """Record task ``spec.task`` of node ``node`` as served from ``hit``; returns its artifacts."""
    outputs = values.decode(hit.outputs)
    try:
        input_values = values.to_python(ctx, literals, spec.input_types)
        output_values = values.to_python(ctx, outputs, spec.output_types)
        artifacts = artifact_specs(output_variables)
        input_refs = [
            lineage.dataset_ref(name, value, spec.input_types[name])
            for name, value in input_values.items()
        ]
        output_refs = [
            lineage.dataset_ref(name, value, spec.output_types[name], artifacts.get(name))
            for name, value in output_values.items()
        ]
    except OSError as error:
        raise DominoFlowsError(
            f"task {spec.task!r}: its cached result (from run {hit.source_run}) cannot be read: "
            f"{error}. Clear it with domino-flows cache clear --task {hit.task} and run again."
        ) from None
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
