"""What the engine's step mixins (``fan_out_steps.py``, ``inline_steps.py``) read of the engine:
its shared state and the two steps every node ends through. Declared once here, so the mixins
agree with each other and with ``Engine``, which defines them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domino_flows.runner.graph import FlowNode
from domino_flows.runner.progress import NodeView, Reporter
from domino_flows.runner.readiness import Scope
from domino_flows.runner.state import RunnerState


class EngineSteps:
    """Base of the engine's step mixins."""

    views: dict[str, NodeView]
    reporter: Reporter
    state: RunnerState
    run_id: str
    ctx: Any

    if TYPE_CHECKING:  # defined by the engine

        def _fail(
            self,
            scope: Scope,
            flow_node: FlowNode,
            path: str,
            message: str,
            view_state: str = "failed",
        ) -> None: ...

        def _finish(
            self, scope: Scope, node_id: str, state: str, outputs: dict[str, Any] | None
        ) -> None: ...
