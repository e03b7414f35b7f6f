"""A fake of flytekit's ``SynchronousFlyteClient``: the methods ``submit`` reaches through
``FlyteRemote.client``, recording exactly what is registered and launched."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flytekit.exceptions.user import FlyteEntityAlreadyExistsException
from flytekit.models.core.execution import NodeExecutionPhase, WorkflowExecutionPhase
from flytekit.models.core.identifier import WorkflowExecutionIdentifier

ENDPOINT = "flyte.example.com"


class FakeFlyteClient:
    def __init__(
        self,
        phases: tuple[int, ...] = (
            WorkflowExecutionPhase.RUNNING,
            WorkflowExecutionPhase.SUCCEEDED,
        ),
        error: str | None = None,
    ) -> None:
        self.tasks: list[tuple[Any, Any]] = []
        self.workflows: list[tuple[Any, Any]] = []
        self.launch_plans: list[tuple[Any, Any]] = []
        self.activated: list[Any] = []
        self.executions: list[dict[str, Any]] = []
        self.calls: list[str] = []
        self._phases = list(phases)
        self._error = error
        self._polls = 0

    # --- registration ---------------------------------------------------------------------------

    def _add(self, kind: list[tuple[Any, Any]], identifier: Any, spec: Any) -> None:
        key = (identifier.resource_type, identifier.name, identifier.version)
        if any((i.resource_type, i.name, i.version) == key for i, _ in kind):
            raise FlyteEntityAlreadyExistsException(f"{identifier.name} exists")
        kind.append((identifier, spec))

    def create_task(self, task_identifer: Any, task_spec: Any) -> None:
        self.calls.append("create_task")
        self._add(self.tasks, task_identifer, task_spec)

    def create_workflow(self, workflow_identifier: Any, workflow_spec: Any) -> None:
        self.calls.append("create_workflow")
        self._add(self.workflows, workflow_identifier, workflow_spec)

    def create_launch_plan(self, launch_plan_identifer: Any, launch_plan_spec: Any) -> None:
        self.calls.append("create_launch_plan")
        self._add(self.launch_plans, launch_plan_identifer, launch_plan_spec)

    def update_launch_plan(self, id: Any, state: Any) -> None:
        self.calls.append("update_launch_plan")
        self.activated.append(id)

    def get_upload_signed_url(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("no file is uploaded in these tests")

    # --- executions -----------------------------------------------------------------------------

    def create_execution(
        self, project: str, domain: str, name: str | None, execution_spec: Any, inputs: Any
    ) -> WorkflowExecutionIdentifier:
        self.calls.append("create_execution")
        identifier = WorkflowExecutionIdentifier(project, domain, name or "a1b2c3d4e5")
        self.executions.append(
            {"id": identifier, "spec": execution_spec, "inputs": inputs, "name": name}
        )
        return identifier

    def get_execution(self, id: Any) -> Any:
        phase = self._phases[min(self._polls, len(self._phases) - 1)]
        self._polls += 1
        error = SimpleNamespace(message=self._error) if self._error else None
        return SimpleNamespace(closure=SimpleNamespace(phase=phase, error=error))

    def list_node_executions(self, id: Any, limit: int = 100, token: Any = None) -> Any:
        done = self._polls >= len(self._phases)
        ending = self._phases[-1] == WorkflowExecutionPhase.SUCCEEDED
        phase = (
            NodeExecutionPhase.RUNNING
            if not done
            else (NodeExecutionPhase.SUCCEEDED if ending else NodeExecutionPhase.FAILED)
        )
        nodes = [
            SimpleNamespace(
                id=SimpleNamespace(node_id="start-node"), closure=SimpleNamespace(phase=phase)
            ),
            SimpleNamespace(id=SimpleNamespace(node_id="n0"), closure=SimpleNamespace(phase=phase)),
        ]
        return nodes, ""

    # --- inspection -----------------------------------------------------------------------------

    def registered_bytes(self) -> list[bytes]:
        """Every protobuf the fake received: identifiers, specs, execution specs and inputs."""
        out = []
        for kind in (self.tasks, self.workflows, self.launch_plans):
            for identifier, spec in kind:
                out.append(identifier.to_flyte_idl().SerializeToString())
                out.append(spec.to_flyte_idl().SerializeToString())
        for execution in self.executions:
            out.append(execution["spec"].to_flyte_idl().SerializeToString())
            out.append(execution["inputs"].to_flyte_idl().SerializeToString())
        return out
