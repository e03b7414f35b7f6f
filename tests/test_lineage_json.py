"""Lineage events built as JSON directly give exactly the text openlineage-python's objects and
``Serde`` gave: the previous builder is kept here as the reference, and events of both backends
(every facet, job settings with nulls, artifacts, registered snapshots and models, errors, run
events, a cached task's facet) must serialize to the same text."""

from __future__ import annotations

import json
from typing import Any

import attr
import pytest
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
from domino_flows.execution import cached
from domino_flows.records import lineage
from domino_flows.records.lineage import (
    INTEGRATION,
    PRODUCER,
    SCHEMA_BASE,
    DatasetRef,
    TaskContext,
    output_dataset_name,
    run_uuid,
)

NOW = "2026-12-07T05:00:00.000001+00:00"

# --- the reference: events as openlineage-python objects, serialized by Serde ------------------


@attr.define
class DominoJobRunFacet(RunFacet):
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
    sha256: str
    kind: str = attr.field(kw_only=True)
    path: str | None = attr.field(default=None, kw_only=True)
    artifactName: str | None = attr.field(default=None, kw_only=True)
    artifactType: str | None = attr.field(default=None, kw_only=True)
    artifactFile: str | None = attr.field(default=None, kw_only=True)
    bound: bool | None = attr.field(default=None, kw_only=True)

    @staticmethod
    def _get_schema() -> str:
        return f"{SCHEMA_BASE}/ContentDatasetFacet"


@attr.define
class DominoRegisteredDatasetFacet(DatasetFacet):
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


@attr.define
class CachedResultRunFacet(RunFacet):
    sourceRunId: str
    sourceRunUuid: str = attr.field(kw_only=True)
    cacheKey: str | None = attr.field(default=None, kw_only=True)

    @staticmethod
    def _get_schema() -> str:
        return f"{SCHEMA_BASE}/CachedResultRunFacet"


def old_registered_outputs(namespace: str, registered: list[dict[str, Any]]) -> list[OutputDataset]:
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


def old_task_event(
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
        + old_registered_outputs(context.namespace, registered or []),
        producer=PRODUCER,
    )


def old_run_event(
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


def _now() -> str:
    return NOW


# --- the cases ----------------------------------------------------------------------------------

LOCAL = TaskContext(
    namespace="domino://local/bench",
    run_id="20261207-050000-abcdef",
    flow="flow.wide",
    task="n12",
    attempt=1,
    job_id="20261207-050000-abcdef/n12/1",
    job_url="file:///tmp/bench/.domino-flows/jobs/20261207-050000-abcdef/n12/1",
    backend="local",
    command="python -m domino_flows.entrypoint flow.py:step",
    environment_id="local:/usr/bin/python3",
    environment_name="default",
    hardware_tier_id="local:Small",
    hardware_tier_name="Small",
    source_url="file:///tmp/bench",
    source_path="flow.py",
    inputs=[
        DatasetRef("x", "int", "a" * 64, source=""),
        DatasetRef("y", "int", "b" * 64, source="flow.wide/inputs/y"),
        DatasetRef(
            "model",
            "file",
            "c" * 64,
            path="/tmp/m.pkl",
            artifact={"name": "Churn model", "type": "MODEL", "file": "m.pkl"},
        ),
        DatasetRef("rows", "int", "d" * 64),
    ],
    job_settings={"HardwareTierName": "Small", "Command": "python -m x"},
)

DOMINO = TaskContext(
    namespace="domino://alice/churn",
    run_id="run-7",
    flow="training_pipeline",
    task="train@n3",
    attempt=2,
    job_id="64f0c0ffee",
    job_url="https://domino.example.com/jobs/alice/churn/64f0c0ffee",
    backend="domino",
    command="python -m domino_flows.entrypoint flows/train.py:train",
    environment_id="env-1",
    environment_name="GPU Python 3.11",
    environment_revision="rev-9",
    hardware_tier_id="large-k8s",
    hardware_tier_name="Large",
    input_commit="in-commit",
    output_commit="out-commit",
    source_url="file:///projects/churn",
    source_path="flows/train.py",
    source_version="abc123",
    inputs=[DatasetRef("rows", "int", "f" * 64, source="prepare/outputs/rows")],
    # nulls at every depth, empty objects in lists and as members, tuples: as Serde cleans them
    job_settings={
        "HardwareTierId": "large-k8s",
        "Volumes": [None, {"a": None}, {"b": 1, "c": None}, [], (1, None, "x")],
        "Nested": {"empty": {}, "none": None, "deep": {"x": [None, {}]}},
        "Flag": False,
        "Zero": 0,
    },
)

BARE = TaskContext(namespace="ns", run_id="r", flow="", task="t", attempt=0, job_id="")

OUTPUTS = [
    DatasetRef("model", "file", "a" * 64, path="/x/model.json"),
    DatasetRef(
        "report",
        "file",
        "b" * 64,
        artifact={"name": "Churn report", "type": "REPORT", "file": "r.md"},
    ),
    DatasetRef("count", "int", "e" * 64),
]

REGISTERED = [
    {
        "kind": "model_version",
        "model": "churn",
        "version": 3,
        "artifact": "Churn model",
        "mlflow_run": "abc",
    },
    {"kind": "model_version", "model": "churn2", "version": None},
    {
        "kind": "dataset_snapshot",
        "dataset": "sales",
        "snapshot": "/p/.domino-flows/ds/sales/2",
        "version": "2",
        "artifact": "Sales",
    },
    {
        "kind": "dataset_snapshot",
        "dataset": "sales",
        "dataset_id": "ds1",
        "snapshot": "snap-9",
        "version": "unknown",
    },
]


@pytest.fixture(autouse=True)
def fixed_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lineage, "_now", _now)


@pytest.mark.parametrize("context", [LOCAL, DOMINO, BARE], ids=["local", "domino", "bare"])
@pytest.mark.parametrize("state", list(RunState))
def test_task_events_are_the_text_serde_gave(context: TaskContext, state: RunState) -> None:
    cases: list[dict[str, Any]] = [
        {},
        {"started_at": "2026-01-01T00:00:00Z"},
        {"outputs": OUTPUTS, "registered": REGISTERED},
        {"error": "task 'train' failed: exit code 1", "outputs": []},
    ]
    for kwargs in cases:
        old = Serde.to_json(old_task_event(state, context, **kwargs))
        new = lineage.task_event(lineage.RunState(state.value), context, **kwargs)
        assert lineage.to_json(new) == old, kwargs


@pytest.mark.parametrize("state", list(RunState))
def test_run_events_are_the_text_serde_gave(state: RunState) -> None:
    for args in [("ns", "run-1"), ("domino://a/b", "run-7", "pipe"), ("ns", "r", "f", "failed")]:
        old = Serde.to_json(old_run_event(state, *args))
        assert lineage.to_json(lineage.run_event(lineage.RunState(state.value), *args)) == old


def test_event_types_are_the_ones_openlineage_python_names() -> None:
    assert [(s.name, s.value) for s in lineage.RunState] == [(s.name, s.value) for s in RunState]


def test_a_cached_task_facet_is_the_text_serde_gave() -> None:
    for key in ("", "digest-1"):
        old = CachedResultRunFacet(
            "run-1", sourceRunUuid=run_uuid("run-1"), cacheKey=key or None, producer=PRODUCER
        )
        new = lineage.facet(
            cached.CACHE_SCHEMA,
            sourceRunId="run-1",
            sourceRunUuid=run_uuid("run-1"),
            cacheKey=key or None,
        )
        assert json.dumps(new, sort_keys=True) == Serde.to_json(old)


def test_job_settings_are_cleaned_as_serde_cleans_them() -> None:
    event = json.loads(lineage.to_json(lineage.task_event(lineage.RunState.START, DOMINO)))
    assert event["run"]["facets"]["dominoJob"]["jobSettings"] == {
        "HardwareTierId": "large-k8s",
        "Volumes": [{"b": 1}, [], [1, "x"]],
        "Nested": {"empty": {}, "deep": {"x": []}},
        "Flag": False,
        "Zero": 0,
    }
