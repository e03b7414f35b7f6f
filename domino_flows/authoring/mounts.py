"""Where a job finds Domino's data sources, and what they are on this machine.

On Domino a job sees the project's datasets under ``/domino/datasets/local/<name>`` (snapshots
under ``/domino/datasets/local/snapshots/<name>/<version>``, and ``/mnt/data/<name>`` on older
deployments), external data volumes under ``/mnt/data/<name>`` and NetApp volumes under
``/mnt/netapp-volumes/<name>`` (``/domino/netapp-volumes/<name>`` on newer deployments).

Locally, ``[tool.domino_flows.datasets]``, ``[tool.domino_flows.volumes]`` and
``[tool.domino_flows.netapp_volumes]`` map names (or ids) to folders. :func:`job_mounts` lists,
for one job, each Domino path and the folder behind it: every configured dataset and NetApp volume
(Domino mounts a project's own), plus what the task asks for (dataset snapshots, external data
volumes, NetApp volume snapshots, fixed or given at launch), each of which must be configured.
A snapshot version ``N`` is ``<folder>/snapshots/<N>`` when that folder exists, else the folder.

The list is the job-spec side of the emulation: the local backend exposes it under the job's
``root/`` folder (``DOMINO_FLOWS_ROOT``), and a backend that can bind-mount puts the same folders
at the real paths.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from domino_flows.authoring.config import DominoJobConfig
from domino_flows.contract.data_sources import NetAppVolumeSnapshot
from domino_flows.core.errors import ConfigurationError, TaskDefinitionError
from domino_flows.core.project import ProjectSettings

DATASETS_ROOT = "/domino/datasets/local"
LEGACY_DATA_ROOT = "/mnt/data"
NETAPP_ROOTS = ("/mnt/netapp-volumes", "/domino/netapp-volumes")
BUNDLES_ROOT = "/domino-flows/bundles"


@dataclass(frozen=True)
class Mount:
    """One Domino path of a job and the local folder it stands for."""

    domino_path: str
    folder: Path
    read_only: bool = False


def _version_folder(folder: Path, version: int | None) -> Path:
    if version is None:
        return folder
    candidate = folder / "snapshots" / str(version)
    return candidate if candidate.is_dir() else folder


def job_mounts(
    config: DominoJobConfig,
    settings: ProjectSettings,
    values: Mapping[str, Any] | None = None,
    task: str = "",
) -> list[Mount]:
    """Every Domino data path the job sees, with its local folder; ConfigurationError for data
    the task asks for that has no folder configured."""
    mounts: dict[str, Mount] = {}

    def add(path: str, folder: Path, read_only: bool = False) -> None:
        mounts[path] = Mount(path, folder, read_only)

    for name, folder in settings.datasets.items():
        add(f"{DATASETS_ROOT}/{name}", folder)
    for name, folder in settings.netapp_volumes.items():
        for root in NETAPP_ROOTS:
            add(f"{root}/{name}", folder)
    for name, folder in settings.bundles.items():  # the kit's own path (export_job.py)
        add(f"{BUNDLES_ROOT}/{name}", folder)
    for snapshot in config.DatasetSnapshots:
        key = snapshot.Name or snapshot.Id or ""
        folder = settings.data_folder("datasets", key, task, "dataset")
        version = _version_folder(folder, snapshot.Version)
        add(f"{DATASETS_ROOT}/{key}", folder)
        if snapshot.Version is not None:
            add(f"{DATASETS_ROOT}/snapshots/{key}/{snapshot.Version}", version, read_only=True)
        add(f"{LEGACY_DATA_ROOT}/{key}", version, read_only=snapshot.Version is not None)
    for volume in config.ExternalDataVolumes:
        folder = settings.data_folder("volumes", volume.Name, task, "external data volume")
        add(f"{LEGACY_DATA_ROOT}/{volume.Name}", folder)
    for netapp in [*config.NetAppVolumeSnapshots, *_given(config, values or {}, task)]:
        folder = settings.data_folder("netapp_volumes", netapp.Id, task, "NetApp volume")
        for root in NETAPP_ROOTS:
            add(f"{root}/{netapp.Id}", _version_folder(folder, netapp.Version), True)
    return sorted(mounts.values(), key=lambda m: m.domino_path)


def _given(
    config: DominoJobConfig, values: Mapping[str, Any], task: str
) -> list[NetAppVolumeSnapshot]:
    """NetApp snapshots chosen at launch: the values of the task's snapshot inputs."""
    out = []
    for name in config.NetAppVolumeSnapshotInputs:
        value = values.get(name)
        if isinstance(value, NetAppVolumeSnapshot):
            out.append(value)
            continue
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            # the connector rebuilds inputs from the task template: an equal dataclass of its own
            value = dataclasses.asdict(value)
        try:
            out.append(NetAppVolumeSnapshot.from_json(value, f"task {task!r}: input {name!r}"))
        except TaskDefinitionError as error:
            raise ConfigurationError(str(error)) from None
    return out


def expose(root: Path, mounts: list[Mount]) -> None:
    """Make each mount's Domino path, taken under ``root`` (the job's stand-in for ``/``), a
    symbolic link to its folder. Folders are created if missing, as Domino creates a new
    dataset's folder; an existing entry that is not our link is left alone and reported."""
    for mount in mounts:
        link = root / mount.domino_path.lstrip("/")
        mount.folder.mkdir(parents=True, exist_ok=True)
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink():
            if Path(os.readlink(link)) == mount.folder:
                continue
            link.unlink()
        elif link.exists():
            raise ConfigurationError(
                f"{link} already exists and is not a link to {mount.folder}; a custom input "
                f"path under {mount.domino_path} hides the configured folder. Move one of them."
            )
        link.symlink_to(mount.folder, target_is_directory=True)
