"""The engine's steps for a fan-out node: its items start as slots and its concurrency allow, and
it ends, with list outputs, when every item has (see ``fan_out_items.py`` for the items)."""

from __future__ import annotations

import concurrent.futures as futures
from typing import TYPE_CHECKING, Any

from domino_flows.runner import values
from domino_flows.runner.engine_steps import EngineSteps
from domino_flows.runner.fan_out_items import FanOutItems
from domino_flows.runner.graph import FlowNode
from domino_flows.runner.progress import NodeView
from domino_flows.runner.readiness import ReadyQueue, Scope


class FanOutSteps(EngineSteps):
    """Mixed into the engine, whose state and steps it uses."""

    fan_outs: dict[str, FanOutItems]
    ready: ReadyQueue

    if TYPE_CHECKING:  # the engine's own steps

        def _start_job(
            self,
            pool: futures.ThreadPoolExecutor,
            scope: Scope,
            flow_node: FlowNode,
            path: str,
            literals: dict[str, Any],
            item: int | None = None,
        ) -> bool: ...

    def _start_fan_out(
        self,
        pool: futures.ThreadPoolExecutor,
        scope: Scope,
        flow_node: FlowNode,
        path: str,
        literals: dict[str, Any],
    ) -> bool:
        fan = self.fan_outs.get(path)
        if fan is None:
            fan = FanOutItems.build(self.ctx, flow_node.entity, literals)
            self.fan_outs[path] = fan
            scope.state[flow_node.id] = "running"
            view = self.views.setdefault(path, NodeView(path, flow_node.name, "fan_out"))
            view.note = f"{len(fan.items)} items; Domino Flows does not run fan-outs today"
            view.state = "running"
            self.reporter.update(view)
            if not fan.items:
                self._finish_fan_out(scope, flow_node, path)
                return True
        progressed = False
        while fan.next_item < len(fan.items) and (
            fan.concurrency is None or fan.active < fan.concurrency
        ):
            index = fan.next_item
            if not self._start_job(pool, scope, flow_node, path, fan.items[index], item=index):
                break
            fan.next_item += 1
            if self.views[f"{path}[{index}]"].state != "cached":
                fan.active += 1
            progressed = True
        if scope.state[flow_node.id] == "running" and fan.next_item < len(fan.items):
            scope.state[flow_node.id] = "pending"  # more items wait for cores or concurrency
        return progressed

    def _fan_out_item_done(
        self, scope: Scope, flow_node: FlowNode, path: str, item: int | None, literals: Any
    ) -> None:
        fan = self.fan_outs[path]
        if self.views[f"{path}[{item}]"].state != "cached":
            fan.active -= 1
        fan.results[item] = literals
        self._maybe_finish_fan_out(scope, flow_node, path)

    def _fan_out_item_failed(
        self, scope: Scope, flow_node: FlowNode, path: str, item: int | None
    ) -> None:
        fan = self.fan_outs[path]
        fan.active -= 1
        fan.failed.add(item)
        self.reporter.update(self.views[f"{path}[{item}]"])
        self._maybe_finish_fan_out(scope, flow_node, path)

    def _maybe_finish_fan_out(self, scope: Scope, flow_node: FlowNode, path: str) -> None:
        fan = self.fan_outs[path]
        if len(fan.results) + len(fan.failed) < len(fan.items):
            scope.state[flow_node.id] = "pending" if fan.next_item < len(fan.items) else "running"
            if scope.state[flow_node.id] == "pending":
                self.ready.push(scope, flow_node.id)  # its next items may start now
            return
        self._finish_fan_out(scope, flow_node, path)

    def _finish_fan_out(self, scope: Scope, flow_node: FlowNode, path: str) -> None:
        fan = self.fan_outs[path]
        total = len(fan.items)
        ratio = (total - len(fan.failed)) / total if total else 1.0
        view = self.views[path]
        if ratio < fan.min_success_ratio:
            self._fail(
                scope,
                flow_node,
                path,
                f"fan-out {flow_node.name!r}: {len(fan.failed)} of {total} items failed, "
                f"below min_success_ratio {fan.min_success_ratio}",
            )
            return
        view.state = "succeeded"
        self.reporter.update(view)
        outputs = fan.outputs(flow_node.entity)
        self.state.save_node(self.run_id, path, flow_node.name, values.encode(outputs), False)
        self._finish(scope, flow_node.id, "done", outputs)
