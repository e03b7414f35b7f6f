"""The body of ``POST /v4/jobs/start`` (``StartJobRequest``), built from the one settings model.

Which job fields reach the request, and which of its properties each fills, is declared on the
field (``start=``/``unsent=`` in ``authoring/config.py``). This module knows only the shapes that
differ from the field's ``custom`` value: names resolved to ids (``ResolvedJob``), the hardware
tier and volume size under ``override...`` names, a revision spec without its ``_type`` tag, the
job's title. A property with no shape of its own gets the field's ``custom`` value as JSON, so a
new plain field is one declaration in the model. ``tests/backends/test_domino_start.py`` checks
every property against Domino's published schema for each kind of task.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from domino_flows.authoring.config import DominoJobConfig, EnvironmentRevisionSpecification
from domino_flows.backends.base import JobSpec, ResolvedJob
from domino_flows.contract import job_settings

logger = logging.getLogger(__name__)

# Sent for every job, ids as null when the task leaves them out: Domino then takes the project's
# defaults for them.
ALWAYS = ("title", "overrideHardwareTierId", "environmentId")


def revision_json(revision: EnvironmentRevisionSpecification) -> str | dict[str, Any]:
    """An environment revision spec as the description defines it: a name, or ``{revisionId}``
    (the serialized task's ``_type`` tag is not part of Domino's request schema)."""
    value = revision.to_json()
    if isinstance(value, dict):
        return {"revisionId": value["revisionId"]}
    return value


def cluster_json(spec: JobSpec) -> dict[str, Any] | None:
    """``ComputeClusterConfigSpecDto``: the config's cluster (its storage an ``Information``),
    with the revision spec in the request's shape."""
    cluster = spec.config.ComputeClusterProperties
    if cluster is None:
        return None
    body = cluster.to_json()
    if cluster.ComputeEnvironmentRevisionSpec is not None:
        body["computeEnvironmentRevisionSpec"] = revision_json(
            cluster.ComputeEnvironmentRevisionSpec
        )
    return body


def _shapes(spec: JobSpec, command: str, resolved: ResolvedJob) -> dict[str, Callable[[], Any]]:
    """Each property whose value is not the field's ``custom`` value, and how to write it."""
    config = spec.config
    revision = config.EnvironmentRevisionSpec
    size = config.VolumeSizeGiB
    return {
        "commandToRun": lambda: command,
        "title": lambda: spec.title,
        "overrideHardwareTierId": lambda: resolved.hardware_tier_id,
        "environmentId": lambda: resolved.environment_id,
        "environmentRevisionSpec": lambda: revision_json(revision) if revision else None,
        "computeClusterProperties": lambda: cluster_json(spec),
        "overrideVolumeSizeGiB": lambda: float(size) if size is not None else None,
        "externalVolumeMounts": lambda: list(resolved.external_volume_mount_ids) or None,
    }


def shaped_properties() -> frozenset[str]:
    """The properties written here rather than copied from ``custom`` (for the model's tests)."""
    empty = ResolvedJob(None, None, None, None, None)
    return frozenset(_shapes(JobSpec("", "", "", DominoJobConfig()), "", empty))


def start_body(
    project_id: str, spec: JobSpec, command: str, resolved: ResolvedJob
) -> dict[str, Any]:
    """The ``StartJobRequest`` body of ``spec``'s job, which runs ``command``. Ids left out take
    the project's defaults; properties whose schema has no null (the revision spec) are left out
    rather than sent as null."""
    shapes = _shapes(spec, command, resolved)
    body: dict[str, Any] = {"projectId": project_id, "commandToRun": command}
    body.update({name: shapes[name]() for name in ALWAYS})
    custom = spec.config.to_custom()
    for job_field in job_settings.job_fields(DominoJobConfig):
        if job_field.setting.custom_key not in custom:
            continue  # not set
        for name in job_field.setting.start:
            if name in body:
                continue
            shape = shapes.get(name)
            value = shape() if shape is not None else custom[job_field.setting.custom_key]
            if value is not None:
                body[name] = value
    return body


def unsent_fields(config: DominoJobConfig) -> list[str]:
    """The fields ``config`` sets that ``StartJobRequest`` cannot carry, each with why."""
    custom = config.to_custom()
    return [
        f"{job_field.name} ({job_field.setting.unsent})"
        for job_field in job_settings.job_fields(DominoJobConfig)
        if job_field.setting.unsent and job_field.setting.custom_key in custom
    ]


def warn_unsent(spec: JobSpec) -> None:
    """Say which job fields the start request cannot carry, rather than drop them quietly."""
    unsent = unsent_fields(spec.config)
    if unsent:
        logger.warning(
            "task %s: the domino backend does not send %s.", spec.task, "; ".join(unsent)
        )
