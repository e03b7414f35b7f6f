"""Registration and execution on Domino Flows through flytekit's ``FlyteRemote``.

The Flyte endpoint comes from standard flytekit configuration: ``--config`` (a flytectl
``config.yaml`` or ``flytekit.config``), ``FLYTECTL_CONFIG``, ``FLYTE_PLATFORM_URL`` and the other
``FLYTE_*`` variables, or ``~/.flyte/config.yaml``; inside a Domino workspace or job Domino provides
it. Entities are registered with ``FlyteRemote.raw_register`` exactly as serialized (the resolved
``domino_job`` templates), then one execution of the chosen launch plan is created.

Everything here talks to Flyte only through ``remote.client`` (``create_task``,
``create_workflow``, ``create_launch_plan``, ``update_launch_plan``, ``create_execution``,
``get_execution``, ``list_node_executions``), which is where tests put their fake.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from domino_flows.core.errors import ConfigurationError, DominoFlowsError
from domino_flows.core.redaction import redact

POLL_SECONDS = 10.0
SKIPPED_NODES = ("start-node", "end-node")


class LaunchError(DominoFlowsError):
    """Flyte refused a registration or an execution."""


def flyte_config(config_file: str | None = None, environ: Mapping[str, str] | None = None) -> Any:
    """flytekit's configuration, refusing to guess an endpoint nobody configured."""
    from flytekit.configuration import Config
    from flytekit.configuration.file import get_config_file

    env = os.environ if environ is None else environ
    if not config_file and not env.get("FLYTE_PLATFORM_URL") and get_config_file(None) is None:
        raise ConfigurationError(
            "No Flyte endpoint is configured for Domino Flows. Inside a Domino workspace or job "
            "it is configured for you; elsewhere set FLYTE_PLATFORM_URL (host:port of the Flyte "
            "admin endpoint, with FLYTE_PLATFORM_INSECURE=true for plain HTTP), or pass --config "
            "with a flytectl config.yaml (FLYTECTL_CONFIG works too)."
        )
    return Config.auto(config_file=config_file)


def make_remote(config: Any, project: str, domain: str) -> Any:
    from flytekit.remote import FlyteRemote

    return FlyteRemote(config, default_project=project, default_domain=domain)


def _flyte_errors() -> tuple[type[BaseException], ...]:
    from flytekit.exceptions.base import FlyteException

    errors: list[type[BaseException]] = [FlyteException]
    try:
        import grpc

        errors.append(grpc.RpcError)
    except ImportError:  # pragma: no cover - grpc comes with flytekit
        pass
    return tuple(errors)


def register(
    remote: Any, entities: list[Any], settings: Any, version: str, echo: Callable[[str], None]
) -> list[Any]:
    """Register every entity (tasks, workflows, launch plans) at ``version``."""
    from domino_flows.submit.preflight import entity_label

    identifiers = []
    for entity in entities:
        label = entity_label(entity)
        try:
            identifier = remote.raw_register(
                entity, settings, version, create_default_launchplan=False
            )
        except _flyte_errors() as error:
            raise LaunchError(
                f"Flyte refused to register {label}: {redact(str(error))}. Check the Flyte "
                "endpoint and that your account can register in this project and domain."
            ) from None
        identifiers.append(identifier)
        echo(f"  registered {label}")
    return identifiers


def input_literals(remote: Any, workflow: Any, workflow_spec: Any, values: dict[str, Any]) -> Any:
    """The given input values as a LiteralMap (files are uploaded through Flyte)."""
    import functools

    from flytekit.core.type_engine import TypeEngine
    from flytekit.models.literals import LiteralMap

    literal_types = workflow_spec.template.interface.inputs
    python_types = workflow.python_interface.inputs
    remote.file_access._get_upload_signed_url_fn = functools.partial(
        remote.client.get_upload_signed_url,
        project=remote.default_project,
        domain=remote.default_domain,
    )
    literals = {}
    with remote.remote_context() as ctx:
        for name, value in values.items():
            literals[name] = TypeEngine.to_literal(
                ctx, value, python_types[name], literal_types[name].type
            )
    return LiteralMap(literals=literals)


@dataclass(frozen=True)
class Started:
    identifier: Any  # WorkflowExecutionIdentifier
    url: str

    @property
    def name(self) -> str:
        return str(self.identifier.name)


def start_execution(
    remote: Any,
    launch_plan_id: Any,
    inputs: Any,
    *,
    name: str | None = None,
    tags: list[str] | None = None,
) -> Started:
    from flytekit.models.execution import ExecutionMetadata, ExecutionSpec

    spec = ExecutionSpec(
        launch_plan_id,
        ExecutionMetadata(ExecutionMetadata.ExecutionMode.MANUAL, "placeholder", 0),
        tags=tags or None,
    )
    try:
        identifier = remote.client.create_execution(
            launch_plan_id.project, launch_plan_id.domain, name, spec, inputs
        )
    except _flyte_errors() as error:
        raise LaunchError(
            f"Flyte refused to start launch plan {launch_plan_id.name!r}: {redact(str(error))}"
        ) from None
    return Started(identifier, remote.generate_console_url(identifier))


def node_labels(workflow_spec: Any) -> dict[str, str]:
    """Node id -> what it runs, for progress lines."""
    out = {}
    for node in workflow_spec.template.nodes:
        task_node = node.task_node
        workflow_node = node.workflow_node
        if task_node is not None:
            out[node.id] = task_node.reference_id.name
        elif workflow_node is not None:
            reference = workflow_node.launchplan_ref or workflow_node.sub_workflow_ref
            out[node.id] = reference.name if reference is not None else node.id
    return out


def follow(
    client: Any,
    identifier: Any,
    labels: dict[str, str],
    echo: Callable[[str], None],
    poll_seconds: float = POLL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[bool, str]:
    """Follow an execution until it ends, echoing each node's phase changes.

    Returns (succeeded, final phase and error message)."""
    from flytekit.models.core.execution import NodeExecutionPhase, WorkflowExecutionPhase

    terminal = {
        WorkflowExecutionPhase.SUCCEEDED,
        WorkflowExecutionPhase.FAILED,
        WorkflowExecutionPhase.ABORTED,
        WorkflowExecutionPhase.TIMED_OUT,
    }
    seen: dict[str, int] = {}
    while True:
        execution = client.get_execution(identifier)
        nodes, _ = client.list_node_executions(identifier, limit=500)
        for node in nodes:
            node_id = node.id.node_id
            if node_id in SKIPPED_NODES or seen.get(node_id) == node.closure.phase:
                continue
            seen[node_id] = node.closure.phase
            phase = NodeExecutionPhase.enum_to_string(node.closure.phase)
            echo(f"  {labels.get(node_id, node_id)}: {phase.lower()}")
        phase = execution.closure.phase
        if phase in terminal:
            text = WorkflowExecutionPhase.enum_to_string(phase)
            error = execution.closure.error
            if error is not None and error.message:
                text += f": {redact(error.message)}"
            return phase == WorkflowExecutionPhase.SUCCEEDED, text
        sleep(poll_seconds)
