"""OpenLineage run events for flows and their tasks.

Every task attempt gets a START event when its job starts and a COMPLETE, FAIL or ABORT event when
it ends; a run gets the same around its tasks, and each task event names its run as parent. Inputs
and outputs are datasets identified by content: the sha256 of a file, of a directory's files, or of
a value's contract text, so two runs that read the same data show the same version.

Domino's own facts travel in a custom run facet (``dominoJob``: job id and URL, input and output
commits, environment id and revision, hardware tier, command, and every job setting the task gave
as ``jobSettings``, keyed as a task's ``custom`` keys them); standard facets carry the rest (job
type, source code location, processing engine, nominal time, error message). A COMPLETE event also
names the dataset snapshots and registered model versions the attempt made, as versioned output
datasets (:func:`registered_outputs`).

Events never carry credentials or environment variable values: nothing here reads the
environment, and the run store passes every event through ``redaction.redact`` before writing it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import attr
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    DatasetFacet,
    RunFacet,
    dataset_version_dataset,
    error_message_run,
    job_type_job,
    nominal_time_run,
    parent_run,
    processing_engine_run,
    source_code_location_job,
)
from openlineage.client.serde import Serde

from domino_flows._version import __version__
from domino_flows.contract import values as contract
from domino_flows.core.git_state import head_commit

PRODUCER = f"https://pypi.org/project/domino-flows/{__version__}"
SCHEMA_BASE = "https://pypi.org/project/domino-flows/#lineage-facets"
INTEGRATION = "DOMINO_FLOWS"
_RUN_ID_NAMESPACE = uuid.UUID("4b6c0f0e-7f8e-5d6a-9c1b-2f7a8e0d3c55")


@attr.define
class DominoJobRunFacet(RunFacet):
    """The Domino Job behind a task attempt."""

    jobId: str
    jobUrl: str | None = attr.field(default=None, kw_only=True)
    backend: str | None = attr.field(default=None, kw_only=True)
    attempt: int | None = attr.field(default=None, kw_only=True)
    command: str | None = attr.field(default=None, kw_only=True)
    inputCommitId: str | None = attr.field(default=None, kw_only=True)
    outputCommitId: str | None = attr.field(default=None, kw_only=True)
    environmentId: str | None = attr.field(default=None, kw_only=True)
    environmentName: str | None = attr.field(default=None, kw_only=True)
    environmentRevisionId: str | None = attr.field(default=None, kw_only=True)
    hardwareTierId: str | None = attr.field(default=None, kw_only=True)
    hardwareTierName: str | None = attr.field(default=None, kw_only=True)
    jobSettings: dict[str, Any] | None = attr.field(default=None, kw_only=True)

    @staticmethod
    def _get_schema() -> str:
        return f"{SCHEMA_BASE}/DominoJobRunFacet"


@attr.define
class ContentDatasetFacet(DatasetFacet):
    """How a task input or output was carried and what it held (its sha256)."""

    sha256: str
    kind: str = attr.field(kw_only=True)
    path: str | None = attr.field(default=None, kw_only=True)
    artifactName: str | None = attr.field(default=None, kw_only=True)
    artifactType: str | None = attr.field(default=None, kw_only=True)
    artifactFile: str | None = attr.field(default=None, kw_only=True)
    # True on an input named after what the workflow bound it to (an upstream task's output or a
    # workflow input): readers are then linked by name only, never by equal content.
    bound: bool | None = attr.field(default=None, kw_only=True)

    @staticmethod
    def _get_schema() -> str:
        return f"{SCHEMA_BASE}/ContentDatasetFacet"


@attr.define
class DominoRegisteredDatasetFacet(DatasetFacet):
    """Where a task's artifact was registered: a Domino dataset snapshot (``datasetId``,
    ``snapshotId``; locally the snapshot's folder) or a registered model version (``modelName``,
    ``experimentRunId``). ``version`` is the snapshot's or the model version's number."""

    kind: str
    artifactName: str | None = attr.field(default=None, kw_only=True)
    version: int | None = attr.field(default=None, kw_only=True)
    datasetName: str | None = attr.field(default=None, kw_only=True)
    datasetId: str | None = attr.field(default=None, kw_only=True)
    snapshotId: str | None = attr.field(default=None, kw_only=True)
    snapshotFolder: str | None = attr.field(default=None, kw_only=True)
    modelName: str | None = attr.field(default=None, kw_only=True)
    experimentRunId: str | None = attr.field(default=None, kw_only=True)

    @staticmethod
    def _get_schema() -> str:
        return f"{SCHEMA_BASE}/DominoRegisteredDatasetFacet"


def registered_outputs(namespace: str, registered: list[dict[str, Any]]) -> list[OutputDataset]:
    """A task's dataset snapshots and model versions as output datasets, as lineage consumers
    (Marquez) expect a versioned dataset: named ``datasets/<dataset>`` or ``models/<model>`` in
    the run's namespace, the standard ``version`` facet holding the number, and
    ``dominoRegistered`` the Domino ids."""
    out = []
    for made in registered:
        text = str(made.get("version") or "")
        number = int(text) if text.isdigit() else None
        common: dict[str, Any] = {
            "artifactName": made.get("artifact"),
            "version": number,
            "producer": PRODUCER,
        }
        snapshot = str(made.get("snapshot") or "")
        if made.get("kind") == "model_version":
            name = f"models/{made['model']}"
            facet = DominoRegisteredDatasetFacet(
                "model_version",
                modelName=made["model"],
                experimentRunId=made.get("mlflow_run"),
                **common,
            )
        else:
            name = f"datasets/{made['dataset']}"
            local = made.get("dataset_id") is None  # a local snapshot is a folder
            facet = DominoRegisteredDatasetFacet(
                "dataset_snapshot",
                datasetName=made["dataset"],
                datasetId=made.get("dataset_id"),
                snapshotId=None if local else snapshot,
                snapshotFolder=snapshot if local else None,
                **common,
            )
        facets: dict[str, Any] = {"dominoRegistered": facet}
        if number is not None:
            facets["version"] = dataset_version_dataset.DatasetVersionDatasetFacet(
                datasetVersion=str(number), producer=PRODUCER
            )
        out.append(OutputDataset(namespace=namespace, name=name, facets=facets))
    return out


@dataclass(frozen=True)
class DatasetRef:
    """One input or output of a task, by name, with its content hash (JSON-able)."""

    name: str
    kind: str
    sha256: str
    path: str | None = None
    artifact: dict[str, str] | None = None
    # For an input: the dataset the workflow bound it to (``output_dataset_name`` of the upstream
    # task, or ``workflow_input_name``); "" for a constant. None when unknown (flytekit's local
    # execution does not say where a task's inputs came from).
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DatasetRef:
        return cls(**data)


@dataclass(frozen=True)
class TaskContext:
    """What a task event says about the job. No values, no environment."""

    namespace: str
    run_id: str
    flow: str
    task: str
    attempt: int
    job_id: str
    job_url: str = ""
    backend: str = ""
    command: str = ""
    environment_id: str | None = None
    environment_name: str | None = None
    environment_revision: str | None = None
    hardware_tier_id: str | None = None
    hardware_tier_name: str | None = None
    input_commit: str | None = None
    output_commit: str | None = None
    source_url: str | None = None
    source_path: str | None = None
    source_version: str | None = None
    inputs: list[DatasetRef] = field(default_factory=list)
    # the task's job settings (``DominoJobConfig.to_custom``), when known
    job_settings: dict[str, Any] | None = None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_tree(path: Path) -> str:
    """A directory's hash: its files' relative paths and hashes, in order."""
    digest = hashlib.sha256()
    for item in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(f"{item.relative_to(path).as_posix()}\0{sha256_file(item)}\n".encode())
    return digest.hexdigest()


def dataset_ref(
    name: str,
    value: Any,
    python_type: Any,
    artifact: dict[str, str] | None = None,
    source: str | None = None,
) -> DatasetRef:
    """Describe one value by its content, as the contract carries it. ``artifact`` names the
    artifact the value belongs to when its type no longer says so (types guessed from a task
    template lose their annotations)."""
    from domino_flows.authoring.artifacts import artifact_of

    artifact = artifact or artifact_of(python_type)
    kind = contract.kind_of(python_type)
    if kind in ("file", "directory"):
        download = getattr(value, "download", None)
        local = Path(download() if callable(download) else os.fspath(value))
        digest = sha256_tree(local) if local.is_dir() else sha256_file(local)
        return DatasetRef(name, kind, digest, path=str(local), artifact=artifact, source=source)
    if kind in contract.PRIMITIVE_KINDS:
        text = contract._PRIMITIVE_WRITERS[kind](value)
    else:
        text = json.dumps(contract._to_jsonable(value), sort_keys=True, default=repr)
    digest = hashlib.sha256(text.encode()).hexdigest()
    return DatasetRef(name, kind, digest, artifact=artifact, source=source)


def run_uuid(run_id: str, task: str | None = None, attempt: int | None = None) -> str:
    """OpenLineage wants UUIDs; ours are derived so START and its end share one without state."""
    key = run_id if task is None else f"{run_id}\0{task}\0{attempt}"
    return str(uuid.uuid5(_RUN_ID_NAMESPACE, key))


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat()


def _inputs(namespace: str, task: str, refs: list[DatasetRef]) -> list[InputDataset]:
    return [
        InputDataset(namespace=namespace, name=name, facets=facets)
        for name, facets in _dataset_parts(task, refs, "inputs")
    ]


def _outputs(namespace: str, task: str, refs: list[DatasetRef]) -> list[OutputDataset]:
    return [
        OutputDataset(namespace=namespace, name=name, facets=facets)
        for name, facets in _dataset_parts(task, refs, "outputs")
    ]


def _dataset_parts(
    task: str, refs: list[DatasetRef], direction: str
) -> list[tuple[str, dict[str, Any]]]:
    """Each dataset's name (by artifact, or by task and input/output) and its content facet."""
    out = []
    for ref in refs:
        bound = direction == "inputs" and ref.source is not None
        facet = ContentDatasetFacet(
            ref.sha256,
            kind=ref.kind,
            path=ref.path,
            artifactName=(ref.artifact or {}).get("name"),
            artifactType=(ref.artifact or {}).get("type"),
            artifactFile=(ref.artifact or {}).get("file"),
            bound=True if bound else None,
            producer=PRODUCER,
        )
        if direction == "outputs":
            name = output_dataset_name(task, ref.name, ref.artifact)
        elif ref.source:
            name = ref.source
        elif ref.artifact:
            name = output_dataset_name(task, ref.name, ref.artifact)
        else:
            name = f"{task}/inputs/{ref.name}"
        out.append((name, {"dominoFlowsContent": facet}))
    return out


def output_dataset_name(task: str, output: str, artifact: dict[str, str] | None = None) -> str:
    """The OpenLineage dataset name of a task's output; an input bound to it carries the same
    name, so lineage consumers (Marquez, DataHub) draw the edge."""
    if artifact:
        return f"artifacts/{artifact['name']}/{artifact['file']}"
    return f"{task}/outputs/{output}"


def workflow_input_name(flow: str, name: str) -> str:
    """The dataset name of a run's workflow input, which the tasks bound to it read."""
    return f"{flow}/inputs/{name}"


def task_event(
    state: RunState,
    context: TaskContext,
    outputs: list[DatasetRef] | None = None,
    error: str | None = None,
    started_at: str | None = None,
    registered: list[dict[str, Any]] | None = None,
) -> RunEvent:
    """A START/COMPLETE/FAIL/ABORT event for one task attempt; ``registered``: the dataset
    snapshots and model versions it made (see :func:`registered_outputs`)."""
    facets: dict[str, Any] = {
        "dominoJob": DominoJobRunFacet(
            context.job_id,
            jobUrl=context.job_url or None,
            backend=context.backend or None,
            attempt=context.attempt,
            command=context.command or None,
            inputCommitId=context.input_commit,
            outputCommitId=context.output_commit,
            environmentId=context.environment_id,
            environmentName=context.environment_name,
            environmentRevisionId=context.environment_revision,
            hardwareTierId=context.hardware_tier_id,
            hardwareTierName=context.hardware_tier_name,
            jobSettings=context.job_settings or None,
            producer=PRODUCER,
        ),
        "processing_engine": processing_engine_run.ProcessingEngineRunFacet(
            version=__version__, name="domino-flows", producer=PRODUCER
        ),
        "parent": parent_run.ParentRunFacet(
            run=parent_run.Run(runId=run_uuid(context.run_id)),
            job=parent_run.Job(namespace=context.namespace, name=context.flow or context.run_id),
            producer=PRODUCER,
        ),
    }
    if state is not RunState.START:
        facets["nominalTime"] = nominal_time_run.NominalTimeRunFacet(
            nominalStartTime=started_at or _now(), nominalEndTime=_now(), producer=PRODUCER
        )
    else:
        facets["nominalTime"] = nominal_time_run.NominalTimeRunFacet(
            nominalStartTime=started_at or _now(), producer=PRODUCER
        )
    if error:
        facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
            message=error, programmingLanguage="python", producer=PRODUCER
        )
    job_facets: dict[str, Any] = {
        "jobType": job_type_job.JobTypeJobFacet(
            processingType="BATCH", integration=INTEGRATION, jobType="TASK", producer=PRODUCER
        )
    }
    if context.source_url:
        job_facets["sourceCodeLocation"] = source_code_location_job.SourceCodeLocationJobFacet(
            type="git" if context.source_version else "file",
            url=context.source_url,
            path=context.source_path,
            version=context.source_version,
            producer=PRODUCER,
        )
    name = f"{context.flow}.{context.task}" if context.flow else context.task
    return RunEvent(
        eventType=state,
        eventTime=_now(),
        run=Run(runId=run_uuid(context.run_id, context.task, context.attempt), facets=facets),
        job=Job(namespace=context.namespace, name=name, facets=job_facets),
        inputs=_inputs(context.namespace, context.task, context.inputs),
        outputs=_outputs(context.namespace, context.task, outputs or [])
        + registered_outputs(context.namespace, registered or []),
        producer=PRODUCER,
    )


def run_event(
    state: RunState, namespace: str, run_id: str, flow: str = "", error: str | None = None
) -> RunEvent:
    """A START/COMPLETE/FAIL/ABORT event for a whole run (a flow execution)."""
    facets: dict[str, Any] = {
        "processing_engine": processing_engine_run.ProcessingEngineRunFacet(
            version=__version__, name="domino-flows", producer=PRODUCER
        )
    }
    if error:
        facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
            message=error, programmingLanguage="python", producer=PRODUCER
        )
    job_facets: dict[str, Any] = {
        "jobType": job_type_job.JobTypeJobFacet(
            processingType="BATCH", integration=INTEGRATION, jobType="FLOW", producer=PRODUCER
        )
    }
    return RunEvent(
        eventType=state,
        eventTime=_now(),
        run=Run(runId=run_uuid(run_id), facets=facets),
        job=Job(namespace=namespace, name=flow or run_id, facets=job_facets),
        producer=PRODUCER,
    )


def to_json(event: RunEvent) -> str:
    return Serde.to_json(event)


def namespace_for(project_owner: str, project_name: str) -> str:
    return f"domino://{project_owner}/{project_name}"


def source_location(project_root: Path, command: str) -> tuple[str, str | None, str | None]:
    """(url, path, version) of the code a job runs: the project, the file named by the command
    when there is one, and the git commit checked out (read from .git, no subprocess)."""
    path = None
    for word in command.split():
        target = word.split(":", 1)[0]
        if target.endswith(".py"):
            path = target
            break
    return project_root.as_uri(), path, head_commit(project_root)
