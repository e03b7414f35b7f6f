"""Data a Domino job mounts besides the project: external data volumes and NetApp volume snapshots.

The official plugin's names and argument names: ``ExternalDataVolume(Name=...)`` (given to
``external_data_volumes=[...]``) and ``NetAppVolumeSnapshot(Id=..., Version=...)`` (given to
``netapp_volume_snapshots=[...]``). A NetApp snapshot is also a workflow input type: on the command
line it is the JSON Domino's API uses, ``{"volumeId": "...", "snapshotVersion": 3}``.

Serialized forms follow Domino's job API (``NetAppVolumeSnapshotRefDto``: ``volumeId``,
``snapshotVersion``). External data volumes are chosen by name and resolved to the ids Domino
Flows needs (``externalVolumeMountIds``) by the backend at run time, or by ``submit``.

Standard library only (flytekit handles the dataclass as a workflow input by itself).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from domino_flows.core.errors import TaskDefinitionError


def _where(task_name: str | None) -> str:
    return f"task {task_name!r}" if task_name else "the job config"


@dataclass(frozen=True)
class ExternalDataVolume:
    """An external data volume (NFS, SMB, EFS ...) registered in Domino, mounted by name.

    Domino mounts it at ``/mnt/data/<Name>`` (``/mnt/imported/data/<Name>`` when it is shared
    from another project); locally, ``[tool.domino_flows.volumes]`` maps the name to a folder.
    """

    Name: str

    def validate(self, task_name: str | None = None) -> None:
        if not isinstance(self.Name, str) or not self.Name.strip() or "/" in self.Name:
            raise TaskDefinitionError(
                f"{_where(task_name)}: ExternalDataVolume has Name {self.Name!r}; give the "
                "volume's name as Domino lists it, e.g. ExternalDataVolume(Name='shared-nfs')."
            )


@dataclass(frozen=True)
class NetAppVolumeSnapshot:
    """One snapshot version of a Domino NetApp volume, mounted read-only into the job.

    A dataclass, so it can also be a workflow input: ``def wf(snapshot: NetAppVolumeSnapshot)``
    and ``--input snapshot='{"volumeId": "vol-1", "snapshotVersion": 2}'``.
    """

    Id: str
    Version: int

    def validate(self, task_name: str | None = None) -> None:
        if not isinstance(self.Id, str) or not self.Id.strip() or "/" in self.Id:
            raise TaskDefinitionError(
                f"{_where(task_name)}: NetAppVolumeSnapshot has Id {self.Id!r}; give the "
                "NetApp volume's id, e.g. NetAppVolumeSnapshot(Id='63ea5468-...', Version=1)."
            )
        if isinstance(self.Version, bool) or not isinstance(self.Version, int) or self.Version < 1:
            raise TaskDefinitionError(
                f"{_where(task_name)}: NetAppVolumeSnapshot {self.Id!r} has Version "
                f"{self.Version!r}; snapshot versions start at 1."
            )

    def to_json(self) -> dict[str, Any]:
        return {"volumeId": self.Id, "snapshotVersion": self.Version}

    @classmethod
    def from_json(cls, value: Any, where: str = "NetAppVolumeSnapshot") -> NetAppVolumeSnapshot:
        """From Domino's JSON (``volumeId``/``snapshotVersion``) or the Python names
        (``Id``/``Version``), as a dict or JSON text (how ``pyflyte run`` hands over a dataclass
        input). Protobuf Structs turn the version into a float, so whole floats are accepted."""
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as error:
                raise TaskDefinitionError(f"{where}: not valid JSON: {error.msg}.") from None
        if not isinstance(value, dict):
            raise TaskDefinitionError(
                f'{where}: expected a JSON object such as {{"volumeId": "vol-1", '
                f'"snapshotVersion": 2}}, got {value!r}.'
            )
        volume = value.get("volumeId", value.get("Id"))
        version = value.get("snapshotVersion", value.get("Version"))
        if isinstance(version, float) and version.is_integer():
            version = int(version)
        known = {"volumeId", "snapshotVersion", "volumeName", "Id", "Version"}
        unknown = sorted(set(value) - known)
        if volume is None or version is None or unknown:
            raise TaskDefinitionError(
                f'{where}: {value!r} is not a NetApp volume snapshot; write {{"volumeId": '
                '"<volume id>", "snapshotVersion": <version number>}.'
            )
        snapshot = cls(Id=volume, Version=version)
        snapshot.validate()
        return snapshot
