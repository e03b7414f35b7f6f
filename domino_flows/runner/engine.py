"""The scheduler: runs a compiled workflow's nodes as soon as their inputs are ready.

Every workflow (the top one, each subworkflow and launch plan) is a *scope*: its nodes, its inputs
and the outputs of its finished nodes. The engine's thread resolves bindings, checks the cache,
converts literals and records results; job attempts run in worker threads. A node whose upstream
failed is skipped while independent branches go on (``fail_fast`` stops everything instead).

A run has scheduling slots (the backend's default capacity, or ``--max-parallel``) and each job
takes the slots its backend says (locally its hardware tier's cores) while its process runs
(``slots.py``): a job waits until its slots are free, so a local run never asks for more cores
than the machine has.

Which nodes may start is kept by ``readiness.py`` (upstream counts updated as nodes finish), and
each task's settings are read once (``task_specs.py``): the engine's work per event is
proportional to the nodes it touches, not to the size of the graph.

Stopping (Ctrl-C, SIGTERM, ``--fail-fast``) sets one flag: no node starts after it, and every
worker stops its job and records it Stopped before the engine returns.
"""

from __future__ import annotations

import concurrent.futures as futures
import threading
import time
from typing import Any

from domino_flows.backends.base import JobSpec
from domino_flows.core.errors import DominoFlowsError
from domino_flows.core.paths import state_dir
from domino_flows.execution.session import RunSession
from domino_flows.records import lineage
from domino_flows.runner import bindings, node_views, values
from domino_flows.runner.cached import record_cache_hit, task_cache_key
from domino_flows.runner.fan_out_items import FanOutItems
from domino_flows.runner.fan_out_steps import FanOutSteps
from domino_flows.runner.graph import WORKFLOW_INPUTS, FlowNode, NodeKind, classify, nodes_of
from domino_flows.runner.inline_steps import InlineSteps
from domino_flows.runner.inputs import launch_plan_literals
from domino_flows.runner.jobs import AttemptEvent, JobOutcome, JobRunner
from domino_flows.runner.outcome import RunOptions, RunResult
from domino_flows.runner.progress import NodeView, Reporter
from domino_flows.runner.readiness import ReadyQueue, Scope
from domino_flows.runner.slots import Lease, Slots
from domino_flows.runner.state import RunnerState
from domino_flows.runner.task_specs import TaskSpecs

__all__ = ["Engine", "RunOptions", "RunResult", "Scope"]


class Engine(FanOutSteps, InlineSteps):
    def __init__(
        self,
        session: RunSession,
        reporter: Reporter,
        state: RunnerState,
        options: RunOptions,
        finished_nodes: dict[str, bytes] | None = None,
    ) -> None:
        self.session = session
        self.backend = session.backend
        self.project_root = session.project_root
        self.run_id = session.run_id
        self.flow = session.flow
        self.reporter = reporter
        self.state = state
        self.options = options
        self.finished_nodes = finished_nodes or {}
        # hook for `run --reuse RUN`: finished_nodes came from RUN, not from this run's past
        self.reused_from = ""
        self.stop_requested = threading.Event()  # workers stop their jobs (interrupt, fail-fast)
        self.interrupted = threading.Event()  # the user stopped the run
        self.jobs = JobRunner(session, self._on_attempt, self.stop_requested)
        self.capacity = max(1, options.max_parallel or self.backend.default_capacity())
        # a job gives its slots back from its worker thread as its process ends: wake the loop
        self._woken: futures.Future[None] = futures.Future()
        self._woken_lock = threading.Lock()
        self.slots = Slots(self.capacity, self._wake)
        self.views: dict[str, NodeView] = {}
        self.scopes: list[Scope] = []
        self.running: dict[futures.Future[JobOutcome], tuple[Scope, FlowNode, Lease]] = {}
        self.fan_outs: dict[str, FanOutItems] = {}
        self.task_uses: dict[str, int] = {}
        self.specs = TaskSpecs(self.run_id, self.flow, self.task_uses)
        self.ready = ReadyQueue()
        self.closing: list[Scope] = []  # subworkflow scopes whose nodes all ended
        self.refused_slots: int | None = None  # set when _start_job waits for free slots
        self.swept = False  # fail-fast skipped every pending node once
        # Nodes whose start declined for a reason of its own (not slots): looked at again once
        # per event, as every pending node used to be.
        self.parked: list[tuple[Scope, str]] = []
        self.failure = ""

    # --- public ---------------------------------------------------------------------------------

    def run(self, workflow: Any, inputs: dict[str, Any]) -> RunResult:
        for _, flow_node in _walk_tasks(workflow):
            task = flow_node.task
            self.task_uses[task.name] = self.task_uses.get(task.name, 0) + 1
        data_dir = state_dir(self.project_root) / "data" / self.run_id
        with self.state.store.kept_open(), values.run_context(data_dir) as ctx:
            self.ctx = ctx
            given = {name: lineage.workflow_input_name(self.flow, name) for name in inputs}
            top = self._open_scope("", workflow, inputs, None, given)
            pool = futures.ThreadPoolExecutor(max_workers=self.capacity + 4)
            try:
                self._loop(pool)
            except KeyboardInterrupt:
                # no signal handler was installed (not the main thread): stop just the same
                self.stop()
                self._drain()
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
            outputs: dict[str, Any] = {}
            python_outputs: dict[str, Any] = {}
            stopped = self.interrupted.is_set()
            success = (
                all(s == "done" for s in top.state.values()) and not self.failure and not stopped
            )
            if success:
                outputs = {
                    b.var: bindings.resolve(b.binding, top.results)
                    for b in workflow.output_bindings
                }
                python_outputs = values.to_python(
                    ctx, outputs, dict(workflow.python_interface.outputs)
                )
            views = list(self.views.values())
            error = self.failure or ("the run was stopped" if stopped else "")
            return RunResult(
                self.run_id, success, outputs, views, error, python_outputs, stopped=stopped
            )

    def stop(self) -> None:
        """Ask the run to stop: nothing new starts; running jobs are stopped and recorded."""
        self.interrupted.set()
        self.stop_requested.set()

    # --- scheduling -----------------------------------------------------------------------------

    def _loop(self, pool: futures.ThreadPoolExecutor) -> None:
        while True:
            while self._advance(pool):
                pass
            if not self.running:
                return
            # a short wait, so a stop request is seen even while every job runs on
            waited: list[futures.Future[Any]] = [*self.running, self._woken]
            done, _ = futures.wait(waited, timeout=0.2, return_when=futures.FIRST_COMPLETED)
            with self._woken_lock:
                if self._woken.done():
                    self._woken = futures.Future()  # slots came back: _advance may start more
            for future in done:
                if future in self.running:
                    self._complete(future)

    def _drain(self) -> None:
        """Wait for the workers to stop their jobs and record them (after an interrupt)."""
        while self.running:
            done, _ = futures.wait(list(self.running), return_when=futures.FIRST_COMPLETED)
            for future in done:
                self._complete(future)

    def _advance(self, pool: futures.ThreadPoolExecutor) -> bool:
        """Start, skip or close what the last events made ready; only those nodes are looked at."""
        if self.interrupted.is_set():
            return False  # stopping: nothing new starts
        progressed = False
        if self.failure and self.options.fail_fast and not self.swept:
            self.swept = True  # everything not yet started is skipped, once
            for scope in list(self.scopes):
                for node_id, state in list(scope.state.items()):
                    if state == "pending":
                        self.ready.push(scope, node_id)
        parked, self.parked = self.parked, []
        for scope, node_id in parked:
            self.ready.push(scope, node_id)
        while (held := self.ready.release(self._fits)) is not None:
            progressed |= self._consider(pool, *held)
        while self.ready or self.closing:
            while self.ready:
                progressed |= self._consider(pool, *self.ready.pop())
            if self.closing:
                progressed |= self._close_scope(self.closing.pop(0))
        return progressed

    def _fits(self, slots: int) -> bool:
        return self.slots.fits(slots)

    def _wake(self) -> None:
        with self._woken_lock:
            if not self._woken.done():
                self._woken.set_result(None)

    def _consider(self, pool: futures.ThreadPoolExecutor, scope: Scope, node_id: str) -> bool:
        """Skip, start or hold one node that became ready."""
        if scope.state.get(node_id) != "pending" or self.interrupted.is_set():
            return False
        if scope.upstream_failed(node_id) or (self.failure and self.options.fail_fast):
            self._finish(scope, node_id, "skipped", None)
            return True
        self.refused_slots = None
        progressed = self._start(pool, scope, scope.nodes[node_id])
        if scope.state.get(node_id) == "pending":
            if self.refused_slots is not None:
                self.ready.hold(scope, node_id, self.refused_slots)  # until its slots are free
            elif scope.nodes[node_id].kind is NodeKind.FAN_OUT:
                pass  # waiting for its concurrency: queued again as its items finish
            elif progressed:
                self.ready.push(scope, node_id)  # a conditional chose its node: start it next
            else:
                self.parked.append((scope, node_id))  # not startable yet: asked again next event
        return progressed

    def _start(self, pool: futures.ThreadPoolExecutor, scope: Scope, flow_node: FlowNode) -> bool:
        path = scope.path + flow_node.id
        try:
            literals = bindings.resolve_node_inputs(flow_node.node, scope.results)
            if flow_node.kind is NodeKind.BRANCH:
                chosen = bindings.choose_branch(flow_node.entity, scope.results)
                kind = classify(chosen.flyte_entity, f"conditional {flow_node.entity.name!r}")
                scope.nodes[flow_node.id] = FlowNode(
                    flow_node.id, kind, chosen.flyte_entity, chosen
                )
                view = self.views.setdefault(path, NodeView(path, chosen.flyte_entity.name, "job"))
                view.kind = kind.value
                view.note = f"conditional {flow_node.entity.name!r} took this branch"
                return True
            if path in self.finished_nodes:
                self._reuse(scope, flow_node, path)
                return True
            if flow_node.kind in (NodeKind.WORKFLOW, NodeKind.LAUNCH_PLAN):
                workflow = flow_node.entity
                if flow_node.kind is NodeKind.LAUNCH_PLAN:
                    literals = {**launch_plan_literals(workflow, {}), **literals}
                    workflow = workflow.workflow
                scope.state[flow_node.id] = "running"
                sources = bindings.node_input_sources(flow_node.node, scope.sources)
                self._open_scope(path + "/", workflow, literals, (scope, flow_node.id), sources)
                return True
            if flow_node.kind is NodeKind.NATIVE:
                self._run_native(scope, flow_node, path, literals)
                return True
            if flow_node.kind is NodeKind.GATE:
                self._pass_gate(scope, flow_node, path, literals)
                return True
            if flow_node.kind is NodeKind.FAN_OUT:
                return self._start_fan_out(pool, scope, flow_node, path, literals)
            return self._start_job(pool, scope, flow_node, path, literals)
        except DominoFlowsError as error:
            self._fail(scope, flow_node, path, str(error))
            return True

    def _start_job(
        self,
        pool: futures.ThreadPoolExecutor,
        scope: Scope,
        flow_node: FlowNode,
        path: str,
        literals: dict[str, Any],
        item: int | None = None,
    ) -> bool:
        task = flow_node.task
        key = path if item is None else f"{path}[{item}]"
        view = self.views.setdefault(key, NodeView(key, task.name, "job"))
        view.environment = task.domino_job_config.EnvironmentName or (
            task.domino_job_config.EnvironmentId or ""
        )
        view.hardware_tier = task.domino_job_config.HardwareTierName or (
            task.domino_job_config.HardwareTierId or ""
        )
        cache_key = None
        if task.metadata.cache and self.options.use_cache:
            cache_key = task_cache_key(self.project_root, task, literals)
            hit = self.state.cache_hit(cache_key)
            if hit is not None:
                spec = self._spec(
                    task, key, item is not None, self._bind_lineage(scope, flow_node, key)
                )
                outputs = dict(self.specs.facts(task).output_variables)
                found = record_cache_hit(
                    self.ctx, self.state, self.project_root, spec, outputs, key, literals, hit
                )
                if found is not None:  # None: the cached result's files are gone; run the task
                    view.cached, view.artifacts = True, found
                    self._job_done(scope, flow_node, path, item, values.decode(hit.outputs), True)
                    return True
        spec = self._spec(task, key, item is not None, self._bind_lineage(scope, flow_node, key))
        wanted = self.backend.scheduling_slots(spec)
        lease = self.slots.take(wanted)
        if lease is None:
            self.refused_slots = self.slots.width(wanted)
            return False  # wait for cores to free up
        try:
            python_values = values.to_python(self.ctx, literals, spec.input_types)
        except BaseException:
            lease.give_back()
            raise
        scope.state.setdefault(flow_node.id, "running")
        if scope.state[flow_node.id] == "pending":
            scope.state[flow_node.id] = "running"
        view.state = "starting"
        view.started = time.monotonic()
        self.reporter.update(view)
        future = pool.submit(
            self.jobs.run,
            key,
            spec,
            python_values,
            dict(self.specs.facts(task).output_variables),
            int(task.metadata.retries),
            task.metadata.timeout,
            lease,
        )
        self.running[future] = (scope, flow_node, lease)
        view.cache_key = cache_key or ""
        view.item = item
        return True

    def _spec(self, task: Any, key: str, is_item: bool, input_sources: dict[str, str]) -> JobSpec:
        return self.specs.spec(task, key, is_item, input_sources)

    def _task_key(self, task: Any, key: str, is_item: bool) -> str:
        return self.specs.task_key(task, key, is_item)

    def _bind_lineage(self, scope: Scope, flow_node: FlowNode, key: str) -> dict[str, str]:
        """The datasets a job's inputs were bound to; its outputs' names are kept for the nodes
        downstream. A fan-out item reads and writes list elements: left unnamed."""
        if flow_node.kind is NodeKind.FAN_OUT:
            return {}
        task_key = self._task_key(flow_node.entity, key, False)
        scope.sources[flow_node.id] = self.specs.output_datasets(flow_node.entity, task_key)
        return bindings.node_input_sources(flow_node.node, scope.sources)

    def _complete(self, future: futures.Future[JobOutcome]) -> None:
        scope, flow_node, lease = self.running.pop(future)
        lease.give_back()  # if the job's worker has not already
        outcome = future.result()
        view = self.views[outcome.key]
        node_views.record_outcome(view, outcome)
        path = scope.path + flow_node.id
        item = view.item
        if not outcome.succeeded:
            if flow_node.kind is NodeKind.FAN_OUT:
                self._fan_out_item_failed(scope, flow_node, path, item)
            else:
                state = "stopped" if outcome.stopped else "failed"
                self._fail(scope, flow_node, path, outcome.error, view_state=state)
            return
        task = flow_node.task
        try:
            literals = values.to_literals(
                self.ctx, outcome.values, dict(self.specs.facts(task).output_types)
            )
        except (DominoFlowsError, TypeError, ValueError) as error:
            self._fail(scope, flow_node, path, f"task {task.name!r}: its outputs: {error}")
            return
        if view.cache_key:
            self.state.put_cache(
                view.cache_key,
                task.name,
                task.metadata.cache_version,
                values.encode(literals),
                self.run_id,
            )
        self._job_done(scope, flow_node, path, item, literals, cached=False)

    def _job_done(
        self,
        scope: Scope,
        flow_node: FlowNode,
        path: str,
        item: int | None,
        literals: dict[str, Any],
        cached: bool,
    ) -> None:
        key = path if item is None else f"{path}[{item}]"
        view = self.views[key]
        view.state = "cached" if cached else "succeeded"
        self.reporter.update(view)
        if flow_node.kind is NodeKind.FAN_OUT:
            self._fan_out_item_done(scope, flow_node, path, item, literals)
            return
        self.state.save_node(self.run_id, path, flow_node.name, values.encode(literals), cached)
        self._finish(scope, flow_node.id, "done", literals)

    # --- scopes ---------------------------------------------------------------------------------

    def _open_scope(
        self,
        path: str,
        workflow: Any,
        inputs: dict[str, Any],
        parent: tuple[Scope, str] | None,
        sources: dict[str, str],
    ) -> Scope:
        scope = Scope.open(path, workflow, nodes_of(workflow), inputs, parent)
        scope.sources[WORKFLOW_INPUTS] = sources
        self.scopes.append(scope)
        for node_id in scope.roots():
            self.ready.push(scope, node_id)
        return scope

    def _close_scope(self, scope: Scope) -> bool:
        self.scopes.remove(scope)
        parent, node_id = scope.parent  # type: ignore[misc]
        if all(s == "done" for s in scope.state.values()):
            outputs = {
                b.var: bindings.resolve(b.binding, scope.results)
                for b in scope.workflow.output_bindings
            }
            parent.sources[node_id] = {
                b.var: found
                for b in scope.workflow.output_bindings
                if (found := bindings.source(b.binding, scope.sources))
            }
            self._finish(parent, node_id, "done", outputs)
        else:
            self._finish(parent, node_id, "failed", None)
        return True

    def _finish(
        self, scope: Scope, node_id: str, state: str, outputs: dict[str, Any] | None
    ) -> None:
        woken = scope.settle(node_id, state)
        if outputs is not None:
            scope.results[node_id] = outputs
        for after in woken or ():
            self.ready.push(scope, after)
        if woken is not None and scope.finished() and scope.parent is not None:
            self.closing.append(scope)
        if state == "skipped":
            path = scope.path + node_id
            view = self.views.setdefault(
                path, NodeView(path, scope.nodes[node_id].name, scope.nodes[node_id].kind.value)
            )
            view.state = "skipped"
            view.note = "an upstream task failed"
            self.reporter.update(view)

    def _fail(
        self, scope: Scope, flow_node: FlowNode, path: str, message: str, view_state: str = "failed"
    ) -> None:
        view = self.views.setdefault(path, NodeView(path, flow_node.name, flow_node.kind.value))
        view.state = view_state
        view.error = view.error or message
        self.reporter.update(view)
        self.failure = self.failure or f"{flow_node.name}: {message}"
        self._finish(scope, flow_node.id, "failed", None)
        if self.options.fail_fast:
            self.stop_requested.set()  # every worker stops its job

    def _on_attempt(self, event: AttemptEvent) -> None:
        view = self.views.get(event.key)
        if view is None:
            return
        node_views.record_event(view, event)
        self.reporter.update(view)


def _walk_tasks(workflow: Any) -> list[tuple[str, FlowNode]]:
    from domino_flows.runner.graph import walk

    return [(p, n) for p, n in walk(workflow) if n.kind in (NodeKind.JOB, NodeKind.FAN_OUT)]
