"""Recording a task served from the cache: its artifacts and its lineage, in the run that used it.

A cached task runs no job, so no attempt is recorded for it; without this, ``show`` and
``lineage`` of the run would leave it out and the output that fed it would look unread. What is
recorded, as Flyte's own cache would present it:

- its artifacts: the source run's artifact records (same artifact, same content), listed again
  under this run; the file is not copied (Flyte's cache reuses the same output, too). When the
  source run's artifact is gone, the cached output is collected into this run's artifacts;
- one OpenLineage COMPLETE event for the task, with the cached inputs and outputs as datasets and a
  ``dominoFlowsCache`` run facet naming the run whose job produced the result. Its attempt is 0:
  no job ran.
"""

from __future__ import annotations

from pathlib import Path

import attr

from domino_flows.execution import run_context
from domino_flows.execution.recording import record_event
from domino_flows.records import artifacts_store, lineage
from domino_flows.records.lineage import DatasetRef, RunState, TaskContext
from domino_flows.records.store import ArtifactRecord, RunStore

CACHED_ATTEMPT = 0


CACHE_SCHEMA = f"{lineage.SCHEMA_BASE}/CachedResultRunFacet"  # where its outputs came from


@attr.define(frozen=True)
class CachedTask:
    """A task of ``run_id`` whose outputs came from the cache entry made by ``source_run``."""

    run_id: str
    flow: str
    task: str
    source_run: str
    inputs: list[DatasetRef]
    outputs: list[DatasetRef]
    cache_key: str = ""
    environment: str | None = None
    hardware_tier: str | None = None
    command: str = ""


def record_cached_task(store: RunStore, project_root: Path, cached: CachedTask) -> list[str]:
    """Artifacts and the lineage event of a cached task; returns its artifacts' names."""
    names = _record_artifacts(store, project_root, cached)
    url, path, version = lineage.source_location(project_root, cached.command)
    context = TaskContext(
        namespace=run_context.open_run(project_root, cached.run_id).namespace,
        run_id=cached.run_id,
        flow=cached.flow,
        task=cached.task,
        attempt=CACHED_ATTEMPT,
        job_id="",
        command=cached.command,
        environment_name=cached.environment or None,
        hardware_tier_name=cached.hardware_tier or None,
        source_url=url,
        source_path=path,
        source_version=version,
        inputs=cached.inputs,
    )
    event = lineage.task_event(RunState.COMPLETE, context, outputs=cached.outputs)
    event["run"]["facets"]["dominoFlowsCache"] = lineage.facet(
        CACHE_SCHEMA,
        sourceRunId=cached.source_run,
        sourceRunUuid=lineage.run_uuid(cached.source_run),
        cacheKey=cached.cache_key or None,
    )
    record_event(
        store, project_root, cached.run_id, event, task=cached.task, attempt=CACHED_ATTEMPT
    )
    return names


def _record_artifacts(store: RunStore, project_root: Path, cached: CachedTask) -> list[str]:
    kept = {(a.artifact_name, a.sha256): a for a in store.artifacts(cached.source_run)}
    names, missing = [], []
    for ref in cached.outputs:
        if ref.artifact is None:
            continue
        names.append(ref.artifact["name"])
        source = kept.get((ref.artifact["name"], ref.sha256))
        if source is None or not Path(source.path).exists():
            missing.append(ref)
            continue
        store.add_artifact(
            ArtifactRecord(
                run_id=cached.run_id,
                task=cached.task,
                output=ref.name,
                artifact_name=source.artifact_name,
                artifact_type=source.artifact_type,
                file_name=source.file_name,
                path=source.path,
                sha256=source.sha256,
            )
        )
    artifacts_store.collect(store, project_root, cached.run_id, cached.task, missing)
    return sorted(names)
