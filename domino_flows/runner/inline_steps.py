"""The engine's steps for nodes that run in the runner's own process, not as jobs: a plain
``@task`` (flytekit runs it here), an approval gate, and a node whose result is reused from the
run being resumed or from another run."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from domino_flows.runner import bindings, gates, values
from domino_flows.runner.engine_steps import EngineSteps
from domino_flows.runner.graph import FlowNode, NodeKind
from domino_flows.runner.outcome import RunOptions
from domino_flows.runner.progress import NodeView
from domino_flows.runner.readiness import Scope
from domino_flows.runner.state import RESUME
from domino_flows.runner.task_specs import TaskSpecs


class InlineSteps(EngineSteps):
    """Mixed into the engine, whose state and steps it uses."""

    specs: TaskSpecs
    options: RunOptions
    reused_from: str
    finished_nodes: dict[str, bytes]

    if TYPE_CHECKING:  # the engine's own steps

        def _task_key(self, task: Any, key: str, is_item: bool) -> str: ...

    def _reuse(self, scope: Scope, flow_node: FlowNode, path: str) -> None:
        if flow_node.kind is NodeKind.JOB:  # its outputs keep the names its job gave them
            task_key = self._task_key(flow_node.entity, path, False)
            scope.sources[flow_node.id] = self.specs.output_datasets(flow_node.entity, task_key)
        view = self.views.setdefault(path, NodeView(path, flow_node.name, flow_node.kind.value))
        view.state = "reused"
        source = self.reused_from or self.run_id
        view.note = (
            f"reused from run {source}" if self.reused_from else "finished in the run being resumed"
        )
        self.state.record_origin(self.run_id, path, flow_node.name, RESUME, source)
        if self.reused_from:  # on this run's own record, so that resuming it keeps them too
            self.state.save_node(
                self.run_id, path, flow_node.name, self.finished_nodes[path], False
            )
        self.reporter.update(view)
        self._finish(scope, flow_node.id, "done", values.decode(self.finished_nodes[path]))

    def _run_native(
        self, scope: Scope, flow_node: FlowNode, path: str, literals: dict[str, Any]
    ) -> None:
        from flytekit.models.literals import LiteralMap

        view = self.views.setdefault(path, NodeView(path, flow_node.name, "native"))
        view.note = "plain @task: ran in this process; Domino Flows will not run it"
        view.state = "running"
        view.started = time.monotonic()
        self.reporter.update(view)
        try:
            output = flow_node.entity.dispatch_execute(self.ctx, LiteralMap(literals=literals))
        except Exception as error:
            self._fail(scope, flow_node, path, f"{type(error).__name__}: {error}")
            return
        view.duration = time.monotonic() - view.started
        view.state = "succeeded"
        view.attempts = 1
        self.reporter.update(view)
        result = dict(output.literals)
        self.state.save_node(self.run_id, path, flow_node.name, values.encode(result), False)
        self._finish(scope, flow_node.id, "done", result)

    def _pass_gate(
        self, scope: Scope, flow_node: FlowNode, path: str, literals: dict[str, Any]
    ) -> None:
        view = self.views.setdefault(path, NodeView(path, flow_node.name, "gate"))
        passed = gates.pass_gate(self.ctx, flow_node.entity, path, literals, self.options.gates)
        view.note, view.state, view.attempts = passed.note, "succeeded", 1
        self.reporter.update(view)
        # an approved value is the upstream dataset itself: lineage keeps its name through the gate
        scope.sources[flow_node.id] = bindings.node_input_sources(flow_node.node, scope.sources)
        record = values.encode(passed.outputs)
        self.state.save_node(
            self.run_id, path, gates.recorded(flow_node.name, passed), record, False
        )
        self._finish(scope, flow_node.id, "done", passed.outputs)
