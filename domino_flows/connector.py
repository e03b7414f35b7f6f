"""The ``domino_job`` connector: how flytekit runs a Domino job task outside Domino Flows.

``python flow.py`` and ``pyflyte run flow.py wf`` hand each ``domino_job`` task to this connector:
``create`` stages the inputs and starts the job on the chosen backend (local subprocess or a
Domino deployment), ``get`` maps the job's status to a Flyte phase and collects the outputs,
``delete`` stops the job (flytekit calls it on Ctrl-C). Along the way the run store records the
attempt, its OpenLineage events and its artifacts.

Run identity: inside Flyte the execution id names the run. Without it (local runs), one process is
one run: ``DOMINO_FLOWS_RUN_ID`` if set, else an id made on first use; a task started again in the
same run is its next attempt. The run's own lineage ends when the process exits.

:class:`DominoJobMetadata` is persisted by Flyte, so it holds ids and names only: never an input
value, never a credential.
"""

from __future__ import annotations

import atexit
import base64
import datetime as _dt
import json
import logging
import os
import secrets
import sqlite3
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flyteidl.core.execution_pb2 import TaskExecution, TaskLog
from flytekit.exceptions.system import FlyteConnectorNotFound
from flytekit.extend.backend.base_connector import (
    AsyncConnectorBase,
    ConnectorRegistry,
    Resource,
    ResourceMeta,
)

from domino_flows.backends.base import JobBackend, JobHandle, JobSpec, JobState, JobStatus
from domino_flows.config import TASK_TYPE, DominoJobConfig
from domino_flows.errors import DominoFlowsError
from domino_flows.records import RunStore, redact

logger = logging.getLogger(__name__)

RUN_ID_VARIABLE = "DOMINO_FLOWS_RUN_ID"
FLOW_VARIABLE = "DOMINO_FLOWS_FLOW"
LOG_TAIL_LINES = 20

# Domino job status -> Flyte task phase. Explicit, because flytekit's convert_to_flyte_phase
# does not know "Queued" and raises on it.
PHASES: dict[JobState, int] = {
    JobState.QUEUED: TaskExecution.QUEUED,
    JobState.PENDING: TaskExecution.INITIALIZING,
    JobState.RUNNING: TaskExecution.RUNNING,
    JobState.SUCCEEDED: TaskExecution.SUCCEEDED,
    JobState.FAILED: TaskExecution.FAILED,
    JobState.ERROR: TaskExecution.FAILED,
    JobState.STOPPED: TaskExecution.ABORTED,
}


@dataclass
class DominoJobMetadata(ResourceMeta):
    """What ``get``/``delete`` need to find a job again and collect its outputs: ids, names and
    the outputs' declared types (as the serialized variable map). No values, no secrets."""

    backend: str
    job_id: str
    run_id: str
    task: str
    attempt: int = 1
    flow: str = ""
    url: str = ""
    project_root: str = ""
    details: dict[str, str] = field(default_factory=dict)
    outputs_interface: str = ""  # base64 of the outputs' flyteidl VariableMap
    output_paths: dict[str, str] = field(default_factory=dict)
    command: str = ""
    environment: str = ""
    hardware_tier: str = ""
    started_at: str = ""
    environment_id: str = ""
    environment_revision: str = ""
    hardware_tier_id: str = ""
    input_datasets: str = "[]"  # JSON list of lineage.DatasetRef (names, kinds and hashes)

    @property
    def handle(self) -> JobHandle:
        return JobHandle(self.backend, self.job_id, self.run_id, self.task, self.url, self.details)

    @classmethod
    def for_attempt(
        cls,
        backend_name: str,
        spec: JobSpec,
        handle: JobHandle,
        resolved: Any,
        project_root: Path,
        input_refs: list[Any],
        outputs_interface: str = "",
    ) -> DominoJobMetadata:
        """The record of a started attempt, as the connector and the runner both keep it."""
        return cls(
            backend=backend_name,
            job_id=handle.job_id,
            run_id=spec.run_id,
            task=spec.task,
            attempt=spec.attempt,
            flow=spec.flow,
            url=handle.url,
            project_root=str(project_root),
            details=dict(handle.details),
            outputs_interface=outputs_interface,
            output_paths=dict(spec.output_paths),
            command=spec.config.Command,
            environment=resolved.environment_name or resolved.environment_id or "",
            hardware_tier=resolved.hardware_tier_name or resolved.hardware_tier_id or "",
            started_at=_now(),
            environment_id=resolved.environment_id or "",
            environment_revision=resolved.environment_revision or "",
            hardware_tier_id=resolved.hardware_tier_id or "",
            input_datasets=json.dumps([ref.to_dict() for ref in input_refs]),
        )


class DominoJobConnector(AsyncConnectorBase):
    name = "Domino Job Connector"

    def __init__(self) -> None:
        super().__init__(task_type_name=TASK_TYPE, metadata_type=DominoJobMetadata)
        self._backends: dict[tuple[str, str], JobBackend] = {}
        self._run_id: str | None = None
        self._attempts: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()
        self._open: dict[tuple[str, str, int], DominoJobMetadata] = {}

    # --- create -------------------------------------------------------------------------------

    def create(
        self,
        task_template: Any,
        output_prefix: str,
        inputs: Any = None,
        task_execution_metadata: Any = None,
        **kwargs: Any,
    ) -> DominoJobMetadata:
        from flytekit.core.context_manager import FlyteContextManager
        from flytekit.core.type_engine import TypeEngine
        from flytekit.models.interface import VariableMap

        from domino_flows import lineage
        from domino_flows.backends import backend_name, get_backend

        custom = dict(task_template.custom or {})
        task = task_template.id.name
        config = DominoJobConfig.from_custom(custom)
        interface = task_template.interface
        input_types = TypeEngine.guess_python_types(interface.inputs) if interface else {}
        output_types = TypeEngine.guess_python_types(interface.outputs) if interface else {}
        values: dict[str, Any] = {}
        if inputs is not None and input_types:
            ctx = FlyteContextManager.current_context()
            values = TypeEngine.literal_map_to_kwargs(ctx, inputs, input_types)
        run_id, attempt = self._run_and_attempt(task, task_execution_metadata)
        flow = flow_name(sys.argv)
        root = project_root_for(sys.argv)
        key = (backend_name(project_root=root), str(root))
        if key not in self._backends:  # one backend per project: it tracks its running jobs
            self._backends[key] = get_backend(key[0], root)
        backend = self._backends[key]
        spec = JobSpec(
            run_id=run_id,
            flow=flow,
            task=task,
            config=config,
            input_types=input_types,
            output_types=output_types,
            attempt=attempt,
            use_latest=bool(custom.get("useLatest")),
            use_project_defaults=bool(custom.get("useProjectDefaultsForOmitted")),
            input_paths=dict(custom.get("inputPaths") or {}),
            output_paths=dict(custom.get("outputPaths") or {}),
        )
        resolved = backend.resolve(spec)
        input_refs = [lineage.dataset_ref(name, values[name], input_types[name]) for name in values]
        handle = backend.start(spec, backend.stage_inputs(spec, values))
        outputs_variables = interface.outputs if interface else {}
        metadata = DominoJobMetadata.for_attempt(
            backend.name,
            spec,
            handle,
            resolved,
            root,
            input_refs,
            outputs_interface=base64.b64encode(
                VariableMap(outputs_variables).to_flyte_idl().SerializeToString()
            ).decode("ascii"),
        )
        self._record_start(metadata, backend, resolved)
        return metadata

    def _run_and_attempt(self, task: str, execution_metadata: Any) -> tuple[str, int]:
        task_execution_id = getattr(execution_metadata, "task_execution_id", None)
        if task_execution_id is not None:
            execution = task_execution_id.node_execution_id.execution_id
            return execution.name, int(task_execution_id.retry_attempt) + 1
        with self._lock:
            if self._run_id is None:
                self._run_id = os.environ.get(RUN_ID_VARIABLE) or new_run_id()
            key = (self._run_id, task)
            self._attempts[key] = self._attempts.get(key, 0) + 1
            return self._run_id, self._attempts[key]

    # --- get ----------------------------------------------------------------------------------

    def get(self, resource_meta: DominoJobMetadata, **kwargs: Any) -> Resource:
        backend = self._backend(resource_meta)
        handle = resource_meta.handle
        status = backend.status(handle)
        phase = PHASES[status.state]
        links = log_links(handle)
        if status.state is JobState.SUCCEEDED:
            try:
                refs, outputs = self._collect(resource_meta, backend)
            except DominoFlowsError as error:
                message = redact(str(error)) or ""
                self._record_end(resource_meta, JobStatus(JobState.FAILED, message), [])
                return Resource(phase=TaskExecution.FAILED, message=message, log_links=links)
            self._record_end(resource_meta, status, refs)
            return Resource(phase=phase, message="", log_links=links, outputs=outputs)
        if not status.is_terminal:
            return Resource(phase=phase, message=status.message, log_links=links)
        message = failure_message(status, backend.logs(handle, tail=LOG_TAIL_LINES))
        self._record_end(resource_meta, JobStatus(status.state, message), [])
        return Resource(phase=phase, message=message, log_links=links)

    def _collect(self, meta: DominoJobMetadata, backend: JobBackend) -> tuple[list[Any], Any]:
        from flyteidl.core import interface_pb2
        from flytekit.core.context_manager import FlyteContextManager
        from flytekit.core.type_engine import TypeEngine
        from flytekit.models.interface import VariableMap

        from domino_flows import lineage
        from domino_flows.artifacts_store import artifact_specs

        proto = interface_pb2.VariableMap()
        proto.ParseFromString(base64.b64decode(meta.outputs_interface))
        variables = VariableMap.from_flyte_idl(proto).variables
        output_types = TypeEngine.guess_python_types(variables)
        spec = JobSpec(
            run_id=meta.run_id,
            flow=meta.flow,
            task=meta.task,
            config=DominoJobConfig(Command=meta.command),
            output_types=output_types,
            attempt=meta.attempt,
            output_paths=dict(meta.output_paths),
        )
        values = backend.collect_outputs(meta.handle, spec)
        artifacts = artifact_specs(variables)
        refs = [
            lineage.dataset_ref(name, value, output_types[name], artifacts.get(name))
            for name, value in values.items()
        ]
        ctx = FlyteContextManager.current_context()
        literals = TypeEngine.dict_to_literal_map(ctx, values, type_hints=output_types)
        return refs, literals

    # --- delete -------------------------------------------------------------------------------

    def delete(self, resource_meta: DominoJobMetadata, **kwargs: Any) -> None:
        """Stop the job. Safe to call again, and on a job that already ended."""
        backend = self._backend(resource_meta)
        backend.stop(resource_meta.handle)
        status = backend.status(resource_meta.handle)
        self._record_end(resource_meta, status, [])

    # --- helpers ------------------------------------------------------------------------------

    def _backend(self, meta: DominoJobMetadata) -> JobBackend:
        key = (meta.backend, meta.project_root)
        if key not in self._backends:
            from domino_flows.backends import get_backend

            self._backends[key] = get_backend(meta.backend, Path(meta.project_root))
        return self._backends[key]

    def _record_start(self, meta: DominoJobMetadata, backend: JobBackend, resolved: Any) -> None:
        from domino_flows import recording

        try:
            recording.task_started(meta, backend, resolved)
        except (sqlite3.Error, OSError) as error:
            logger.warning("domino-flows could not record the start of %s: %s", meta.task, error)
        else:
            with self._lock:
                self._open[(meta.run_id, meta.task, meta.attempt)] = meta
            self._finish_run_at_exit(meta)

    def _record_end(self, meta: DominoJobMetadata, status: JobStatus, outputs: list[Any]) -> None:
        from domino_flows import recording

        if status.is_terminal:
            with self._lock:
                self._open.pop((meta.run_id, meta.task, meta.attempt), None)
        try:
            recording.task_ended(meta, status, outputs)
        except (sqlite3.Error, OSError) as error:
            logger.warning("domino-flows could not record the end of %s: %s", meta.task, error)

    def _close_open_attempts(self) -> None:
        """Jobs this process started and never saw end (Ctrl-C can arrive before flytekit
        installs its own handler): stop them and record how they ended."""
        with self._lock:
            open_attempts = list(self._open.values())
        for meta in open_attempts:
            try:
                backend = self._backend(meta)
                backend.stop(meta.handle)
                self._record_end(meta, backend.status(meta.handle), [])
            except DominoFlowsError as error:
                logger.warning("domino-flows could not stop %s at exit: %s", meta.task, error)

    def _finish_run_at_exit(self, meta: DominoJobMetadata) -> None:
        """The connector never sees a run end; the process ending is the closest thing."""
        key = ("run-end", meta.run_id)
        with self._lock:
            if key in self._attempts:
                return
            self._attempts[key] = 1
        atexit.register(_finish_run, meta.project_root, meta.run_id, meta.flow)
        # registered last, so it runs first: attempts are closed before the run is
        atexit.register(self._close_open_attempts)


def _finish_run(project_root: str, run_id: str, flow: str) -> None:
    from domino_flows import recording

    try:
        recording.run_ended(Path(project_root), run_id, flow)
    except (sqlite3.Error, OSError) as error:
        logger.warning("domino-flows could not record the end of run %s: %s", run_id, error)


def log_links(handle: JobHandle) -> list[TaskLog]:
    """The job's page (a Domino URL, or the local job folder) and, locally, its log files."""
    links = [TaskLog(uri=handle.url, name=f"{handle.backend} job {handle.job_id}")]
    for stream in ("stdout", "stderr"):
        path = handle.details.get(stream)
        if path:
            links.append(TaskLog(uri=Path(path).as_uri(), name=f"{stream} log"))
    return links


def failure_message(status: JobStatus, log_tail: str) -> str:
    """The job's own message, then the end of its log: what a user needs to see first."""
    message = status.message or f"the job ended {status.state.value}"
    tail = log_tail.rstrip()
    # some backends (Domino) already end their message with the log's tail: say it once
    if tail and tail.splitlines()[-1].strip() not in message:
        message += f"\n--- last {LOG_TAIL_LINES} log lines ---\n{tail}"
    return redact(message) or ""


def flow_name(argv: list[str]) -> str:
    """The flow a local run executes, for records and lineage: ``DOMINO_FLOWS_FLOW`` if set, else
    read from the command line (``pyflyte run flow.py wf`` -> ``flow.wf``, ``python flow.py`` ->
    ``flow``). Flytekit's local execution does not tell a connector which workflow it runs."""
    if os.environ.get(FLOW_VARIABLE):
        return os.environ[FLOW_VARIABLE]
    file, workflow = _flow_on_command_line(argv)
    if file is None:
        return ""
    return f"{file.stem}.{workflow}" if workflow else file.stem


def _flow_on_command_line(argv: list[str]) -> tuple[Path | None, str]:
    """(flow file, workflow name) of ``python flow.py`` or ``pyflyte run [...] flow.py wf``."""
    if not argv:
        return None, ""
    if Path(argv[0]).name.startswith("pyflyte") and "run" in argv:
        words = argv[argv.index("run") + 1 :]
        for index, word in enumerate(words):
            if word.endswith(".py"):
                following = words[index + 1 : index + 2]
                name = following[0] if following and not following[0].startswith("-") else ""
                return Path(word), name
        return None, ""
    return (Path(argv[0]), "") if argv[0].endswith(".py") else (None, "")


def project_root_for(argv: list[str]) -> Path:
    """Where jobs run from: ``DOMINO_FLOWS_PROJECT_ROOT``, else the project holding the flow file
    on the command line (task commands are relative to it), else that of the current folder."""
    from domino_flows.paths import default_project_root, project_root

    file, _ = _flow_on_command_line(argv)
    if file is not None and file.is_file():
        found = project_root(file.resolve().parent)
        if found is not None:
            return found.resolve()
    return default_project_root().resolve()


def new_run_id() -> str:
    """Sortable and unique enough for one machine: UTC time and a random suffix."""
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{secrets.token_hex(3)}"


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat().replace("+00:00", "Z")


def run_store(project_root: Path) -> RunStore:
    return RunStore.for_project(project_root)


def register() -> None:
    """Register the connector once (flytekit loads this module as a plugin; imports repeat)."""
    try:
        ConnectorRegistry.get_connector(TASK_TYPE)
    except FlyteConnectorNotFound:
        ConnectorRegistry.register(DominoJobConnector())


register()
