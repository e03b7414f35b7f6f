"""The Domino job configuration a task carries, with the official plugin's names.

Field names are PascalCase, as in Domino's own Flows plugin, so flows written for Domino port by
changing imports. Everything here is plain data: no credentials, no network I/O. Names of
environments and hardware tiers (``EnvironmentName``, ``HardwareTierName``) are kept as names and
resolved to ids by the backend when the task runs, or by ``domino-flows submit`` before it
serializes for Domino Flows.

Standard library only, so that backends and the command line can read configs without flytekit.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields
from typing import Any

from domino_flows import job_settings
from domino_flows.data_sources import ExternalDataVolume, NetAppVolumeSnapshot
from domino_flows.errors import TaskDefinitionError
from domino_flows.job_settings import setting

# The task type Domino Flows runs; here, not in task.py, so the connector (loaded by flytekit's
# plugin machinery while flytekit itself is still importing) needs nothing that imports flytekit.
TASK_TYPE = "domino_job"
FAN_OUT_TASK_TYPE = "domino_fan_out"  # the kit's fan_out; Domino Flows does not run it

# Domino's published GitRef types; "custom" names any other ref (refs/pull/7/head ...).
GIT_REF_TYPES = ("head", "commitId", "branches", "tags", "custom")
# Spellings no published source uses, with the one that means what their users meant.
GIT_REF_MISSPELLINGS = {"ref": "custom", "branch": "branches", "tag": "tags", "commit": "commitId"}
CLUSTER_TYPES = ("Dask", "Spark", "Ray", "MPI")
SOME_REVISION_TYPE = "domino.environments.api.SomeRevision"
# The kit's own keys the config writes (Domino's start request takes ids: resolved or refused).
EXTERNAL_DATA_VOLUME_NAMES = "externalDataVolumeNames"
NETAPP_SNAPSHOT_INPUTS = "netAppVolumeSnapshotInputs"
ENVIRONMENT_NAME = "environmentName"
HARDWARE_TIER_NAME = "hardwareTierName"


def _where(task_name: str | None) -> str:
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
                f"{_where(task_name)}: MainRepoGitRef has Type {self.Type!r}, which Domino does "
                f"not know; write GitRef({right!r}, {self.Value!r}) (Domino's types: "
                f"{', '.join(GIT_REF_TYPES)})."
            )
        if self.Type not in GIT_REF_TYPES:
            raise TaskDefinitionError(
                f"{_where(task_name)}: MainRepoGitRef has Type {self.Type!r}; "
                f"use one of {', '.join(GIT_REF_TYPES)}."
            )
        if self.Type != "head" and not self.Value:
            raise TaskDefinitionError(
                f"{_where(task_name)}: MainRepoGitRef of Type {self.Type!r} needs a Value "
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
                f"{_where(task_name)}: EnvironmentRevisionSpec has revision type "
                f"{self.EnvironmentRevisionType!r}; use one of {allowed}."
            ) from None
        if kind is _RevisionType.SomeRevision:
            if not self.EnvironmentRevisionId:
                raise TaskDefinitionError(
                    f"{_where(task_name)}: EnvironmentRevisionSpec is SomeRevision but has no "
                    "EnvironmentRevisionId; give the revision id, or use ActiveRevision."
                )
        elif self.EnvironmentRevisionId:
            raise TaskDefinitionError(
                f"{_where(task_name)}: EnvironmentRevisionSpec {kind.value} takes no "
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
                f"{_where(task_name)}: a DatasetSnapshot needs the dataset's Id or Name; "
                "give one of them."
            )
        if self.Version is not None and (
            isinstance(self.Version, bool) or not isinstance(self.Version, int) or self.Version <= 0
        ):
            label = self.Name or self.Id
            raise TaskDefinitionError(
                f"{_where(task_name)}: DatasetSnapshot {label!r} has Version {self.Version!r}; "
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
        where = _where(task_name)
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


# Of a cluster, only its tiers and sizes are cache-neutral (Domino's rule): its type, environment
# and extra configs change what the job computes. (The config's own are marked on its fields.)
CACHE_NEUTRAL_CLUSTER_KEYS = frozenset(
    {
        "workerHardwareTierId",
        "masterHardwareTierId",
        "workerCount",
        "workerStorage",
        "maxWorkerCount",
    }
)


def _some_revision(revision_id: str) -> EnvironmentRevisionSpecification:
    return EnvironmentRevisionSpecification(EnvironmentRevisionType.SomeRevision, revision_id)


def _tier_id(value: Any) -> Any:
    return value.get("value") if isinstance(value, dict) else value


@dataclass(frozen=True)
class DominoJobConfig:
    """What a Domino Job runs and where. Only ``Command`` is required.

    ``EnvironmentName`` and ``HardwareTierName`` are domino-flows additions: they name an
    environment or tier instead of pinning its id, and are resolved by the backend at run time.
    Give either the id or the name of each, not both.

    Each field is a job setting (``job_settings``): its ``custom`` key, the kit's keyword on
    ``@domino_task`` and ``run_domino_job_task`` (then the other accepted spellings), how it is
    written, and whether it counts in the cache version. A new job field is one line here.
    """

    Command: str = setting("command", always=True, default="")
    Title: str | None = setting("title", keyword="title", cache_neutral=True)
    CommitId: str | None = setting(
        "commitId", keyword="commit_id", aliases={"dfs_repo_commit_id": None}
    )
    MainRepoGitRef: GitRef | None = setting(
        "mainRepoGitRef",
        keyword="git_ref",
        aliases={"main_git_repo_ref": None},
        encode=lambda ref: ref.to_json(),
        decode=lambda value: GitRef(value["type"], value.get("value")),
    )
    HardwareTierId: str | None = setting(
        "hardwareTierId",
        keyword="hardware_tier_id",
        encode=lambda tier: {"value": tier},
        decode=_tier_id,
        cache_neutral=True,
    )
    HardwareTierName: str | None = setting(
        HARDWARE_TIER_NAME,
        keyword="hardware_tier",
        aliases={"hardware_tier_name": None},
        cache_neutral=True,
        addition=True,
    )
    EnvironmentId: str | None = setting("environmentId", keyword="environment_id")
    EnvironmentName: str | None = setting(
        ENVIRONMENT_NAME, keyword="environment", aliases={"environment_name": None}, addition=True
    )
    EnvironmentRevisionSpec: EnvironmentRevisionSpecification | None = setting(
        "environmentRevisionSpec",
        keyword="environment_revision",
        aliases={"environment_revision_id": _some_revision},
        encode=lambda spec: spec.to_json(),
        decode=lambda value: _revision_from_json(value),
    )
    ComputeClusterProperties: ClusterProperties | None = setting(
        "computeClusterProperties",
        keyword="compute_cluster",
        encode=lambda cluster: cluster.to_json(),
        decode=lambda value: _cluster_from_json(value),
    )
    VolumeSizeGiB: float | None = setting(
        "volumeSizeGiB",
        keyword="volume_size_gib",
        decode=float,  # protobuf Struct carries every number as a float
        cache_neutral=True,
    )
    DatasetSnapshots: list[DatasetSnapshot] = setting(
        "datasetSnapshots",
        keyword="dataset_snapshots",
        encode=lambda snapshots: [s.to_json() for s in snapshots],
        decode=lambda values: [DatasetSnapshot.from_json(v) for v in values],
        default_factory=list,
    )
    ExternalVolumeMountIds: list[str] = setting(
        "externalVolumeMountIds",
        keyword="external_volume_mount_ids",
        aliases={"external_volume_mounts": list},  # the kit's earlier helper spelling
        encode=list,
        decode=list,
        default_factory=list,
    )
    ExternalDataVolumes: list[ExternalDataVolume] = setting(
        EXTERNAL_DATA_VOLUME_NAMES,
        keyword="external_data_volumes",
        encode=lambda volumes: [v.Name for v in volumes],
        decode=lambda names: [ExternalDataVolume(Name=n) for n in names],
        addition=True,
        default_factory=list,
    )
    NetAppVolumeSnapshots: list[NetAppVolumeSnapshot] = setting(
        "netAppVolumeSnapshots",
        keyword="netapp_volume_snapshots",
        encode=lambda snapshots: [s.to_json() for s in snapshots],
        decode=lambda values: [NetAppVolumeSnapshot.from_json(v) for v in values],
        default_factory=list,
    )
    # Names of the task's inputs that carry a NetAppVolumeSnapshot chosen at launch (a workflow
    # input passed to netapp_volume_snapshots=[...]); mounted like the fixed ones.
    NetAppVolumeSnapshotInputs: list[str] = setting(
        NETAPP_SNAPSHOT_INPUTS, encode=list, decode=list, addition=True, default_factory=list
    )
    # Set by resolve_job_properties(): omitted fields take the project's job defaults.
    _resolve_defaults: bool = field(default=False, init=False, repr=False, compare=False)

    def resolve_job_properties(self) -> DominoJobConfig:
        """Fill every omitted field from the project's job defaults, as the official plugin's
        method of the same name does.

        The official plugin asks Domino at once; defining a flow here never talks to Domino, so
        the config is marked instead and the fields are resolved where Domino is known: by the
        backend when the task runs, and by ``domino-flows submit`` before it registers the task
        (it is the same as ``use_project_defaults_for_omitted=True``). Returns the config.
        """
        object.__setattr__(self, "_resolve_defaults", True)
        return self

    @property
    def resolves_job_properties(self) -> bool:
        return self._resolve_defaults

    def validate(self, task_name: str | None = None) -> None:
        """Raise :class:`TaskDefinitionError` naming the task and field at the first problem."""
        where = _where(task_name)
        if not isinstance(self.Command, str) or not self.Command.strip():
            raise TaskDefinitionError(
                f"{where}: DominoJobConfig has no Command; give the shell command the job runs, "
                "e.g. Command='python scripts/train.py'."
            )
        if self.HardwareTierId and self.HardwareTierName:
            raise TaskDefinitionError(
                f"{where}: DominoJobConfig gives both HardwareTierId ({self.HardwareTierId!r}) "
                f"and HardwareTierName ({self.HardwareTierName!r}); keep one of them."
            )
        if self.EnvironmentId and self.EnvironmentName:
            raise TaskDefinitionError(
                f"{where}: DominoJobConfig gives both EnvironmentId ({self.EnvironmentId!r}) "
                f"and EnvironmentName ({self.EnvironmentName!r}); keep one of them."
            )
        if self.VolumeSizeGiB is not None and self.VolumeSizeGiB <= 0:
            raise TaskDefinitionError(
                f"{where}: DominoJobConfig VolumeSizeGiB is {self.VolumeSizeGiB}; "
                "give a positive size or leave it unset for the project default."
            )
        if self.MainRepoGitRef is not None:
            self.MainRepoGitRef.validate(task_name)
        if self.EnvironmentRevisionSpec is not None:
            self.EnvironmentRevisionSpec.validate(task_name)
        if self.ComputeClusterProperties is not None:
            self.ComputeClusterProperties.validate(task_name)
        for snapshot in self.DatasetSnapshots:
            snapshot.validate(task_name)
        for volume in self.ExternalDataVolumes:
            volume.validate(task_name)
        for netapp in self.NetAppVolumeSnapshots:
            netapp.validate(task_name)

    def to_custom(self) -> dict[str, Any]:
        """The camelCase JSON Domino Flows reads from the task template's ``custom`` field.

        Only fields that are set appear, as in Domino's own plugin.
        """
        return job_settings.to_custom(self)

    @classmethod
    def from_custom(cls, custom: dict[str, Any]) -> DominoJobConfig:
        """Rebuild a config from a serialized ``custom`` (what backends receive)."""
        return cls(**job_settings.from_custom(cls, custom))

    @classmethod
    def from_keywords(
        cls, task: str, function: str, command: str, given: dict[str, Any], **fields: Any
    ) -> DominoJobConfig:
        """The config of a task defined by ``@domino_task`` or ``run_domino_job_task``: the job
        settings ``given`` by keyword, in the kit's spelling or an official one, plus ``fields``
        the function sets itself."""
        return cls(
            Command=command, **job_settings.from_keywords(cls, task, function, given), **fields
        )

    def cache_fields(self) -> dict[str, Any]:
        """The fields that take part in the cache version (all but the cache-neutral ones)."""
        neutral = job_settings.cache_neutral_keys(DominoJobConfig)
        fields = {k: v for k, v in self.to_custom().items() if k not in neutral}
        if "computeClusterProperties" in fields:
            cluster = fields["computeClusterProperties"]
            fields["computeClusterProperties"] = {
                k: v for k, v in cluster.items() if k not in CACHE_NEUTRAL_CLUSTER_KEYS
            }
        return fields

    def replace(self, **changes: Any) -> DominoJobConfig:
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.init}
        values.update(changes)
        config = DominoJobConfig(**values)
        if self._resolve_defaults:
            config.resolve_job_properties()
        return config


def custom_revision(value: Any) -> str | dict[str, Any]:
    """A revision spec as a task's ``custom`` carries it, whichever form it came in: Domino's API
    answers ``{"revisionId": ...}``, the official plugin writes ``{"_type": ..., "revisionId"}``
    for a specific revision. One shape in ``custom``, so the round trip reads back the same."""
    return _revision_from_json(value).to_json()


def _revision_from_json(value: Any) -> EnvironmentRevisionSpecification:
    if isinstance(value, dict):
        return EnvironmentRevisionSpecification(
            EnvironmentRevisionType.SomeRevision, value.get("revisionId")
        )
    return EnvironmentRevisionSpecification(EnvironmentRevisionType(value))


def _cluster_from_json(value: dict[str, Any]) -> ClusterProperties:
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
        ComputeEnvironmentRevisionSpec=_revision_from_json(revision) if revision else None,
        MasterHardwareTierId=_id("masterHardwareTierId"),
        ExtraConfigs=value.get("extraConfigs"),
    )
