"""Recording runs where Domino users look: MLflow runs, job tags, ``dominostats.json``.

The run store stays the source of truth; this adds, per task attempt:

- an **MLflow run** in the flow's experiment, named ``<owner>/<project>/<flow>`` (Domino wants
  experiment names unique per deployment, and a project's owner and name are), nested under a
  parent run per flow run when the runner can reach the tracking store. Params are the primitive
  inputs, metrics the numeric primitive outputs plus what the task logged (``job.log_metric``,
  ``dominostats.json``), tags name flow, run, task, node, attempt, environment, hardware tier,
  commit and job; artifact files and the attempt's OpenLineage events are its artifacts; inputs
  are MLflow datasets with the digest lineage computes. On Domino the job writes it itself
  (``tracking_job`` in the job's archive: Domino links a run to the job that wrote it); locally
  the runner writes it, to ``MLFLOW_TRACKING_URI`` or else ``.domino-flows/mlruns``;
- **job tags** ``flow:<flow>``, ``run:<run id>``, ``task:<task>`` (``JobBackend.tag_job``);
- a **``dominostats.json``** per job with its numeric outputs and what it logged.

``[tool.domino_flows.tracking]`` turns each on or off: ``mlflow`` (default: on where jobs record
themselves, on Domino; ``mlflow = true`` locally), ``job_tags`` and ``job_stats`` (default on).
A record that cannot be written is a warning, never a failed task; without MLflow one line says
what is skipped. What was written where is kept in the run store (``records_tracking``) for
``show``.
"""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from domino_flows.authoring.artifacts import artifact_of
from domino_flows.backends.base import JobBackend, JobSpec
from domino_flows.contract import tracking_job
from domino_flows.contract import values as contract
from domino_flows.core.errors import ConfigurationError, DominoFlowsError
from domino_flows.core.git_state import commit_and_dirty
from domino_flows.core.paths import state_dir
from domino_flows.core.redaction import redact
from domino_flows.execution import dataset_snapshots, run_context
from domino_flows.records.store import RunStore
from domino_flows.records.tracking import (
    DATASET_SNAPSHOTS,
    JOB_STATS,
    JOB_TAGS,
    MLFLOW_RUN,
    PLAN,
    SKIPPED,
    TrackingRecords,
    store_address,
)

logger = logging.getLogger(__name__)

LOCAL_STORE = "mlruns"
TRACKING_DIR = "tracking"
SETTINGS = ("mlflow", "job_tags", "job_stats")
NUMERIC_KINDS = ("int", "float")
RUN_LEVEL = ("", 0)  # the task and attempt under which the flow run's own records are kept
PROJECT_DEFAULT = "project default"  # a job started without one: Domino chose the project's


@dataclass(frozen=True)
class TrackingSettings:
    """``[tool.domino_flows.tracking]``: None for ``mlflow`` means "by default"."""

    mlflow: bool | None = None
    job_tags: bool = True
    job_stats: bool = True

    def mlflow_on(self, backend: JobBackend) -> bool:
        return self.mlflow if self.mlflow is not None else backend.records_in_job()


def settings_for(project_root: Path, run_id: str) -> TrackingSettings:
    settings = run_context.open_run(project_root, run_id).settings  # read once per run
    table = settings.tracking
    where = f"{settings.pyproject or project_root / 'pyproject.toml'} [tool.domino_flows.tracking]"
    for key, value in table.items():  # an unknown key was warned about when the file was read
        if key in SETTINGS and not isinstance(value, bool):
            raise ConfigurationError(
                f"{where}: {key} = {value!r}; write {key} = true or {key} = false."
            )
    return TrackingSettings(
        mlflow=table.get("mlflow"),
        job_tags=table.get("job_tags", True),
        job_stats=table.get("job_stats", True),
    )


def experiment_name(project_root: Path, run_id: str, flow: str) -> str:
    """``<owner>/<project>/<flow>``: the Domino project (settings, else the job's variables),
    else ``local/<project folder>``."""
    settings = run_context.open_run(project_root, run_id).settings
    project = settings.domino.project
    if not project and os.environ.get("DOMINO_PROJECT_NAME"):
        owner = os.environ.get("DOMINO_PROJECT_OWNER", "")
        project = f"{owner}/{os.environ['DOMINO_PROJECT_NAME']}".lstrip("/")
    return f"{project or 'local/' + project_root.resolve().name}/{flow or 'flow'}"


def runner_store(project_root: Path, backend: JobBackend) -> str | None:
    """The tracking store the runner writes to: ``MLFLOW_TRACKING_URI``; else, for local jobs,
    the project's own store. None when the runner cannot reach the jobs' store (Domino's
    tracking server from outside Domino)."""
    named = os.environ.get(tracking_job.TRACKING_URI_VARIABLE)
    if named:
        return named
    if backend.records_in_job():
        return None
    return _project_store(project_root)


@functools.lru_cache(maxsize=16)
def _project_store(project_root: Path) -> str:
    """The project's own tracking store (resolved once: asked several times per task)."""
    return (state_dir(project_root) / LOCAL_STORE).resolve().as_uri()


def client_ready(uri: str) -> None:
    # MLflow 3 refuses its file store unless asked; the project's own store is one (fast, and
    # `mlflow ui --backend-store-uri .domino-flows/mlruns` opens it).
    if uri.startswith("file:") or "://" not in uri:
        os.environ.setdefault(tracking_job.FILE_STORE_VARIABLE, "true")


def warn_unrecorded(what: str, error: BaseException) -> None:
    logger.warning("domino-flows: %s was not recorded: %s", what, (redact(str(error)) or "")[:300])


# --- the flow run -----------------------------------------------------------------------------


def run_started(project_root: Path, run_id: str, flow: str, backend: JobBackend) -> None:
    """The flow run's parent MLflow run (kept across resumes), where the runner can reach the
    store; or the one line saying MLflow is missing."""
    settings = settings_for(project_root, run_id)
    # (re)written below: a resumed run's tasks read the new one
    run_context.open_run(project_root, run_id).known.pop(MLFLOW_RUN, None)
    records = TrackingRecords(RunStore.for_project(project_root))
    commit, _dirty = commit_and_dirty(project_root)
    base = {"commit": commit or "", "experiment": experiment_name(project_root, run_id, flow)}
    if not settings.mlflow_on(backend):
        records.put(run_id, *RUN_LEVEL, MLFLOW_RUN, {**base, "mlflow": False})
        return
    known = records.get(run_id, *RUN_LEVEL, MLFLOW_RUN) or {}
    uri = runner_store(project_root, backend)
    # a parent run is made only by a runner that reaches the store and has none yet; otherwise
    # MLflow is not used here, so it is only looked for, not imported
    makes_parent = not known.get("run_id") and uri is not None
    if not tracking_job.mlflow_available(importing=makes_parent):
        if backend.records_in_job():  # each job still records itself if its environment can
            line = (
                "domino-flows: MLflow is not installed for this runner: no parent MLflow run for "
                "this flow run; each job records its own run where MLflow is installed."
            )
        else:
            line = tracking_job.skipped_line("for this runner")
        logger.warning(line)
        records.put_many(run_id, *RUN_LEVEL, {SKIPPED: line, MLFLOW_RUN: {**base, "mlflow": True}})
        return
    entry = {**base, "mlflow": True, "store": store_address(uri)}
    if not makes_parent or uri is None:  # resumed, or the jobs' store is out of reach
        records.put(run_id, *RUN_LEVEL, MLFLOW_RUN, {**entry, **_ids(known)})
        return
    client_ready(uri)
    plan = {
        "experiment": base["experiment"],
        "run_name": f"{flow} [run {run_id}]",
        "tags": {
            "domino_flows.flow": flow,
            "domino_flows.run_id": run_id,
            "domino_flows.commit": commit or "",
            "domino_flows.backend": backend.name,
        },
    }
    try:
        parent = tracking_job.TaskRun(plan, uri)
        parent.start()
    except tracking_job.mlflow_errors() as error:
        warn_unrecorded(f"the MLflow parent run of run {run_id}", error)
        records.put(run_id, *RUN_LEVEL, MLFLOW_RUN, entry)
        return
    ids = {"run_id": parent.run_id, "experiment_id": parent.experiment_id}
    records.put(run_id, *RUN_LEVEL, MLFLOW_RUN, {**entry, **ids})


def _parent(project_root: Path, run_id: str, records: TrackingRecords) -> dict[str, Any]:
    """The run's parent MLflow run as ``run_started`` kept it: it does not change during the run,
    so it is read once (a run without one yet is asked again)."""
    known = run_context.open_run(project_root, run_id).known
    parent = known.get(MLFLOW_RUN)
    if parent is None:
        parent = records.get(run_id, *RUN_LEVEL, MLFLOW_RUN) or {}
        if parent:
            known[MLFLOW_RUN] = parent
    return dict(parent)


def _ids(known: dict[str, Any]) -> dict[str, Any]:
    return {k: known[k] for k in ("run_id", "experiment_id") if known.get(k)}


def run_ended(project_root: Path, run_id: str, succeeded: bool) -> None:
    """End the parent run, if the runner made one."""
    records = TrackingRecords(RunStore.for_project(project_root))
    parent = records.get(run_id, *RUN_LEVEL, MLFLOW_RUN) or {}
    uri = os.environ.get(tracking_job.TRACKING_URI_VARIABLE) or parent.get("store")
    if not parent.get("run_id") or not uri:
        return
    client_ready(uri)
    try:
        run = tracking_job.TaskRun({}, uri, run_id=parent["run_id"])
        run.client.set_terminated(run.run_id, "FINISHED" if succeeded else "FAILED")
    except tracking_job.mlflow_errors() as error:
        warn_unrecorded(f"the end of MLflow run {parent['run_id']}", error)


# --- an attempt -------------------------------------------------------------------------------


def _attempt_dir(project_root: Path, run_id: str, task: str, attempt: int) -> Path:
    """Where a local job's ``dominostats.json`` and logged records are kept."""
    safe = "".join(c if c.isalnum() or c in "-_.@" else "_" for c in task)
    return state_dir(project_root) / TRACKING_DIR / run_id / safe / str(attempt)


def plan_for(
    project_root: Path, spec: JobSpec, record: Any, values: dict[str, Any], parent: dict[str, Any]
) -> dict[str, Any]:
    """What the attempt's MLflow run holds before its job runs (JSON, for a job's manifest)."""
    task, _, keyed = spec.task.partition("@")
    node = spec.node or keyed
    params = {}
    for name, value in values.items():
        kind = contract.kind_of(spec.input_types[name])
        if kind in contract.PRIMITIVE_KINDS:
            params[name] = redact(contract._PRIMITIVE_WRITERS[kind](value)) or ""
    datasets = [
        {"name": d["name"], "digest": d["sha256"], "source": d.get("source") or d["name"]}
        for d in _json_list(record.input_datasets)
    ]
    artifacts = {}
    for name, python_type in spec.output_types.items():
        artifact = artifact_of(python_type)
        if artifact:
            artifacts[name] = artifact
    return {
        "mlflow": True,
        "stats": True,
        "experiment": parent.get("experiment")
        or experiment_name(project_root, spec.run_id, spec.flow),
        "parent_run_id": parent.get("run_id", ""),
        "run_name": f"{task} (attempt {spec.attempt})",
        "params": params,
        "datasets": datasets,
        "tags": {
            "domino_flows.flow": spec.flow,
            "domino_flows.run_id": spec.run_id,
            "domino_flows.task": task,
            "domino_flows.node": node,
            "domino_flows.attempt": str(spec.attempt),
            "domino_flows.environment": record.environment or PROJECT_DEFAULT,
            "domino_flows.hardware_tier": record.hardware_tier or PROJECT_DEFAULT,
            "domino_flows.commit": parent.get("commit", ""),
        },
        "metric_outputs": [
            n for n, t in spec.output_types.items() if contract.kind_of(t) in NUMERIC_KINDS
        ],
        "artifact_outputs": artifacts,
    }


def _json_list(text: str) -> list[dict[str, Any]]:
    import json

    try:
        data = json.loads(text or "[]")
    except ValueError:
        return []
    return [d for d in data if isinstance(d, dict) and d.get("sha256")]


def prepare(
    backend: JobBackend, spec: JobSpec, record: Any, values: dict[str, Any], root: Path
) -> JobSpec:
    """The spec the attempt's job starts with: its tracking plan (a job that records itself)
    or the variables naming the run the runner opened for it and its stats file."""
    settings = settings_for(root, spec.run_id)
    records = TrackingRecords(RunStore.for_project(root))
    parent = _parent(root, spec.run_id, records)
    # a job that records itself imports MLflow in its own environment, not the runner's
    mlflow_on = bool(parent.get("mlflow")) and (
        backend.records_in_job() or tracking_job.mlflow_available()
    )
    plan = plan_for(root, spec, record, values, parent)
    dataset_snapshots.check(backend, spec.task, plan)
    plan["mlflow"], plan["stats"] = mlflow_on, settings.job_stats
    # kept for the attempt's end, which may come in another call (the connector's get)
    kept: dict[str, Any] = {PLAN: plan}
    tags = tuple(job_tags(spec)) if settings.job_tags else ()
    if backend.records_in_job():
        records.put_many(spec.run_id, spec.task, spec.attempt, kept)
        tracked = plan if (mlflow_on or settings.job_stats) else {}
        return replace(spec, tracking=tracked, tags=tags)
    folder = _attempt_dir(root, spec.run_id, spec.task, spec.attempt)
    folder.mkdir(parents=True, exist_ok=True)
    environment = {
        tracking_job.STATS_FILE_VARIABLE: str(folder / tracking_job.STATS_FILE),
        tracking_job.RECORDS_FILE_VARIABLE: str(folder / "tracking.jsonl"),
    }
    uri = runner_store(root, backend)
    if mlflow_on and uri:
        client_ready(uri)
        try:
            run = tracking_job.TaskRun(plan, uri)
            run.start()
        except tracking_job.mlflow_errors() as error:
            warn_unrecorded(f"the MLflow run of task {spec.task!r}", error)
        else:
            environment[tracking_job.RUN_ID_VARIABLE] = run.run_id
            environment[tracking_job.TRACKING_URI_VARIABLE] = uri
            if tracking_job.FILE_STORE_VARIABLE in os.environ:
                environment[tracking_job.FILE_STORE_VARIABLE] = "true"
            kept[MLFLOW_RUN] = {
                "run_id": run.run_id,
                "experiment_id": run.experiment_id,
                "experiment": plan["experiment"],
                "store": store_address(uri),
            }
    records.put_many(spec.run_id, spec.task, spec.attempt, kept)
    environment = {**spec.environment, **environment}
    return replace(spec, environment=environment, tracking=plan, tags=tags)


def job_tags(spec: JobSpec) -> list[str]:
    """The tags that let a user filter jobs by flow, run and task."""
    task = spec.task.partition("@")[0]
    return [f"flow:{spec.flow}", f"run:{spec.run_id}", f"task:{task}"]


def started(backend: JobBackend, spec: JobSpec, record: Any, root: Path) -> None:
    """Tag the started job with its flow, run and task (a backend that wrote ``spec.tags`` with
    the job's record as it started has nothing left to do)."""
    if not settings_for(root, spec.run_id).job_tags:
        return
    tags = list(spec.tags) or job_tags(spec)
    try:
        backend.tag_job(record.handle, tags)
    except DominoFlowsError as error:
        warn_unrecorded(f"the tags of job {record.job_id}", error)
        return
    TrackingRecords(RunStore.for_project(root)).put(
        spec.run_id, spec.task, spec.attempt, JOB_TAGS, tags
    )


def ended(
    backend: JobBackend,
    record: Any,
    succeeded: bool,
    values: dict[str, Any],
    kept: dict[str, Any] | None = None,
) -> None:
    """Finish the attempt's records once its end is in the run store (lineage included).
    ``kept``: the attempt's tracking records, when the caller has just read them."""
    root = Path(record.project_root)
    store = RunStore.for_project(root)
    records = TrackingRecords(store)
    key = (record.run_id, record.task, record.attempt)
    if kept is None:
        kept = records.of_attempt(*key)
    plan = kept.get(PLAN)
    if not plan:
        return  # the attempt ended before its job was planned (a failed resolution)
    entry = kept.get(MLFLOW_RUN) or {}
    snapshot_tags = _snapshot_tags(kept.get(DATASET_SNAPSHOTS) or [])
    if backend.records_in_job():
        reported = backend.job_records(record.handle) if record.job_id else {}
        if reported.get("mlflow_run_id"):
            entry = {
                "run_id": reported["mlflow_run_id"],
                "experiment_id": reported.get("mlflow_experiment_id", ""),
                "experiment": plan.get("experiment", ""),
                "store": store_address(os.environ.get(tracking_job.TRACKING_URI_VARIABLE))
                or "the job's MLFLOW_TRACKING_URI",
            }
            records.put(*key, MLFLOW_RUN, entry)
        if reported.get("stats_file"):
            records.put(*key, JOB_STATS, reported["stats_file"])
        uri = os.environ.get(tracking_job.TRACKING_URI_VARIABLE)
        if entry.get("run_id") and uri:
            _log_lineage(uri, entry["run_id"], store, record, snapshot_tags)
        return
    folder = _attempt_dir(root, record.run_id, record.task, record.attempt)
    stats = folder / tracking_job.STATS_FILE
    numbers = _numbers(plan, values) if succeeded else {}
    if plan.get("stats"):
        tracking_job.update_stats(stats, numbers)
        records.put(*key, JOB_STATS, str(stats))
    uri = runner_store(root, backend)
    if not entry.get("run_id") or uri is None:
        return
    files = (
        [
            (a.artifact_name, Path(a.path), a.file_name)
            for a in store.artifacts(record.run_id)
            if a.task == record.task and Path(a.path).is_file()
        ]
        if succeeded and plan.get("artifact_outputs")
        else []
    )
    client_ready(uri)
    try:
        run = tracking_job.TaskRun(plan, uri, run_id=entry["run_id"])
        if record.job_id:  # known once the job started (a job recording itself names its own)
            run.client.set_tag(run.run_id, "domino_flows.job_id", record.job_id)
        _log_lineage_to(run, store, record, snapshot_tags)
        run.finish(succeeded, numbers, files, folder / "tracking.jsonl", stats)
    except tracking_job.mlflow_errors() as error:
        warn_unrecorded(f"the end of MLflow run {entry['run_id']} (task {record.task!r})", error)


def _snapshot_tags(snapshots: list[dict[str, Any]]) -> dict[str, str]:
    """The attempt's MLflow run names each dataset snapshot it made: its id and version."""
    tags = {}
    for made in snapshots:
        if made.get("error"):
            continue
        prefix = f"domino_flows.dataset_snapshot.{made['dataset']}"
        tags[f"{prefix}.id"] = str(made.get("snapshot", ""))
        tags[f"{prefix}.version"] = str(made.get("version") or "unknown")
    return tags


def _numbers(plan: dict[str, Any], values: dict[str, Any]) -> dict[str, float]:
    names = plan.get("metric_outputs", [])
    return {
        n: float(v)
        for n, v in values.items()
        if n in names and isinstance(v, (int, float)) and not isinstance(v, bool)
    }


def _log_lineage(uri: str, run_id: str, store: RunStore, record: Any, tags: dict[str, str]) -> None:
    client_ready(uri)
    try:
        _log_lineage_to(tracking_job.TaskRun({}, uri, run_id=run_id), store, record, tags)
    except tracking_job.mlflow_errors() as error:
        warn_unrecorded(f"the lineage of MLflow run {run_id} (task {record.task!r})", error)


def _log_lineage_to(
    run: tracking_job.TaskRun, store: RunStore, record: Any, tags: dict[str, str]
) -> None:
    """The attempt's OpenLineage events (as the run store kept them: credentials masked) as
    ``openlineage/<attempt>.ndjson``, and ``tags`` (the snapshots it made)."""
    for name, value in tags.items():
        run.client.set_tag(run.run_id, name, value)
    events = [
        e["event"]
        for e in store.lineage_events(record.run_id, record.task)
        if e["attempt"] == record.attempt
    ]
    if events:
        text = tracking_job.mask("\n".join(events) + "\n")
        run.client.log_text(run.run_id, text, f"openlineage/attempt-{record.attempt}.ndjson")
