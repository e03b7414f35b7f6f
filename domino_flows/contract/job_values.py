"""The values a job setting can hold: git refs, environment revisions, dataset snapshots and
compute clusters, with the official plugin's names, their checks and their JSON.

Standard library only (see ``config``, which declares the job settings that hold them).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from domino_flows.core.errors import TaskDefinitionError

# Domino's published GitRef types; "custom" names any other ref (refs/pull/7/head ...).
GIT_REF_TYPES = ("head", "commitId", "branches", "tags", "custom")
# Spellings no published source uses, with the one that means what their users meant.
GIT_REF_MISSPELLINGS = {"ref": "custom", "branch": "branches", "tag": "tags", "commit": "commitId"}
CLUSTER_TYPES = ("Dask", "Spark", "Ray", "MPI")
SOME_REVISION_TYPE = "domino.environments.api.SomeRevision"


def task_label(task_name: str | None) -> str:
    return f"task {task_name!r}" if task_name else "the job config"


@dataclass(frozen=True)
class GitRef:
    """Which ref of the project's main git repository the job checks out."""

    Type: str
    Value: str | None = None

    def validate(self, task_name: str | None = None) -> None:
        if self.Type in GIT_REF_MISSPELLINGS:
            right = GIT_REF_MISSPELLINGS[self.Type]
            raise TaskDefinitionError(
                f"{task_label(task_name)}: MainRepoGitRef has Type {self.Type!r}, which Domino "
                f"does not know; write GitRef({right!r}, {self.Value!r}) (Domino's types: "
                f"{', '.join(GIT_REF_TYPES)})."
            )
        if self.Type not in GIT_REF_TYPES:
            raise TaskDefinitionError(
                f"{task_label(task_name)}: MainRepoGitRef has Type {self.Type!r}; "
                f"use one of {', '.join(GIT_REF_TYPES)}."
            )
        if self.Type != "head" and not self.Value:
            raise TaskDefinitionError(
                f"{task_label(task_name)}: MainRepoGitRef of Type {self.Type!r} needs a Value "
                f"(the {self.Type} to check out); give Value=... or use GitRef('head')."
            )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.Type}
        if self.Value is not None:
            out["value"] = self.Value
        return out


class EnvironmentRevisionType(str, enum.Enum):
    """Which revision of a Domino environment a job uses."""

    ActiveRevision = "ActiveRevision"
    LatestRevision = "LatestRevision"
    SomeRevision = "SomeRevision"
    RestrictedRevision = "RestrictedRevision"


_RevisionType = EnvironmentRevisionType  # the spec's field shadows the enum's name in its body


@dataclass(frozen=True)
class EnvironmentRevisionSpecification:
    EnvironmentRevisionType: EnvironmentRevisionType
    EnvironmentRevisionId: str | None = None

    def validate(self, task_name: str | None = None) -> None:
        try:
            kind = _RevisionType(self.EnvironmentRevisionType)
        except ValueError:
            allowed = ", ".join(t.value for t in _RevisionType)
            raise TaskDefinitionError(
                f"{task_label(task_name)}: EnvironmentRevisionSpec has revision type "
                f"{self.EnvironmentRevisionType!r}; use one of {allowed}."
            ) from None
        if kind is _RevisionType.SomeRevision:
            if not self.EnvironmentRevisionId:
                raise TaskDefinitionError(
                    f"{task_label(task_name)}: EnvironmentRevisionSpec is SomeRevision but has no "
                    "EnvironmentRevisionId; give the revision id, or use ActiveRevision."
                )
        elif self.EnvironmentRevisionId:
            raise TaskDefinitionError(
                f"{task_label(task_name)}: EnvironmentRevisionSpec {kind.value} takes no "
                "EnvironmentRevisionId; use SomeRevision to pin a revision."
            )

    def to_json(self) -> str | dict[str, Any]:
        kind = _RevisionType(self.EnvironmentRevisionType)
        if kind.value == "SomeRevision":
            return {"_type": SOME_REVISION_TYPE, "revisionId": self.EnvironmentRevisionId}
        return kind.value


@dataclass(frozen=True)
class DatasetSnapshot:
    """A dataset snapshot mounted into the job, by dataset id or name."""

    Id: str | None = None
    Name: str | None = None
    Version: int | None = None

    def validate(self, task_name: str | None = None) -> None:
        if not self.Id and not self.Name:
            raise TaskDefinitionError(
                f"{task_label(task_name)}: a DatasetSnapshot needs the dataset's Id or Name; "
                "give one of them."
            )
        if self.Version is not None and (
            isinstance(self.Version, bool) or not isinstance(self.Version, int) or self.Version <= 0
        ):
            label = self.Name or self.Id
            raise TaskDefinitionError(
                f"{task_label(task_name)}: DatasetSnapshot {label!r} has Version {self.Version!r}; "
                "snapshot versions start at 1 (Domino fails the job at creation otherwise)."
            )

    def to_json(self) -> dict[str, Any]:
        """Domino's ``DatasetSnapshotRefDto``: ``datasetId``, ``snapshotVersion`` and the
        informative ``datasetName``. A snapshot given by name alone has no ``datasetId`` yet:
        the backend (or ``submit``) resolves the name in the project's datasets."""
        out: dict[str, Any] = {}
        if self.Id:
            out["datasetId"] = self.Id
        if self.Name:
            out["datasetName"] = self.Name
        if self.Version is not None:
            out["snapshotVersion"] = self.Version
        return out

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> DatasetSnapshot:
        # the kit's earlier keys (id, name, version) still read
        version = value.get("snapshotVersion", value.get("version"))
        return cls(
            Id=value.get("datasetId", value.get("id")),
            Name=value.get("datasetName", value.get("name")),
            Version=int(version) if version is not None else None,
        )


@dataclass(frozen=True)
class ClusterProperties:
    """An on-demand compute cluster attached to the job."""

    ClusterType: str
    ComputeEnvironmentId: str
    WorkerHardwareTierId: str
    WorkerCount: int
    WorkerStorageGiB: float | None = None
    MaxWorkerCount: int | None = None
    ComputeEnvironmentRevisionSpec: EnvironmentRevisionSpecification | None = None
    MasterHardwareTierId: str | None = None
    ExtraConfigs: dict[str, str] | None = None

    def validate(self, task_name: str | None = None) -> None:
        where = task_label(task_name)
        if self.ClusterType not in CLUSTER_TYPES:
            raise TaskDefinitionError(
                f"{where}: ComputeClusterProperties has ClusterType {self.ClusterType!r}; "
                f"use one of {', '.join(CLUSTER_TYPES)}."
            )
        if self.ClusterType != "MPI" and not self.MasterHardwareTierId:
            raise TaskDefinitionError(
                f"{where}: a {self.ClusterType} cluster needs MasterHardwareTierId "
                "(only MPI clusters run without a master)."
            )
        if self.WorkerCount < 1:
            raise TaskDefinitionError(
                f"{where}: ComputeClusterProperties WorkerCount is {self.WorkerCount}; "
                "use at least 1."
            )
        if self.MaxWorkerCount is not None and self.MaxWorkerCount < self.WorkerCount:
            raise TaskDefinitionError(
                f"{where}: ComputeClusterProperties MaxWorkerCount ({self.MaxWorkerCount}) is "
                f"below WorkerCount ({self.WorkerCount}); raise it or leave it unset."
            )
        if self.ComputeEnvironmentRevisionSpec is not None:
            self.ComputeEnvironmentRevisionSpec.validate(task_name)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "clusterType": self.ClusterType,
            "computeEnvironmentId": self.ComputeEnvironmentId,
            "workerHardwareTierId": {"value": self.WorkerHardwareTierId},
            "workerCount": self.WorkerCount,
        }
        if self.WorkerStorageGiB is not None:
            out["workerStorage"] = {"value": self.WorkerStorageGiB, "unit": "GiB"}
        if self.MaxWorkerCount is not None:
            out["maxWorkerCount"] = self.MaxWorkerCount
        if self.ComputeEnvironmentRevisionSpec is not None:
            out["computeEnvironmentRevisionSpec"] = self.ComputeEnvironmentRevisionSpec.to_json()
        if self.MasterHardwareTierId is not None:
            out["masterHardwareTierId"] = {"value": self.MasterHardwareTierId}
        if self.ExtraConfigs:
            out["extraConfigs"] = dict(self.ExtraConfigs)
        return out


def custom_revision(value: Any) -> str | dict[str, Any]:
    """A revision spec as a task's ``custom`` carries it, whichever form it came in: Domino's API
    answers ``{"revisionId": ...}``, the official plugin writes ``{"_type": ..., "revisionId"}``
    for a specific revision. One shape in ``custom``, so the round trip reads back the same."""
    return revision_from_json(value).to_json()


def revision_from_json(value: Any) -> EnvironmentRevisionSpecification:
    if isinstance(value, dict):
        return EnvironmentRevisionSpecification(
            EnvironmentRevisionType.SomeRevision, value.get("revisionId")
        )
    return EnvironmentRevisionSpecification(EnvironmentRevisionType(value))


def cluster_from_json(value: dict[str, Any]) -> ClusterProperties:
    def _id(key: str) -> str | None:
        item = value.get(key)
        return item.get("value") if isinstance(item, dict) else item

    storage = value.get("workerStorage")
    revision = value.get("computeEnvironmentRevisionSpec")
    return ClusterProperties(
        ClusterType=value["clusterType"],
        ComputeEnvironmentId=value["computeEnvironmentId"],
        WorkerHardwareTierId=_id("workerHardwareTierId") or "",
        WorkerCount=int(value["workerCount"]),
        WorkerStorageGiB=storage.get("value") if isinstance(storage, dict) else storage,
        MaxWorkerCount=int(value["maxWorkerCount"]) if "maxWorkerCount" in value else None,
        ComputeEnvironmentRevisionSpec=revision_from_json(revision) if revision else None,
        MasterHardwareTierId=_id("masterHardwareTierId"),
        ExtraConfigs=value.get("extraConfigs"),
    )
