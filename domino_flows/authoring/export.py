"""Exporting a run's Flow Artifacts: ``run_launch_export_artifacts_task`` and its specs.

Written as in Domino's own flows, at the end of a workflow::

    run_launch_export_artifacts_task(
        spec_list=[
            ExportArtifactToDatasetsSpec(artifact=DataArtifact, dataset_id="sales"),
            ExportArtifactToNetAppVolumesSpec(
                artifact=DataArtifact, netapp_volume_id="vol-1", target_relative_path="adam"
            ),
            ExportArtifactFilesToBundleSpec(files=[ModelFile], bundles=["QC bundle"]),
        ],
        environment_name="Python 3.11",
        hardware_tier_name="Small",
        use_project_defaults_for_omitted=True,
    )

The call adds one Domino job task to the workflow. Its inputs are every output of the tasks
defined before it that belongs to an exported artifact (or is one of a bundle spec's files), so
it runs after them; its command is the kit's exporter (:mod:`domino_flows.export_job`), which
copies each file to ``/domino/datasets/local/<dataset>/``,
``/mnt/netapp-volumes/<volume>/<path>/`` or the bundle's folder. Locally those are the folders
configured in ``[tool.domino_flows.datasets]``, ``[tool.domino_flows.netapp_volumes]`` and
``[tool.domino_flows.bundles]``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from domino_flows.authoring.artifacts import Artifact, artifact_of
from domino_flows.core.errors import TaskDefinitionError
from domino_flows.export_job import COMMAND as EXPORT_COMMAND

PLAN_INPUT = "export_plan"
TASK_NAME = "Export artifacts"


@dataclass(frozen=True)
class ExportArtifactToDatasetsSpec:
    """Copy every file of ``artifact`` into a dataset of the project (by id or name)."""

    artifact: Artifact
    dataset_id: str
    target_relative_path: str = ""


@dataclass(frozen=True)
class ExportArtifactToNetAppVolumesSpec:
    """Copy every file of ``artifact`` into a NetApp volume, under ``target_relative_path``."""

    artifact: Artifact
    netapp_volume_id: str
    target_relative_path: str = ""


@dataclass(frozen=True)
class ExportArtifactFilesToBundleSpec:
    """Attach artifact files (``Artifact(...).File(...)`` types) to governance bundles by name."""

    files: list[Any] = field(default_factory=list)
    bundles: list[str] = field(default_factory=list)


def _check_relative(path: str, where: str) -> str:
    cleaned = path.strip().strip("/")
    if path.startswith("/") or ".." in cleaned.split("/"):
        raise TaskDefinitionError(
            f"{where}: target_relative_path {path!r} must be relative and without '..', "
            "e.g. 'adam/v1'."
        )
    return cleaned


def _target(spec: Any, position: int) -> dict[str, Any]:
    """The exporter's instructions for one spec, without its files."""
    where = f"run_launch_export_artifacts_task spec_list[{position}]"
    if isinstance(spec, ExportArtifactToDatasetsSpec):
        if not isinstance(spec.dataset_id, str) or not spec.dataset_id.strip():
            raise TaskDefinitionError(f"{where}: give the dataset's id, dataset_id='...'.")
        path = _check_relative(spec.target_relative_path, where)
        return {"kind": "dataset", "targets": [spec.dataset_id], "path": path}
    if isinstance(spec, ExportArtifactToNetAppVolumesSpec):
        if not isinstance(spec.netapp_volume_id, str) or not spec.netapp_volume_id.strip():
            raise TaskDefinitionError(f"{where}: give the volume's id, netapp_volume_id='...'.")
        path = _check_relative(spec.target_relative_path, where)
        return {"kind": "netapp_volume", "targets": [spec.netapp_volume_id], "path": path}
    if isinstance(spec, ExportArtifactFilesToBundleSpec):
        if not spec.files or not spec.bundles:
            raise TaskDefinitionError(
                f"{where}: ExportArtifactFilesToBundleSpec needs files=[Artifact(...).File(...)] "
                "and bundles=['<bundle name>']."
            )
        return {"kind": "bundle", "targets": list(spec.bundles), "path": ""}
    raise TaskDefinitionError(
        f"{where} is {spec!r}; use ExportArtifactToDatasetsSpec, "
        "ExportArtifactToNetAppVolumesSpec or ExportArtifactFilesToBundleSpec."
    )


def _wanted(spec: Any, position: int) -> list[dict[str, str]]:
    """What outputs a spec exports, as artifact (name, type[, file]) filters."""
    if isinstance(spec, ExportArtifactFilesToBundleSpec):
        out = []
        for file_type in spec.files:
            marker = artifact_of(file_type)
            if marker is None:
                raise TaskDefinitionError(
                    f"run_launch_export_artifacts_task spec_list[{position}]: files holds "
                    f"{file_type!r}; give artifact file types, e.g. MyArtifact.File(name='m.pkl')."
                )
            out.append(marker)
        return out
    artifact = spec.artifact
    if not isinstance(artifact, Artifact):
        raise TaskDefinitionError(
            f"run_launch_export_artifacts_task spec_list[{position}]: artifact is {artifact!r}; "
            "give an Artifact('name', DATA|MODEL|REPORT)."
        )
    return [{"name": artifact.name, "type": artifact.type.value}]


def _matches(marker: dict[str, str], wanted: list[dict[str, str]]) -> bool:
    return any(all(marker.get(k) == v for k, v in w.items()) for w in wanted)


def _compiled_nodes() -> list[Any]:
    from flytekit.core.context_manager import FlyteContextManager

    context = FlyteContextManager.current_context()
    state = context.compilation_state
    if state is not None:
        return list(state.nodes)
    if context.execution_state is not None and context.execution_state.is_local_execution():
        # flytekit's in-process run calls the workflow body again, node by node, without the
        # graph that says which outputs are the artifact's files.
        raise TaskDefinitionError(
            "run_launch_export_artifacts_task needs the workflow's task graph, which flytekit's "
            "in-process run (python flow.py, pyflyte run without --remote) does not give; run "
            "the flow with `domino-flows run FILE WORKFLOW` (or submit it to Domino)."
        )
    raise TaskDefinitionError(
        "run_launch_export_artifacts_task is called inside a @workflow, after the tasks whose "
        "artifacts it exports."
    )


def run_launch_export_artifacts_task(
    spec_list: list[Any],
    environment_name: str | None = None,
    hardware_tier_name: str | None = None,
    use_project_defaults_for_omitted: bool = False,
    **options: Any,
) -> Any:
    """Add the export task to the workflow being defined; returns its node's result.

    Other keyword arguments are those of ``run_domino_job_task`` (``environment_id``,
    ``hardware_tier_id``, ``retries``, ``timeout`` ...).
    """
    from flytekit.core.promise import NodeOutput, Promise
    from flytekit.types.file import FlyteFile

    from domino_flows.authoring.helpers import Input, run_domino_job_task

    if not spec_list:
        raise TaskDefinitionError(
            "run_launch_export_artifacts_task needs spec_list=[...] with at least one spec."
        )
    nodes = _compiled_nodes()
    exports = []
    inputs: list[Input] = []
    bound: dict[tuple[str, str], str] = {}  # (node id, output) -> input name
    for position, spec in enumerate(spec_list):
        export = _target(spec, position)
        wanted = _wanted(spec, position)
        files = []
        for node in nodes:
            interface = getattr(node.flyte_entity, "python_interface", None)
            for output, python_type in (interface.outputs if interface else {}).items():
                marker = artifact_of(python_type)
                if marker is None or not _matches(marker, wanted):
                    continue
                key = (node.id, output)
                if key not in bound:
                    bound[key] = f"file_{len(bound)}"
                    promise = Promise(var=output, val=NodeOutput(node=node, var=output))
                    inputs.append(Input(name=bound[key], type=FlyteFile, value=promise))
                files.append({"input": bound[key], "file": marker["file"], **_label(marker)})
        if not files:
            names = ", ".join(sorted({w["name"] for w in wanted}))
            raise TaskDefinitionError(
                f"run_launch_export_artifacts_task spec_list[{position}]: no task before this "
                f"call has an output of artifact {names}; call it after the tasks that produce "
                "the artifact's files (Artifact(...).File(...) outputs)."
            )
        exports.append({**export, "files": files})
    plan = json.dumps({"exports": exports}, sort_keys=True)
    inputs.insert(0, Input(name=PLAN_INPUT, type=str, value=plan))
    taken = sum(1 for n in nodes if getattr(n.flyte_entity, "name", "").startswith(TASK_NAME))
    return run_domino_job_task(
        flyte_task_name=TASK_NAME if not taken else f"{TASK_NAME} {taken + 1}",
        command=EXPORT_COMMAND,
        inputs=inputs,
        output_specs=[],
        environment_name=environment_name,
        hardware_tier_name=hardware_tier_name,
        use_project_defaults_for_omitted=use_project_defaults_for_omitted,
        **options,
    )


def _label(marker: dict[str, str]) -> dict[str, str]:
    return {"artifact": marker["name"], "type": marker["type"]}
