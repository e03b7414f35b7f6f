"""domino-flows: flytekit tasks that run as Domino Jobs.

The public names are loaded lazily: ``import domino_flows`` is cheap and does not import flytekit
until a name that needs it is used. This keeps the command line and the in-job helper
(``domino_flows.job``) fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from domino_flows._version import __version__

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "DominoJobConfig": "domino_flows.config",
    "GitRef": "domino_flows.config",
    "EnvironmentRevisionSpecification": "domino_flows.config",
    "EnvironmentRevisionType": "domino_flows.config",
    "DatasetSnapshot": "domino_flows.config",
    "ClusterProperties": "domino_flows.config",
    "ExternalDataVolume": "domino_flows.data_sources",
    "NetAppVolumeSnapshot": "domino_flows.data_sources",
    "DominoJobTask": "domino_flows.task",
    "domino_task": "domino_flows.decorators",
    "Input": "domino_flows.helpers",
    "Output": "domino_flows.helpers",
    "run_domino_job_task": "domino_flows.helpers",
    "fan_out": "domino_flows.fanout",
    "PathConfig": "domino_flows.file",
    "DominoFile": "domino_flows.file",
    "DominoFileLegacy": "domino_flows.file",
    "Artifact": "domino_flows.artifacts",
    "DATA": "domino_flows.artifacts",
    "MODEL": "domino_flows.artifacts",
    "REPORT": "domino_flows.artifacts",
    "ExportArtifactToDatasetsSpec": "domino_flows.export",
    "ExportArtifactToNetAppVolumesSpec": "domino_flows.export",
    "ExportArtifactFilesToBundleSpec": "domino_flows.export",
    "run_launch_export_artifacts_task": "domino_flows.export",
    "DominoFlowsError": "domino_flows.errors",
    "TaskDefinitionError": "domino_flows.errors",
    "ContractError": "domino_flows.errors",
    "TaskFailedError": "domino_flows.errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'domino_flows' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors only
    # ruff: noqa: F401
    from domino_flows.artifacts import DATA, MODEL, REPORT, Artifact
    from domino_flows.config import (
        ClusterProperties,
        DatasetSnapshot,
        DominoJobConfig,
        EnvironmentRevisionSpecification,
        EnvironmentRevisionType,
        GitRef,
    )
    from domino_flows.data_sources import ExternalDataVolume, NetAppVolumeSnapshot
    from domino_flows.decorators import domino_task
    from domino_flows.errors import (
        ContractError,
        DominoFlowsError,
        TaskDefinitionError,
        TaskFailedError,
    )
    from domino_flows.export import (
        ExportArtifactFilesToBundleSpec,
        ExportArtifactToDatasetsSpec,
        ExportArtifactToNetAppVolumesSpec,
        run_launch_export_artifacts_task,
    )
    from domino_flows.fanout import fan_out
    from domino_flows.file import DominoFile, DominoFileLegacy, PathConfig
    from domino_flows.helpers import Input, Output, run_domino_job_task
    from domino_flows.task import DominoJobTask
