"""What a task attempt leaves where Domino users look: an MLflow run and ``dominostats.json``.

Standard library only at import; MLflow (the optional ``[mlflow]`` extra, ``mlflow-skinny``) is
imported only when a run is written. Self-contained, because it runs in three places:

- inside a Domino job: the domino backend's bootstrap carries this file in ``job.pyz`` (as
  ``domino_flows_tracking.py``) and writes the attempt's MLflow run from the job, where Domino sets
  ``MLFLOW_TRACKING_URI``, so Domino links the run to the job;
- in the runner, for local jobs (``execution/tracking.py``), where importing MLflow once per run
  keeps a task's overhead to a few milliseconds;
- in a task's own code: ``job.log_metric`` / ``job.log_param`` append to the attempt's records file
  (``DOMINO_FLOWS_TRACKING_FILE``) and to ``dominostats.json`` (``DOMINO_FLOWS_STATS_FILE``, else
  the working directory's), and the run's writer copies them into MLflow when the task ends.

A *plan* (plain JSON, made by ``execution/tracking.py``) says what to write: the experiment, the
run's name, tags, params (the primitive inputs), datasets (inputs with their content digests),
which outputs are numeric (metrics) and which are artifact files. Every text written to MLflow
passes :func:`mask`, so a credential never becomes a param, tag or artifact.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

STATS_FILE = "dominostats.json"
STATS_FILE_VARIABLE = "DOMINO_FLOWS_STATS_FILE"
RECORDS_FILE_VARIABLE = "DOMINO_FLOWS_TRACKING_FILE"
RUN_ID_VARIABLE = "MLFLOW_RUN_ID"
TRACKING_URI_VARIABLE = "MLFLOW_TRACKING_URI"
# MLflow 3 refuses its file store unless asked: the kit's local store is one (fast, no database).
FILE_STORE_VARIABLE = "MLFLOW_ALLOW_FILE_STORE"
# Mirrors redaction.CREDENTIAL_VARIABLES (tested equal): this file runs where the kit may not be
# installed. MLflow's own credentials are masked too.
CREDENTIAL_VARIABLES = (
    "DOMINO_API_PROXY",
    "DOMINO_TOKEN_FILE",
    "DOMINO_USER_API_KEY",
    "DOMINO_API_KEY",
)
TOKEN_FILE_VARIABLE = CREDENTIAL_VARIABLES[1]  # a file whose content is the secret
MLFLOW_CREDENTIAL_VARIABLES = ("MLFLOW_TRACKING_TOKEN", "MLFLOW_TRACKING_PASSWORD")
# MLflow's limit on a param's value; longer inputs are cut, and say so.
PARAM_LIMIT = 6000
PREFIX = "[domino-flows]"


class TrackingError(ValueError):
    """A metric or param a task's code logged that MLflow or Domino could not keep."""


def mask(text: str) -> str:
    """``text`` with the values of credential variables (and a token file's content) masked."""
    secrets = [os.environ.get(v, "") for v in (*CREDENTIAL_VARIABLES, *MLFLOW_CREDENTIAL_VARIABLES)]
    token_file = os.environ.get(TOKEN_FILE_VARIABLE)
    if token_file:
        try:
            with open(token_file, encoding="utf-8", errors="replace") as handle:
                secrets.append(handle.read(64 * 1024).strip())
        except OSError:
            pass
    for secret in secrets:
        if len(secret) >= 4:
            text = text.replace(secret, "<credential redacted>")
    return text


# --- the job's own numbers: job.log_metric / log_param ---------------------------------------


def _check_name(name: Any, what: str) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > 250:
        raise TrackingError(
            f"{what} name {name!r} must be a non-empty text of at most 250 characters"
        )
    return name


def log_value(kind: str, name: str, value: Any, step: int | None = None) -> None:
    """Record a metric (a finite number) or a param (any value, kept as text) of this job."""
    _check_name(name, kind)
    if kind == "metric":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TrackingError(
                f"metric {name!r} is a {type(value).__name__}; a metric is an int or a float "
                "(log text with job.log_param)"
            )
        if not math.isfinite(value):
            raise TrackingError(
                f"metric {name!r} is {value}; Domino's Jobs dashboard needs a finite number"
            )
        kept: Any = value
    else:
        kept = mask(str(value))
    entry = {"kind": kind, "name": name, "value": kept, "step": step}
    records = os.environ.get(RECORDS_FILE_VARIABLE)
    if records:
        with open(records, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")
    update_stats(stats_path(), {name: kept})


def stats_path() -> Path:
    """Where this job's ``dominostats.json`` is: the kit's choice, else the working directory
    (where Domino's documentation has scripts write it)."""
    return Path(os.environ.get(STATS_FILE_VARIABLE) or STATS_FILE)


def read_stats(path: Path) -> dict[str, Any]:
    """A ``dominostats.json``'s flat values; {} when there is none or it is not a JSON object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): v for k, v in data.items()} if isinstance(data, dict) else {}


def update_stats(path: Path, values: dict[str, Any]) -> None:
    """Merge ``values`` into ``path`` (written whole through a temporary file: Domino reads it at
    the job's end, and a half-written file would hide every column)."""
    merged = {**read_stats(path), **values}
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(merged, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(temporary, path)


def read_records(path: Path | None) -> list[dict[str, Any]]:
    """The metrics and params the task's code logged (lines of JSON); broken lines skipped."""
    if path is None or not path.is_file():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("kind") in ("metric", "param"):
            entries.append(entry)
    return entries


def output_numbers(outputs: Path, names: list[str]) -> dict[str, float]:
    """The numeric primitive outputs a finished job wrote (``<name>`` or one ``<name>.*``)."""
    numbers: dict[str, float] = {}
    for name in names:
        candidates = [outputs / name, *sorted(outputs.glob(f"{name}.*"))]
        path = next((p for p in candidates if p.is_file() and not p.is_symlink()), None)
        if path is None:
            continue
        try:
            value = float(path.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            continue
        if math.isfinite(value):
            numbers[name] = value
    return numbers


# --- the MLflow run ---------------------------------------------------------------------------


def mlflow_available(*, importing: bool = True) -> bool:
    """Whether MLflow can be used here. ``importing=False`` only looks for the package, for a
    caller that would not use it now: importing MLflow costs about 2.5 s of CPU."""
    if not importing:
        try:
            return importlib.util.find_spec("mlflow") is not None
        except (ImportError, ValueError):  # a parent package that cannot be imported
            return False
    try:
        import mlflow.tracking  # noqa: F401
    except ImportError:
        return False
    return True


def skipped_line(what: str) -> str:
    return (
        f"{PREFIX} MLflow is not installed here ({what}): no MLflow run recorded (params, metrics, "
        "artifacts skipped); dominostats.json is still written. Install domino-flows[mlflow]."
    )


def mlflow_errors() -> tuple[type[BaseException], ...]:
    """What a failed MLflow write raises: its own exception, a refused or dropped request, a
    file it could not write. A record that cannot be written never fails the task."""
    from mlflow.exceptions import MlflowException

    errors: list[type[BaseException]] = [MlflowException, OSError, ValueError]
    try:
        from requests import RequestException

        errors.append(RequestException)
    except ImportError:
        pass
    return tuple(errors)


class TaskRun:
    """One attempt's MLflow run, written through MLflow's client."""

    def __init__(
        self, plan: dict[str, Any], tracking_uri: str | None = None, run_id: str = ""
    ) -> None:
        from mlflow.tracking import MlflowClient

        self.plan = plan
        self.tracking_uri = tracking_uri or os.environ.get(TRACKING_URI_VARIABLE) or None
        self.client = MlflowClient(tracking_uri=self.tracking_uri)
        self.run_id = run_id  # given: a run started earlier (by the runner, before the job)
        self.experiment_id = ""

    def start(self) -> str:
        """Create the run (in its flow's experiment, under the flow run's parent run if any), with
        its tags, params and input datasets. Returns its id."""
        from mlflow.entities import Dataset, DatasetInput, InputTag, Param

        plan = self.plan
        self.experiment_id = experiment_id(
            self.client, plan["experiment"], plan.get("artifact_root")
        )
        tags = {k: mask(str(v)) for k, v in plan.get("tags", {}).items() if v not in (None, "")}
        if plan.get("parent_run_id"):
            tags["mlflow.parentRunId"] = plan["parent_run_id"]
        run = self.client.create_run(self.experiment_id, tags=tags, run_name=plan.get("run_name"))
        self.run_id = run.info.run_id
        params = [Param(k, _param_text(v)) for k, v in sorted(plan.get("params", {}).items())]
        if params:
            self.client.log_batch(self.run_id, params=params)
        datasets = [
            DatasetInput(
                Dataset(
                    name=mask(d["name"]),
                    digest=d["digest"],
                    source_type="domino-flows",
                    source=mask(d.get("source") or d["name"]),
                ),
                tags=[InputTag("mlflow.data.context", "input")],
            )
            for d in plan.get("datasets", [])
            if d.get("digest")
        ]
        if datasets:
            self.client.log_inputs(self.run_id, datasets=datasets)
        return self.run_id

    def finish(
        self,
        succeeded: bool,
        metrics: dict[str, float],
        artifact_files: list[tuple[str, Path, str]],
        records: Path | None = None,
        stats: Path | None = None,
    ) -> None:
        """Log the outputs' numbers (``metrics``), what the task logged (``records``, and what a
        script wrote to ``stats`` itself), its artifact files (artifact name, file, file name);
        end the run FINISHED or FAILED."""
        from mlflow.entities import Metric, Param

        metrics = dict(metrics)
        logged = read_records(records)
        logged_names = {e["name"] for e in logged}
        if stats is not None:
            for name, value in read_stats(stats).items():
                if name not in logged_names and _finite(value):
                    metrics.setdefault(name, float(value))
        stamp = _millis()
        entries = [Metric(k, float(v), stamp, 0) for k, v in sorted(metrics.items())]
        params = []
        for entry in logged:
            if entry["kind"] == "metric" and _finite(entry["value"]):
                step = int(entry.get("step") or 0)
                entries.append(Metric(entry["name"], float(entry["value"]), stamp, step))
            elif entry["kind"] == "param":
                params.append(Param(entry["name"], _param_text(entry["value"])))
        if entries or params:
            self.client.log_batch(self.run_id, metrics=entries, params=_last_params(params))
        for artifact, path, file_name in artifact_files:
            self.log_file(path, f"artifacts/{artifact}", file_name)
        self.client.set_terminated(self.run_id, "FINISHED" if succeeded else "FAILED")

    def log_file(self, path: Path, folder: str, file_name: str) -> None:
        """``path`` as ``<folder>/<file_name>`` among the run's artifacts."""
        if path.name == file_name:
            self.client.log_artifact(self.run_id, str(path), folder)
            return
        with tempfile.TemporaryDirectory(prefix="domino-flows-artifact-") as temp:
            named = Path(temp) / file_name
            shutil.copyfile(path, named)
            self.client.log_artifact(self.run_id, str(named), folder)


def artifact_files(plan: dict[str, Any], outputs: Path) -> list[tuple[str, Path, str]]:
    """A job's artifact files in its outputs folder: (artifact name, file, file name)."""
    found = []
    for output, artifact in sorted(plan.get("artifact_outputs", {}).items()):
        source = outputs / output
        if source.is_file() and not source.is_symlink():
            found.append((artifact["name"], source, artifact.get("file") or output))
    return found


def register_model_version(store: str, name: str, run_id: str, artifact_path: str) -> str:
    """A new version of model ``name`` in MLflow's registry (the model is created if missing)."""
    import mlflow
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    # MLflow's file registry reads a version back through a client of the process's default
    # store (without this, a new mlflow.db in the working directory): make it this store, the
    # one the process writes its runs to anyway.
    mlflow.set_tracking_uri(store)
    client = MlflowClient(tracking_uri=store, registry_uri=store)
    try:
        client.get_registered_model(name)
    except MlflowException:
        client.create_registered_model(name)
    # the artifact's own address: a runs:/ one would be resolved through MLflow's default
    # store (a new mlflow.db in the working directory), not this one
    source = f"{client.get_run(run_id).info.artifact_uri.rstrip('/')}/{artifact_path}"
    version = client.create_model_version(name, source, run_id=run_id, await_creation_for=0)
    return str(version.version)


def experiment_id(client: Any, name: str, artifact_root: str | None = None) -> str:
    """The id of experiment ``name``, created when missing (by another job at the same moment,
    too: then it is read again)."""
    from mlflow.exceptions import MlflowException

    found = client.get_experiment_by_name(name)
    if found is not None:
        return str(found.experiment_id)
    location = f"{artifact_root.rstrip('/')}/{_slug(name)}" if artifact_root else None
    try:
        return str(client.create_experiment(name, artifact_location=location))
    except MlflowException:
        found = client.get_experiment_by_name(name)
        if found is None:
            raise
        return str(found.experiment_id)


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name)


def _finite(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def _param_text(value: Any) -> str:
    text = mask(str(value))
    if len(text) > PARAM_LIMIT:
        return text[: PARAM_LIMIT - 30] + f"... [{len(text)} characters, cut]"
    return text


def _last_params(params: list[Any]) -> list[Any]:
    """MLflow refuses a param logged twice with different values in one batch: the last wins."""
    return list({p.key: p for p in params}.values())


def _millis() -> int:
    import time

    return int(time.time() * 1000)


# --- in a Domino job: the bootstrap's side ---------------------------------------------------


def job_id_from_environment() -> str:
    """The Domino job's id as the job sees it: ``DOMINO_RUN_ID``. The kit's fake Domino names it
    ``DOMINO_FAKE_JOB_ID``, since ``DOMINO_RUN_ID`` makes the bootstrap link ``/workflow``."""
    return os.environ.get("DOMINO_RUN_ID") or os.environ.get("DOMINO_FAKE_JOB_ID") or ""


def _say(line: str) -> None:
    print(f"{PREFIX} {line}", file=sys.stderr, flush=True)


def start_in_job(plan: dict[str, Any], env: dict[str, str]) -> TaskRun | None:
    """Start the attempt's run inside a Domino job; ``env`` (the command's environment) gets the
    run's id so the task's own MLflow calls land in it. None, with one line said, when MLflow is
    missing or the tracking server refuses."""
    if not plan.get("mlflow"):
        return None
    if not mlflow_available():
        print(skipped_line("in this job's environment"), file=sys.stderr, flush=True)
        return None
    if not os.environ.get(TRACKING_URI_VARIABLE):
        print(
            f"{PREFIX} MLFLOW_TRACKING_URI is not set in this job: no MLflow run recorded.",
            file=sys.stderr,
            flush=True,
        )
        return None
    job_id = job_id_from_environment()
    if job_id:
        plan = {**plan, "tags": {**plan.get("tags", {}), "domino_flows.job_id": job_id}}
    try:
        run = TaskRun(plan)
        run.start()
    except mlflow_errors() as error:
        _say(f"MLflow run not recorded: {mask(str(error))[:300]}")
        return None
    env[RUN_ID_VARIABLE] = run.run_id
    env["MLFLOW_EXPERIMENT_ID"] = run.experiment_id
    _say(f"MLflow run {run.run_id} (experiment {plan['experiment']!r})")
    return run


def finish_in_job(
    run: TaskRun | None, succeeded: bool, outputs: Path, records: Path, stats: Path
) -> dict[str, Any]:
    """End the job's run; what the runner learns of it (``_TRACKING.json`` in the outputs)."""
    if run is None:
        return {}
    metrics = output_numbers(outputs, run.plan.get("metric_outputs", [])) if succeeded else {}
    files = artifact_files(run.plan, outputs) if succeeded else []
    try:
        run.finish(succeeded, metrics, files, records, stats)
    except mlflow_errors() as error:
        _say(f"MLflow run not completed: {mask(str(error))[:300]}")
    return {"mlflow_run_id": run.run_id, "mlflow_experiment_id": run.experiment_id}
