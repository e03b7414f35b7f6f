"""Every field Domino Flows' start request needs, for each task, before it is registered.

Domino Flows starts a task's job with ``POST /v4/jobs/startWorkflowJob``, whose body
(``StartWorkflowJobRequest``) requires ``commitId``, ``environmentId``, ``environmentRevisionSpec``
(a specific revision), ``hardwareTierId``, ``datasetSnapshots``, ``externalVolumeMountIds`` and
``volumeSizeGiB``, and of a cluster (``ComputeClusterConfigSpecWithSpecificRevisionDto``) a
specific ``computeEnvironmentRevisionSpec``. The agent copies them from the registered task's
``custom``: a field left out is a task Domino cannot start. So, as the official plugin does,
``submit`` takes what the task leaves out from the project's job defaults and keeps what it pins.
The request itself (its body, its cache, its route) belongs to the domino backend
(``backends/domino_names.py``); here ``ask`` is that call for one task. What cannot be resolved
is refused, naming the task and the field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domino_flows.authoring.config import custom_revision

CLUSTER_REVISION = "computeClusterProperties.computeEnvironmentRevisionSpec"

# Required by StartWorkflowJobRequest (v4-subset.json), with what a user writes to pin each.
REQUIRED_FIELDS: dict[str, str] = {
    "commitId": "CommitId (dfs_repo_commit_id=...)",
    "environmentId": "EnvironmentId (environment=... / environment_name=...)",
    "environmentRevisionSpec": "EnvironmentRevisionSpec (environment_revision_id=...)",
    "hardwareTierId": "HardwareTierId (hardware_tier=... / hardware_tier_name=...)",
    "datasetSnapshots": "DatasetSnapshots (dataset_snapshots=[...])",
    "externalVolumeMountIds": "ExternalVolumeMountIds (external_data_volumes=[...])",
    "volumeSizeGiB": "VolumeSizeGiB (volume_size_gib=...)",
}
# Required of a task with a cluster.
CLUSTER_FIELDS: dict[str, str] = {
    CLUSTER_REVISION: "ClusterProperties(ComputeEnvironmentRevisionSpec="
    "EnvironmentRevisionSpecification(EnvironmentRevisionType.SomeRevision, '<revision id>'))",
}

Ask = Callable[[], dict[str, Any]]


def _specific(revision: Any) -> bool:
    return isinstance(revision, dict) and bool(revision.get("revisionId"))


def needed(custom: dict[str, Any]) -> list[str]:
    """The required fields ``custom`` does not give (a revision kind is not a specific one)."""
    revision = custom.get("environmentRevisionSpec")
    out = [
        k
        for k in REQUIRED_FIELDS
        if k not in custom or (k == "environmentRevisionSpec" and not _specific(revision))
    ]
    cluster = custom.get("computeClusterProperties")
    if isinstance(cluster, dict) and not _specific(cluster.get("computeEnvironmentRevisionSpec")):
        out.append(CLUSTER_REVISION)
    return out


def complete(
    custom: dict[str, Any], ask: Ask | None
) -> tuple[dict[str, Any], list[str], list[str]]:
    """``custom`` with every required field; returns (custom, fields filled, fields missing).

    Pinned values are kept, except a revision kind (``ActiveRevision`` ...), which becomes the
    specific revision it means today; without ``ask`` (no Domino to ask) nothing is filled.
    Revisions are written in the one shape a task's ``custom`` carries (``custom_revision``).
    """
    out = dict(custom)
    filled: list[str] = []
    wanted = needed(out)
    if wanted and ask is not None:
        answer = ask()
        for key in wanted:
            if key == CLUSTER_REVISION:
                revision = (answer.get("computeClusterProperties") or {}).get(
                    "computeEnvironmentRevisionSpec"
                )
                if _specific(revision):
                    cluster = dict(out["computeClusterProperties"])
                    cluster["computeEnvironmentRevisionSpec"] = custom_revision(revision)
                    out["computeClusterProperties"] = cluster
                    filled.append(key)
                continue
            value = answer.get(key)
            if value is None:
                continue
            if key == "environmentRevisionSpec":
                if not _specific(value):
                    continue
                value = custom_revision(value)
            out[key] = value
            filled.append(key)
    return out, filled, needed(out)
