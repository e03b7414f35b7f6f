"""The Domino job configuration a task carries, with the official plugin's names.

Field names are PascalCase, as in Domino's own Flows plugin, so flows written for Domino port by
changing imports. Everything here is plain data: no credentials, no network I/O. Names of
environments and hardware tiers (``EnvironmentName``, ``HardwareTierName``) are kept as names and
resolved to ids by the backend when the task runs, or by ``domino-flows submit`` before it
serializes for Domino Flows.

Standard library only, so that backends and the command line can read configs without flytekit.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, fields
from typing import Any

from domino_flows.contract import job_settings
from domino_flows.contract.data_sources import ExternalDataVolume, NetAppVolumeSnapshot
from domino_flows.contract.job_settings import setting
from domino_flows.contract.job_values import (
    CLUSTER_TYPES,
    GIT_REF_MISSPELLINGS,
    GIT_REF_TYPES,
    SOME_REVISION_TYPE,
    ClusterProperties,
    DatasetSnapshot,
    EnvironmentRevisionSpecification,
    EnvironmentRevisionType,
    GitRef,
    cluster_from_json,
    custom_revision,
    revision_from_json,
    task_label,
)
from domino_flows.core.errors import TaskDefinitionError

__all__ = [
    "CLUSTER_TYPES",
    "GIT_REF_MISSPELLINGS",
    "GIT_REF_TYPES",
    "SOME_REVISION_TYPE",
    "ClusterProperties",
    "DatasetSnapshot",
    "DominoJobConfig",
    "EnvironmentRevisionSpecification",
    "EnvironmentRevisionType",
    "GitRef",
    "custom_revision",
]

# The task type Domino Flows runs; here, not in task.py, so the connector (loaded by flytekit's
# plugin machinery while flytekit itself is still importing) needs nothing that imports flytekit.
TASK_TYPE = "domino_job"
FAN_OUT_TASK_TYPE = "domino_fan_out"  # the kit's fan_out; Domino Flows does not run it

# The kit's own keys the config writes (Domino's start request takes ids: resolved or refused).
EXTERNAL_DATA_VOLUME_NAMES = "externalDataVolumeNames"
NETAPP_SNAPSHOT_INPUTS = "netAppVolumeSnapshotInputs"
ENVIRONMENT_NAME = "environmentName"
HARDWARE_TIER_NAME = "hardwareTierName"
CAPACITY_TYPES = ("on-demand", "spot")  # as Domino's start requests enumerate them
USE_LATEST = "useLatest"
USE_PROJECT_DEFAULTS = "useProjectDefaultsForOmitted"


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


DEFAULT_TIMEOUT = _dt.timedelta(hours=3)
# How a job task runs, beside its job settings: flytekit's task metadata, with the defaults of
# ``DominoJobTask``, which takes them as arguments; ``@domino_task`` and ``run_domino_job_task``
# take them by keyword with the job settings (``task_arguments``).
TASK_OPTIONS: dict[str, Any] = {
    "cache": False,
    "cache_version": "",
    "cache_serialize": False,
    "cache_ignore_input_vars": (),
    "retries": 0,
    "timeout": DEFAULT_TIMEOUT,
}


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

    # the command runs inside the attempt's staged archive, which the start's command runs
    Command: str = setting("command", always=True, start=("commandToRun",), default="")
    Title: str | None = setting("title", keyword="title", cache_neutral=True, start=("title",))
    CommitId: str | None = setting(
        "commitId", keyword="commit_id", aliases={"dfs_repo_commit_id": None}, start=("commitId",)
    )
    MainRepoGitRef: GitRef | None = setting(
        "mainRepoGitRef",
        keyword="git_ref",
        aliases={"main_git_repo_ref": None},
        encode=lambda ref: ref.to_json(),
        decode=lambda value: GitRef(value["type"], value.get("value")),
        start=("mainRepoGitRef",),
    )
    HardwareTierId: str | None = setting(
        "hardwareTierId",
        keyword="hardware_tier_id",
        encode=lambda tier: {"value": tier},
        decode=_tier_id,
        cache_neutral=True,
        start=("overrideHardwareTierId",),
    )
    HardwareTierName: str | None = setting(
        HARDWARE_TIER_NAME,
        keyword="hardware_tier",
        aliases={"hardware_tier_name": None},
        cache_neutral=True,
        addition=True,
        start=("overrideHardwareTierId",),
    )
    EnvironmentId: str | None = setting(
        "environmentId", keyword="environment_id", start=("environmentId",)
    )
    EnvironmentName: str | None = setting(
        ENVIRONMENT_NAME,
        keyword="environment",
        aliases={"environment_name": None},
        addition=True,
        start=("environmentId",),
    )
    EnvironmentRevisionSpec: EnvironmentRevisionSpecification | None = setting(
        "environmentRevisionSpec",
        keyword="environment_revision",
        aliases={"environment_revision_id": _some_revision},
        encode=lambda spec: spec.to_json(),
        decode=lambda value: revision_from_json(value),
        start=("environmentRevisionSpec",),
    )
    ComputeClusterProperties: ClusterProperties | None = setting(
        "computeClusterProperties",
        keyword="compute_cluster",
        encode=lambda cluster: cluster.to_json(),
        decode=lambda value: cluster_from_json(value),
        start=("computeClusterProperties",),
    )
    VolumeSizeGiB: float | None = setting(
        "volumeSizeGiB",
        keyword="volume_size_gib",
        decode=float,  # protobuf Struct carries every number as a float
        cache_neutral=True,
        start=("overrideVolumeSizeGiB",),
    )
    DatasetSnapshots: list[DatasetSnapshot] = setting(
        "datasetSnapshots",
        keyword="dataset_snapshots",
        encode=lambda snapshots: [s.to_json() for s in snapshots],
        decode=lambda values: [DatasetSnapshot.from_json(v) for v in values],
        unsent="StartJobRequest has no field for them; the project's dataset mounts apply",
        default_factory=list,
    )
    ExternalVolumeMountIds: list[str] = setting(
        "externalVolumeMountIds",
        keyword="external_volume_mount_ids",
        aliases={"external_volume_mounts": list},  # the kit's earlier helper spelling
        encode=list,
        decode=list,
        start=("externalVolumeMounts",),
        default_factory=list,
    )
    ExternalDataVolumes: list[ExternalDataVolume] = setting(
        EXTERNAL_DATA_VOLUME_NAMES,
        keyword="external_data_volumes",
        encode=lambda volumes: [v.Name for v in volumes],
        decode=lambda names: [ExternalDataVolume(Name=n) for n in names],
        addition=True,
        start=("externalVolumeMounts",),
        default_factory=list,
    )
    NetAppVolumeSnapshots: list[NetAppVolumeSnapshot] = setting(
        "netAppVolumeSnapshots",
        keyword="netapp_volume_snapshots",
        encode=lambda snapshots: [s.to_json() for s in snapshots],
        decode=lambda values: [NetAppVolumeSnapshot.from_json(v) for v in values],
        unsent="StartJobRequest mounts NetApp volumes by id, not snapshots",
        default_factory=list,
    )
    # Names of the task's inputs that carry a NetAppVolumeSnapshot chosen at launch (a workflow
    # input passed to netapp_volume_snapshots=[...]); mounted like the fixed ones.
    NetAppVolumeSnapshotInputs: list[str] = setting(
        NETAPP_SNAPSHOT_INPUTS,
        encode=list,
        decode=list,
        addition=True,
        unsent="the NetApp snapshots chosen at launch: StartJobRequest mounts NetApp volumes by "
        "id, not snapshots",
        default_factory=list,
    )
    # How the run fills what the task leaves out: from the project's job defaults, asked by the
    # backend when the task runs and by submit before it registers it (which then drops the
    # keys). Official plugins take them as DominoJobTask's arguments, which still work. They
    # choose ids rather than what the job computes: not in the cache version, as before.
    UseLatest: bool = setting(
        USE_LATEST,
        keyword="use_latest",
        decode=bool,
        cache_neutral=True,
        addition=True,
        start=("environmentId", "overrideHardwareTierId"),  # filled from the defaults
        default=False,
    )
    UseProjectDefaultsForOmitted: bool = setting(
        USE_PROJECT_DEFAULTS,
        keyword="use_project_defaults_for_omitted",
        decode=bool,
        cache_neutral=True,
        addition=True,
        start=("environmentId", "overrideHardwareTierId"),
        default=False,
    )
    # Spot or on-demand machines of the hardware tier (Domino's start requests take it; unset:
    # the tier's own). Where the job runs, not what it computes: not in the cache version.
    CapacityType: str | None = setting(
        "capacityType", keyword="capacity_type", cache_neutral=True, start=("capacityType",)
    )

    def resolve_job_properties(self) -> DominoJobConfig:
        """Fill every omitted field from the project's job defaults, as the official plugin's
        method of the same name does.

        The official plugin asks Domino at once; defining a flow here never talks to Domino, so
        the config is marked instead (``UseProjectDefaultsForOmitted``, in place, as the official
        method changes its config) and the fields are resolved where Domino is known: by the
        backend when the task runs, and by ``domino-flows submit`` before it registers the task.
        Returns the config.
        """
        object.__setattr__(self, "UseProjectDefaultsForOmitted", True)
        return self

    def validate(self, task_name: str | None = None) -> None:
        """Raise :class:`TaskDefinitionError` naming the task and field at the first problem."""
        where = task_label(task_name)
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
        if self.CapacityType is not None and self.CapacityType not in CAPACITY_TYPES:
            raise TaskDefinitionError(
                f"{where}: DominoJobConfig CapacityType is {self.CapacityType!r}; use "
                f"{' or '.join(repr(c) for c in CAPACITY_TYPES)}, or leave it unset for the "
                "hardware tier's own."
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
            Command=command,
            **job_settings.from_keywords(cls, task, function, given, TASK_OPTIONS),
            **fields,
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
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return DominoJobConfig(**values)


def task_arguments(
    task: str, function: str, command: str, given: dict[str, Any], **fields: Any
) -> tuple[DominoJobConfig, dict[str, Any]]:
    """What ``@domino_task`` and ``run_domino_job_task`` hand to ``DominoJobTask`` from the
    keywords ``given`` to them: the job config (``DominoJobConfig.from_keywords``) and the task
    options (``TASK_OPTIONS``) given, each spelled once, for both functions."""
    options = {k: v for k, v in given.items() if k in TASK_OPTIONS}
    settings = {k: v for k, v in given.items() if k not in TASK_OPTIONS}
    config = DominoJobConfig.from_keywords(task, function, command, settings, **fields)
    return config, options
