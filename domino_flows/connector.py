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
import logging
import os
import sqlite3
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flyteidl.core.execution_pb2 import TaskExecution, TaskLog
from flytekit.exceptions.system import FlyteConnectorNotFound
from flytekit.extend.backend.base_connector import (
    AsyncConnectorBase,
    ConnectorRegistry,
    Resource,
    ResourceMeta,
)

from domino_flows import file
from domino_flows.authoring.config import TASK_TYPE, DominoJobConfig
from domino_flows.backends.base import JobHandle, JobSpec, JobState
from domino_flows.core.clock import new_run_id
from domino_flows.core.errors import DominoFlowsError
from domino_flows.execution.attempt_record import AttemptRecord, failure_message

if TYPE_CHECKING:
    from domino_flows.execution.session import RunSession

__all__ = ["PHASES", "DominoJobConnector", "DominoJobMetadata", "failure_message"]

logger = logging.getLogger(__name__)

RUN_ID_VARIABLE = "DOMINO_FLOWS_RUN_ID"
FLOW_VARIABLE = "DOMINO_FLOWS_FLOW"

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
class DominoJobMetadata(AttemptRecord, ResourceMeta):
    """What ``get``/``delete`` need to find a job again and collect its outputs: the attempt's
    record plus the outputs' declared types (as the serialized variable map). No values, no
    secrets: flytekit persists it."""

    outputs_interface: str = ""  # base64 of the outputs' flyteidl VariableMap


class DominoJobConnector(AsyncConnectorBase):
    name = "Domino Job Connector"

    def __init__(self) -> None:
        super().__init__(task_type_name=TASK_TYPE, metadata_type=DominoJobMetadata)
        self._sessions: dict[tuple[str, str], RunSession] = {}
        self._lock = threading.Lock()

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

        interface = task_template.interface
        input_types = TypeEngine.guess_python_types(interface.inputs) if interface else {}
        output_types = TypeEngine.guess_python_types(interface.outputs) if interface else {}
        values: dict[str, Any] = {}
        if inputs is not None and input_types:
            ctx = FlyteContextManager.current_context()
            values = TypeEngine.literal_map_to_kwargs(ctx, inputs, input_types)
        task = task_template.id.name
        run_id, flyte_attempt = _flyte_execution(task_execution_metadata)
        root = project_root_for(sys.argv)
        session = self._session(run_id, root)
        if flyte_attempt is not None:
            session.reserve(task, flyte_attempt)
        spec = JobSpec(
            run_id=session.run_id,
            flow=session.flow,
            task=task,
            config=DominoJobConfig.from_custom(task_template.custom),
            input_types=input_types,
            output_types=output_types,
            attempt=session.next_attempt(task),
            input_paths=file.paths_in_interface(interface.inputs if interface else None),
            output_paths=file.paths_in_interface(interface.outputs if interface else None),
        )
        from domino_flows.execution import attempt

        record = attempt.start(session.backend, spec, values, root)
        metadata = DominoJobMetadata(
            **record.record_fields(),
            outputs_interface=_encode_variables(interface.outputs if interface else {}),
        )
        session.opened(metadata)
        return metadata

    def get(self, resource_meta: DominoJobMetadata, **kwargs: Any) -> Resource:
        from domino_flows.execution import attempt

        session = self._session(resource_meta.run_id, Path(resource_meta.project_root))
        backend = session.backend
        links = log_links(resource_meta.handle)
        try:
            status = backend.status(resource_meta.handle)
        except DominoFlowsError as error:
            result = attempt.fail(backend, resource_meta, error)
            session.closed(resource_meta)
            return Resource(phase=TaskExecution.FAILED, message=result.message, log_links=links)
        if not status.is_terminal:
            return Resource(phase=PHASES[status.state], message=status.message, log_links=links)
        variables = _decode_variables(resource_meta.outputs_interface)
        spec = _collect_spec(resource_meta, variables)
        result = attempt.finish(backend, resource_meta, status, spec, variables)
        session.closed(resource_meta)
        if not result.succeeded:
            return Resource(phase=PHASES[result.state], message=result.message, log_links=links)
        from flytekit.core.context_manager import FlyteContextManager
        from flytekit.core.type_engine import TypeEngine

        ctx = FlyteContextManager.current_context()
        literals = TypeEngine.dict_to_literal_map(ctx, result.values, type_hints=spec.output_types)
        return Resource(
            phase=TaskExecution.SUCCEEDED, message="", log_links=links, outputs=literals
        )

    def delete(self, resource_meta: DominoJobMetadata, **kwargs: Any) -> None:
        """Stop the job (flytekit calls this on Ctrl-C). Safe to call again, and on a job that
        already ended."""
        from domino_flows.execution import attempt

        session = self._session(resource_meta.run_id, Path(resource_meta.project_root))
        attempt.stop(session.backend, resource_meta, "the task was stopped")
        session.closed(resource_meta)

    def _session(self, run_id: str | None, root: Path) -> RunSession:
        """One session per run and project; the first opens the run, and closes it at exit."""
        from domino_flows.backends import backend_name, get_backend
        from domino_flows.core.project import load_settings
        from domino_flows.execution.session import RunSession

        with self._lock:
            run_id = run_id or self._local_run_id()
            key = (run_id, str(root))
            session = self._sessions.get(key)
            if session is None:
                settings = load_settings(root)  # once per run, for the backend and records
                backend = get_backend(backend_name(None, root, settings), root, settings)
                session = RunSession(root, run_id, flow_name(sys.argv), backend, settings)
                self._sessions[key] = session
                new = True
            else:
                new = False
        if new:
            session.begin()
            atexit.register(_close_at_exit, session)
        return session

    def _local_run_id(self) -> str:
        """Outside Flyte one process is one run (``DOMINO_FLOWS_RUN_ID`` or a new id)."""
        for run_id, _ in self._sessions:
            return run_id
        return os.environ.get(RUN_ID_VARIABLE) or new_run_id()


def _flyte_execution(execution_metadata: Any) -> tuple[str | None, int | None]:
    """Inside Flyte the execution names the run and numbers the attempt."""
    task_execution_id = getattr(execution_metadata, "task_execution_id", None)
    if task_execution_id is None:
        return None, None
    execution = task_execution_id.node_execution_id.execution_id
    return execution.name, int(task_execution_id.retry_attempt) + 1


def _close_at_exit(session: RunSession) -> None:
    """The connector never sees a run end; the process ending is the closest thing. Attempts
    still open (Ctrl-C can arrive before flytekit installs its own handler) are stopped and
    recorded first; then the attempts' last states decide the run's."""
    from domino_flows.execution import recording

    try:
        session.stop_open("the process running the flow exited before the task ended")
        state, error = recording.state_from_attempts(session.store, session.run_id)
        session.close(state, error)
    except (sqlite3.Error, OSError, DominoFlowsError) as error:
        logger.warning("domino-flows could not record the end of run %s: %s", session.run_id, error)
    finally:
        session.backend.close()


def _encode_variables(variables: Any) -> str:
    from flytekit.models.interface import VariableMap

    proto = VariableMap(variables).to_flyte_idl().SerializeToString()
    return base64.b64encode(proto).decode("ascii")


def _decode_variables(encoded: str) -> dict[str, Any]:
    from flyteidl.core import interface_pb2
    from flytekit.models.interface import VariableMap

    proto = interface_pb2.VariableMap()
    proto.ParseFromString(base64.b64decode(encoded))
    return dict(VariableMap.from_flyte_idl(proto).variables)


def _collect_spec(meta: DominoJobMetadata, variables: dict[str, Any]) -> JobSpec:
    from flytekit.core.type_engine import TypeEngine

    return JobSpec(
        run_id=meta.run_id,
        flow=meta.flow,
        task=meta.task,
        config=DominoJobConfig(Command=meta.command),
        output_types=TypeEngine.guess_python_types(variables),
        attempt=meta.attempt,
        output_paths=dict(meta.output_paths),
    )


def log_links(handle: JobHandle) -> list[TaskLog]:
    """The job's page (a Domino URL, or the local job folder) and, locally, its log files."""
    links = [TaskLog(uri=handle.url, name=f"{handle.backend} job {handle.job_id}")]
    for stream in ("stdout", "stderr"):
        path = handle.details.get(stream)
        if path:
            links.append(TaskLog(uri=Path(path).as_uri(), name=f"{stream} log"))
    return links


def flow_name(argv: list[str]) -> str:
    """The flow a local run executes, for records and lineage: ``DOMINO_FLOWS_FLOW`` if set, else
    read from the command line, named as ``domino-flows run`` names it (the module's path from the
    project root, then the workflow): ``pyflyte run flows/train.py wf`` and ``python
    flows/train.py`` (whose file defines one workflow) are both ``flows.train.wf``, so a workflow
    is listed under one name however it was started. Flytekit's local execution does not tell a
    connector which workflow it runs."""
    if os.environ.get(FLOW_VARIABLE):
        return os.environ[FLOW_VARIABLE]
    file, workflow = _flow_on_command_line(argv)
    if file is None:
        return ""
    from domino_flows.authoring.loading import module_name_for

    module = module_name_for(file.resolve())
    workflow = workflow or _only_workflow_of_main()
    return f"{module}.{workflow}" if workflow else module


def _only_workflow_of_main() -> str:
    """The one workflow ``python flow.py`` defines (its ``__main__``), if it defines exactly one."""
    from flytekit.core.workflow import WorkflowBase

    main = sys.modules.get("__main__")
    names = {
        value.name.rsplit(".", 1)[-1]
        for value in (vars(main).values() if main is not None else ())
        if isinstance(value, WorkflowBase)
    }
    return names.pop() if len(names) == 1 else ""


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
    from domino_flows.core.paths import default_project_root, project_root

    file, _ = _flow_on_command_line(argv)
    if file is not None and file.is_file():
        found = project_root(file.resolve().parent)
        if found is not None:
            return found.resolve()
    return default_project_root().resolve()


def register() -> None:
    """Register the connector once (flytekit loads this module as a plugin; imports repeat)."""
    try:
        ConnectorRegistry.get_connector(TASK_TYPE)
    except FlyteConnectorNotFound:
        ConnectorRegistry.register(DominoJobConnector())


register()
