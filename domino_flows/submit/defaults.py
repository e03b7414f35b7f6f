"""Every field Domino Flows' start request needs, for each task, before it is registered.

Domino Flows starts a task's job with ``POST /v4/jobs/startWorkflowJob``, whose body
(``StartWorkflowJobRequest``) requires ``commitId``, ``environmentId``, ``environmentRevisionSpec``
(a specific revision), ``hardwareTierId``, ``datasetSnapshots``, ``externalVolumeMountIds`` and
``volumeSizeGiB``. The agent copies them from the registered task's ``custom``: a field left out
is a task Domino cannot start. So, as the official plugin does, ``submit`` asks the project's job
defaults (``POST /v4/jobs/{projectId}/resolveJobDefaults``) for what the task leaves out, once per
distinct request, and keeps what the task pins. What cannot be resolved is refused, naming the
task and the field.

Two things the start request takes only as ids are chosen by name in a flow and are not looked up
here: a ``DatasetSnapshot`` given by ``Name`` alone and an ``ExternalDataVolume``. The domino
backend resolves them when it runs a task; until it offers those lookups to ``submit``, a task
that uses them is refused with the id to give instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from domino_flows.config import EXTERNAL_DATA_VOLUME_NAMES, NETAPP_SNAPSHOT_INPUTS

# Required by StartWorkflowJobRequest (v4-subset.json), with what a user writes to pin each.
REQUIRED_FIELDS: dict[str, str] = {
    "commitId": "CommitId (dfs_repo_commit_id=...)",
    "environmentId": "EnvironmentId (environment=... / environment_name=...)",
    "environmentRevisionSpec": "EnvironmentRevisionSpec (environment_revision_id=...)",
    "hardwareTierId": "HardwareTierId (hardware_tier=... / hardware_tier_name=...)",
    "datasetSnapshots": "DatasetSnapshots (dataset_snapshots=[...])",
    "externalVolumeMountIds": "ExternalVolumeMountIds (external_volume_mounts=[...])",
    "volumeSizeGiB": "VolumeSizeGiB (volume_size_gib=...)",
}

# What ResolveDefaultJobPropertiesRequest takes from a task's custom.
REQUEST_FIELDS = (
    "commitId",
    "computeClusterProperties",
    "datasetSnapshots",
    "environmentId",
    "environmentRevisionSpec",
    "externalVolumeMountIds",
    "hardwareTierId",
    "mainRepoGitRef",
    "netAppVolumeSnapshots",
    "volumeSizeGiB",
)

Post = Callable[[dict[str, Any]], Any]


def request_body(custom: dict[str, Any]) -> dict[str, Any]:
    """The resolveJobDefaults request for a task: what it pins, in the request's shape."""
    body = {k: custom[k] for k in REQUEST_FIELDS if k in custom}
    revision = body.get("environmentRevisionSpec")
    if isinstance(revision, dict):  # the request takes {"revisionId": ...} without the kind
        body["environmentRevisionSpec"] = {"revisionId": revision.get("revisionId")}
    if "datasetSnapshots" in body:
        body["datasetSnapshots"] = [s for s in body["datasetSnapshots"] if s.get("datasetId")]
    return body


def by_name(custom: dict[str, Any]) -> list[str]:
    """What the task chooses by name that the start request takes only as ids."""
    out = []
    for snapshot in custom.get("datasetSnapshots", []):
        if not snapshot.get("datasetId"):
            out.append(
                f"datasetSnapshots: dataset {snapshot.get('datasetName')!r} is given by name; "
                "Domino Flows needs its id: give DatasetSnapshot(Id='<dataset id>', "
                f"Version={snapshot.get('snapshotVersion', 1)})"
            )
    for name in custom.get(EXTERNAL_DATA_VOLUME_NAMES, []):
        out.append(
            f"externalVolumeMountIds: external data volume {name!r} is given by name; Domino "
            "Flows needs its id: give external_volume_mounts=['<volume id>'] "
            "(ExternalVolumeMountIds)"
        )
    if custom.get(NETAPP_SNAPSHOT_INPUTS):
        inputs = ", ".join(custom[NETAPP_SNAPSHOT_INPUTS])
        out.append(
            f"netAppVolumeSnapshots: the NetApp snapshot chosen at launch (input {inputs}) cannot "
            "be registered, because Domino Flows' start request takes fixed snapshots; give "
            "NetAppVolumeSnapshot(Id=..., Version=...) in the flow"
        )
    return out


class JobDefaults:
    """The project's job defaults, asked once per distinct request body."""

    def __init__(self, post: Post) -> None:
        self._post = post
        self._answers: dict[str, dict[str, Any]] = {}

    @property
    def requests(self) -> int:
        return len(self._answers)

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        key = json.dumps(body, sort_keys=True)
        if key not in self._answers:
            answer = self._post(body)
            self._answers[key] = dict(answer) if isinstance(answer, dict) else {}
        return self._answers[key]


def _specific(revision: Any) -> bool:
    return isinstance(revision, dict) and bool(revision.get("revisionId"))


def complete(
    custom: dict[str, Any], defaults: JobDefaults | None
) -> tuple[dict[str, Any], list[str], list[str]]:
    """``custom`` with every required field; returns (custom, fields filled, fields missing).

    Pinned values are kept, except a revision kind (``ActiveRevision`` ...), which becomes the
    specific revision it means today; without ``defaults`` (no Domino to ask) nothing is filled.
    """
    out = dict(custom)
    filled: list[str] = []
    needed = [k for k in REQUIRED_FIELDS if k not in out]
    revision = out.get("environmentRevisionSpec")
    if revision is not None and not _specific(revision):
        needed.append("environmentRevisionSpec")
    if needed and defaults is not None:
        answer = defaults.answer(request_body(out))
        for key in needed:
            value = answer.get(key)
            if value is None:
                continue
            if key == "environmentRevisionSpec":
                if not _specific(value):
                    continue
                value = {"_type": "domino.environments.api.SomeRevision", **value}
            out[key] = value
            filled.append(key)
    missing = [k for k in REQUIRED_FIELDS if k not in out]
    if "environmentRevisionSpec" in out and not _specific(out["environmentRevisionSpec"]):
        missing.append("environmentRevisionSpec")
    return out, filled, missing
