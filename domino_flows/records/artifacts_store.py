"""Collecting a run's artifacts: outputs declared as ``Artifact(...).File(...)``.

A collected artifact file is copied out of its job's directory to
``<project>/.domino-flows/artifacts/<run>/<artifact name>/<file name>`` (job directories are
scratch; artifacts are what a user keeps) and listed in the run store with its sha256, which is
also the version its lineage events name.

Which outputs are artifacts is read from the task's serialized interface: the annotation travels
on the output's literal type under ``domino_flows_artifact``, so a connector that only has the task
template finds them as well as code that has the Python types.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from domino_flows.authoring.artifacts import ANNOTATION_KEY, PARTITION_KEYS, ArtifactType
from domino_flows.core.paths import state_dir
from domino_flows.records.lineage import DatasetRef
from domino_flows.records.store import ArtifactRecord, RunStore

ARTIFACTS_DIR = "artifacts"


def artifact_specs(output_variables: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Output name -> artifact (name, type, file), from a flytekit ``Variable`` map.

    The kit's annotation first; else Domino's partitions on the variable's flytekit artifact
    (``artifact_type``, ``artifact_name``), as flows written with flytekit's ``Artifact`` and
    ``partition_keys`` directly carry them.
    """
    found: dict[str, dict[str, str]] = {}
    for name, variable in output_variables.items():
        annotation = getattr(variable.type, "annotation", None)
        data = getattr(annotation, "annotations", None) or {}
        marker = data.get(ANNOTATION_KEY)
        if isinstance(marker, dict):
            found[name] = {key: str(value) for key, value in marker.items()}
            continue
        partitioned = _from_partitions(getattr(variable, "artifact_partial_id", None))
        if partitioned is not None:
            found[name] = partitioned
    return found


def _from_partitions(artifact_id: Any) -> dict[str, str] | None:
    """(name, type, file) from an ``ArtifactID`` with Domino's static partitions, else None."""
    partitions = getattr(getattr(artifact_id, "partitions", None), "value", None) or {}
    values = {}
    for key in PARTITION_KEYS:
        value = partitions.get(key)
        static = getattr(value, "static_value", None)
        if not static:
            return None
        values[key] = static
    kind = values["artifact_type"].upper()
    if kind not in {t.value for t in ArtifactType}:
        return None
    file_name = artifact_id.artifact_key.name if artifact_id.artifact_key else ""
    return {"name": values["artifact_name"], "type": kind, "file": file_name or "artifact"}


def _safe(name: str) -> str:
    """Artifact names are free text ("Churn model"): keep them readable, but one path part."""
    cleaned = name.replace("/", "_").replace("\\", "_").strip()
    return "_" if cleaned in ("", ".", "..") else cleaned


def artifact_path(project_root: Path, run_id: str, artifact: dict[str, str]) -> Path:
    return (
        state_dir(project_root)
        / ARTIFACTS_DIR
        / _safe(run_id)
        / _safe(artifact["name"])
        / _safe(artifact["file"])
    )


def collect(
    store: RunStore,
    project_root: Path,
    run_id: str,
    task: str,
    outputs: list[DatasetRef],
) -> list[ArtifactRecord]:
    """Copy every artifact output to the run's artifact folder and list it in the store."""
    records = []
    for ref in outputs:
        if ref.artifact is None or ref.path is None:
            continue
        source = Path(ref.path)
        target = artifact_path(project_root, run_id, ref.artifact)
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copyfile(source, target)
        record = ArtifactRecord(
            run_id=run_id,
            task=task,
            output=ref.name,
            artifact_name=ref.artifact["name"],
            artifact_type=ref.artifact["type"],
            file_name=ref.artifact["file"],
            path=str(target),
            sha256=ref.sha256,
        )
        store.add_artifact(record)
        records.append(record)
    return records
