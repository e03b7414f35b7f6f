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

Events are built as the JSON objects the OpenLineage spec describes (the standard facets' schemas
as openlineage-python names them), not as that library's objects: turning those into JSON walked
every object twice and cost more than the rest of recording an event.

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
from enum import Enum
from pathlib import Path
from typing import Any

from domino_flows._version import __version__
from domino_flows.contract import values as contract
from domino_flows.core.git_state import head_commit

PRODUCER = f"https://pypi.org/project/domino-flows/{__version__}"
SCHEMA_BASE = "https://pypi.org/project/domino-flows/#lineage-facets"
INTEGRATION = "DOMINO_FLOWS"
_RUN_ID_NAMESPACE = uuid.UUID("4b6c0f0e-7f8e-5d6a-9c1b-2f7a8e0d3c55")


def facet(schema: str, **fields: Any) -> dict[str, Any]:
    """A facet as OpenLineage JSON: its fields that have a value, its producer and schema."""
    facet = {name: value for name, value in fields.items() if value is not None}
    facet["_producer"], facet["_schemaURL"] = PRODUCER, schema
    return facet


class RunState(Enum):
    """An OpenLineage run event's type (``eventType``), as the spec names them."""

    START = "START"
    RUNNING = "RUNNING"
    COMPLETE = "COMPLETE"
    ABORT = "ABORT"
    FAIL = "FAIL"
    OTHER = "OTHER"


# The spec's schemas for the event and the standard facets built here, at the versions the JSON
# built here follows: openlineage-python's own (``_get_schema()``) when these were written, and
# tests/test_lineage_json.py checks every event against the text that library makes, so a release
# that moves a schema shows there. Named here rather than read from that library because importing
# it (its client, transports and their HTTP stacks) was a tenth of a second of every run's start.
_SPEC = "https://openlineage.io/spec"
_EVENT_SCHEMA = f"{_SPEC}/2-0-2/OpenLineage.json#/$defs/RunEvent"


def _standard(name: str, version: str) -> str:
    return f"{_SPEC}/facets/{version}/{name}.json#/$defs/{name}"


_ENGINE_SCHEMA = _standard("ProcessingEngineRunFacet", "1-1-1")
_PARENT_SCHEMA = _standard("ParentRunFacet", "1-2-0")
_NOMINAL_TIME_SCHEMA = _standard("NominalTimeRunFacet", "1-0-1")
_ERROR_SCHEMA = _standard("ErrorMessageRunFacet", "1-0-1")
_JOB_TYPE_SCHEMA = _standard("JobTypeJobFacet", "2-0-4")
_SOURCE_SCHEMA = _standard("SourceCodeLocationJobFacet", "1-1-0")
_VERSION_SCHEMA = _standard("DatasetVersionDatasetFacet", "1-0-1")
# The kit's own facets: ``dominoJob`` (the Domino Job behind a task attempt),
# ``dominoFlowsContent`` (how a task input or output was carried and what it held, its sha256)
# and ``dominoRegistered`` (where a task's artifact was registered).
DOMINO_JOB_SCHEMA = f"{SCHEMA_BASE}/DominoJobRunFacet"
CONTENT_SCHEMA = f"{SCHEMA_BASE}/ContentDatasetFacet"
REGISTERED_SCHEMA = f"{SCHEMA_BASE}/DominoRegisteredDatasetFacet"


def without_nulls(value: Any) -> Any:
    """A JSON-able value as OpenLineage writes one: no null members, no null or empty-object
    items in lists, enums by value, dates and UUIDs as text (the task's job settings)."""
    if isinstance(value, dict):
        cleaned = {key: without_nulls(item) for key, item in value.items()}
        return {key: item for key, item in cleaned.items() if item is not None}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [without_nulls(item) for item in value if item is not None]
        return [item for item in items if item is not None and item != {}]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def registered_outputs(namespace: str, registered: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A task's dataset snapshots and model versions as output datasets, as lineage consumers
    (Marquez) expect a versioned dataset: named ``datasets/<dataset>`` or ``models/<model>`` in
    the run's namespace, the standard ``version`` facet holding the number, and
    ``dominoRegistered`` the Domino ids: a Domino dataset snapshot (``datasetId``,
    ``snapshotId``; locally the snapshot's folder, ``snapshotFolder``) or a registered model
    version (``modelName``, ``experimentRunId``); ``version`` is the snapshot's or the model
    version's number."""
    out = []
    for made in registered:
        text = str(made.get("version") or "")
        number = int(text) if text.isdigit() else None
        snapshot = str(made.get("snapshot") or "")
        if made.get("kind") == "model_version":
            name = f"models/{made['model']}"
            where = facet(
                REGISTERED_SCHEMA,
                kind="model_version",
                modelName=made["model"],
                experimentRunId=made.get("mlflow_run"),
                artifactName=made.get("artifact"),
                version=number,
            )
        else:
            name = f"datasets/{made['dataset']}"
            local = made.get("dataset_id") is None  # a local snapshot is a folder
            where = facet(
                REGISTERED_SCHEMA,
                kind="dataset_snapshot",
                datasetName=made["dataset"],
                datasetId=made.get("dataset_id"),
                snapshotId=None if local else snapshot,
                snapshotFolder=snapshot if local else None,
                artifactName=made.get("artifact"),
                version=number,
            )
        facets: dict[str, Any] = {"dominoRegistered": where}
        if number is not None:
            facets["version"] = facet(_VERSION_SCHEMA, datasetVersion=str(number))
        out.append(_dataset(namespace, name, facets, "outputFacets"))
    return out


def _dataset(namespace: str, name: str, facets: dict[str, Any], own: str) -> dict[str, Any]:
    """An input (``own``: ``inputFacets``) or output (``outputFacets``) dataset."""
    return {"namespace": namespace, "name": name, "facets": facets, own: {}}


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


def _datasets(
    namespace: str, task: str, refs: list[DatasetRef], direction: str
) -> list[dict[str, Any]]:
    """Each input or output: its name (by artifact, or by task and input/output) and its
    content facet."""
    own = "inputFacets" if direction == "inputs" else "outputFacets"
    out = []
    for ref in refs:
        bound = direction == "inputs" and ref.source is not None
        artifact = ref.artifact or {}
        content = facet(
            CONTENT_SCHEMA,
            sha256=ref.sha256,
            kind=ref.kind,
            path=ref.path,
            artifactName=artifact.get("name"),
            artifactType=artifact.get("type"),
            artifactFile=artifact.get("file"),
            # True on an input named after what the workflow bound it to (an upstream task's
            # output or a workflow input): readers are then linked by name only, never by
            # equal content.
            bound=True if bound else None,
        )
        if direction == "outputs":
            name = output_dataset_name(task, ref.name, ref.artifact)
        elif ref.source:
            name = ref.source
        elif ref.artifact:
            name = output_dataset_name(task, ref.name, ref.artifact)
        else:
            name = f"{task}/inputs/{ref.name}"
        out.append(_dataset(namespace, name, {"dominoFlowsContent": content}, own))
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
) -> dict[str, Any]:
    """A START/COMPLETE/FAIL/ABORT event for one task attempt (OpenLineage JSON, see
    :func:`to_json`); ``registered``: the dataset snapshots and model versions it made (see
    :func:`registered_outputs`)."""
    facets: dict[str, Any] = {
        "dominoJob": facet(
            DOMINO_JOB_SCHEMA,
            jobId=context.job_id,
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
            # every job setting the task gave, keyed as a task's ``custom`` keys them
            jobSettings=without_nulls(context.job_settings) if context.job_settings else None,
        ),
        "processing_engine": _engine_facet(),
        "parent": facet(
            _PARENT_SCHEMA,
            run={"runId": run_uuid(context.run_id), "facets": {}},
            job={
                "namespace": context.namespace,
                "name": context.flow or context.run_id,
                "facets": {},
            },
        ),
        "nominalTime": facet(
            _NOMINAL_TIME_SCHEMA,
            nominalStartTime=started_at or _now(),
            nominalEndTime=None if state is RunState.START else _now(),
        ),
    }
    if error:
        facets["errorMessage"] = _error_facet(error)
    job_facets: dict[str, Any] = {"jobType": _job_type_facet("TASK")}
    if context.source_url:
        job_facets["sourceCodeLocation"] = facet(
            _SOURCE_SCHEMA,
            type="git" if context.source_version else "file",
            url=context.source_url,
            path=context.source_path,
            version=context.source_version,
        )
    name = f"{context.flow}.{context.task}" if context.flow else context.task
    outputs_ = _datasets(context.namespace, context.task, outputs or [], "outputs")
    return _event(
        state,
        {"runId": run_uuid(context.run_id, context.task, context.attempt), "facets": facets},
        {"namespace": context.namespace, "name": name, "facets": job_facets},
        _datasets(context.namespace, context.task, context.inputs, "inputs"),
        outputs_ + registered_outputs(context.namespace, registered or []),
    )


def run_event(
    state: RunState, namespace: str, run_id: str, flow: str = "", error: str | None = None
) -> dict[str, Any]:
    """A START/COMPLETE/FAIL/ABORT event for a whole run (a flow execution)."""
    facets: dict[str, Any] = {"processing_engine": _engine_facet()}
    if error:
        facets["errorMessage"] = _error_facet(error)
    return _event(
        state,
        {"runId": run_uuid(run_id), "facets": facets},
        {
            "namespace": namespace,
            "name": flow or run_id,
            "facets": {"jobType": _job_type_facet("FLOW")},
        },
        [],
        [],
    )


def _event(
    state: RunState,
    run: dict[str, Any],
    job: dict[str, Any],
    inputs: list[dict[str, Any]],
    outputs: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "eventType": state.value,
        "eventTime": _now(),
        "run": run,
        "job": job,
        "inputs": inputs,
        "outputs": outputs,
        "producer": PRODUCER,
        "schemaURL": _EVENT_SCHEMA,
    }


def _engine_facet() -> dict[str, Any]:
    return facet(_ENGINE_SCHEMA, version=__version__, name="domino-flows")


def _error_facet(error: str) -> dict[str, Any]:
    return facet(_ERROR_SCHEMA, message=error, programmingLanguage="python")


def _job_type_facet(job_type: str) -> dict[str, Any]:
    return facet(
        _JOB_TYPE_SCHEMA, processingType="BATCH", integration=INTEGRATION, jobType=job_type
    )


def to_json(event: dict[str, Any]) -> str:
    """An event's text as kept and sent: keys sorted, as openlineage-python writes events."""
    return json.dumps(event, sort_keys=True, default=_not_serializable)


def _not_serializable(value: Any) -> str:
    return f"<<non-serializable: {type(value).__qualname__}>>"


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
