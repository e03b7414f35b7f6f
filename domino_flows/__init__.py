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
    "DominoJobConfig": "domino_flows.authoring.config",
    "GitRef": "domino_flows.authoring.config",
    "EnvironmentRevisionSpecification": "domino_flows.authoring.config",
    "EnvironmentRevisionType": "domino_flows.authoring.config",
    "DatasetSnapshot": "domino_flows.authoring.config",
    "ClusterProperties": "domino_flows.authoring.config",
    "ExternalDataVolume": "domino_flows.contract.data_sources",
    "NetAppVolumeSnapshot": "domino_flows.contract.data_sources",
    "DominoJobTask": "domino_flows.authoring.task",
    "domino_task": "domino_flows.authoring.decorators",
    "Input": "domino_flows.authoring.helpers",
    "Output": "domino_flows.authoring.helpers",
    "run_domino_job_task": "domino_flows.authoring.helpers",
    "fan_out": "domino_flows.authoring.fanout",
    "PathConfig": "domino_flows.file",
    "DominoFile": "domino_flows.file",
    "DominoFileLegacy": "domino_flows.file",
    "Artifact": "domino_flows.authoring.artifacts",
    "DATA": "domino_flows.authoring.artifacts",
    "MODEL": "domino_flows.authoring.artifacts",
    "REPORT": "domino_flows.authoring.artifacts",
    "ExportArtifactToDatasetsSpec": "domino_flows.authoring.export",
    "ExportArtifactToNetAppVolumesSpec": "domino_flows.authoring.export",
    "ExportArtifactFilesToBundleSpec": "domino_flows.authoring.export",
    "run_launch_export_artifacts_task": "domino_flows.authoring.export",
    "DominoFlowsError": "domino_flows.core.errors",
    "TaskDefinitionError": "domino_flows.core.errors",
    "ContractError": "domino_flows.core.errors",
    "TaskFailedError": "domino_flows.core.errors",
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
    from domino_flows.authoring.artifacts import DATA, MODEL, REPORT, Artifact
    from domino_flows.authoring.config import (
        ClusterProperties,
        DatasetSnapshot,
        DominoJobConfig,
        EnvironmentRevisionSpecification,
        EnvironmentRevisionType,
        GitRef,
    )
    from domino_flows.authoring.decorators import domino_task
    from domino_flows.authoring.export import (
        ExportArtifactFilesToBundleSpec,
        ExportArtifactToDatasetsSpec,
        ExportArtifactToNetAppVolumesSpec,
        run_launch_export_artifacts_task,
    )
    from domino_flows.authoring.fanout import fan_out
    from domino_flows.authoring.helpers import Input, Output, run_domino_job_task
    from domino_flows.authoring.task import DominoJobTask
    from domino_flows.contract.data_sources import ExternalDataVolume, NetAppVolumeSnapshot
    from domino_flows.core.errors import (
        ContractError,
        DominoFlowsError,
        TaskDefinitionError,
        TaskFailedError,
    )
    from domino_flows.file import DominoFile, DominoFileLegacy, PathConfig
