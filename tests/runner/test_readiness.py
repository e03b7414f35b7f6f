"""Readiness from upstream counts, the slot queue, per-task facts read once, and the run store
kept open during a run: the pieces that make the engine's work per event proportional to the
nodes the event touches (timings are in benchmarks/bench_scale.py, not here)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flytekit import workflow

from domino_flows import domino_task
from domino_flows.core.errors import RunStoreError
from domino_flows.records.store import RunStore
from domino_flows.runner.graph import FlowNode, NodeKind
from domino_flows.runner.readiness import ReadyQueue, Scope
from domino_flows.runner.state import RunnerState
from domino_flows.runner.task_specs import TaskSpecs


@dataclass(eq=False)
class _Node:
    id: str
    upstream_nodes: list[Any] = field(default_factory=list)


def _scope(edges: dict[str, list[str]]) -> Scope:
    """A scope whose nodes (in ``edges``' order) wait for the nodes listed against them."""
    made: dict[str, _Node] = {}
    for node_id, before in edges.items():
        made[node_id] = _Node(node_id, [made[b] for b in before])
    nodes = [FlowNode(i, NodeKind.JOB, None, n) for i, n in made.items()]
    return Scope.open("", None, nodes, {}, None)


def test_a_node_is_ready_when_its_last_upstream_node_is_done() -> None:
    scope = _scope({"n0": [], "n1": [], "n2": ["n0", "n1"], "n3": ["n2"]})
    assert scope.roots() == ["n0", "n1"]
    assert scope.settle("n0", "done") == []
    assert scope.settle("n1", "done") == ["n2"]
    assert scope.settle("n2", "done") == ["n3"]
    assert not scope.finished()
    assert scope.settle("n3", "done") == []
    assert scope.finished()


def test_a_failed_node_wakes_its_pending_dependents_to_be_skipped() -> None:
    scope = _scope({"n0": [], "n1": [], "n2": ["n0", "n1"]})
    assert scope.settle("n0", "failed") == ["n2"]
    assert scope.upstream_failed("n2")
    assert scope.state["n2"] == "pending"
    assert scope.settle("n1", "done") == []  # n2 still counts n0, which never becomes done


def test_a_node_that_already_ended_is_not_counted_twice() -> None:
    scope = _scope({"n0": [], "n1": ["n0"]})
    assert scope.settle("n0", "done") == ["n1"]
    assert scope.settle("n0", "done") is None
    assert scope.waiting["n1"] == 0
    assert scope.unfinished == 1


def test_held_nodes_come_back_in_the_order_they_were_refused_when_their_slots_fit() -> None:
    scope = _scope({"big": [], "small": [], "other": []})
    queue = ReadyQueue()
    queue.hold(scope, "big", 2)
    queue.hold(scope, "small", 1)
    queue.hold(scope, "big", 2)  # refused again: still held once
    assert queue.release(lambda slots: slots <= 1) == (scope, "small")
    assert queue.release(lambda slots: slots <= 1) is None
    queue.hold(scope, "other", 1)
    assert queue.release(lambda slots: True) == (scope, "big")
    assert queue.release(lambda slots: True) == (scope, "other")
    assert queue.release(lambda slots: True) is None


@domino_task
def _step(x: int) -> int:
    return x + 1


@workflow
def _three(x: int = 0) -> int:
    return _step(x=_step(x=_step(x=x)))


def test_a_tasks_settings_are_read_once_however_many_nodes_run_it(monkeypatch: Any) -> None:
    calls = []
    original = type(_step).get_custom

    def counted(self: Any, settings: Any) -> dict[str, Any]:
        calls.append(self.name)
        return original(self, settings)

    monkeypatch.setattr(type(_step), "get_custom", counted)
    specs = TaskSpecs("run-1", "flow", {_step.name: 3})
    built = [specs.spec(_step, f"n{i}", False, {}) for i in range(3)]
    assert calls == [_step.name]
    assert [spec.task for spec in built] == [f"{_step.name}@n{i}" for i in range(3)]
    assert built[0].input_types == {"x": int} and built[0].output_types == {"o0": int}
    built[0].input_types["y"] = str  # each spec has its own copy
    assert specs.spec(_step, "n3", False, {}).input_types == {"x": int}
    assert specs.output_datasets(_step, "t") == specs.output_datasets(_step, "t")
    assert len(calls) == 1


def test_a_store_kept_open_takes_writes_and_is_whole_once_closed(tmp_path: Path) -> None:
    store = RunStore.for_project(tmp_path)
    state = RunnerState(store)
    with store.kept_open():
        for index in range(3):
            state.save_node("run-1", f"n{index}", "t", b"x", False)
        assert Path(f"{store.path}-wal").exists()  # the log is not folded in after each write
        assert set(RunnerState(RunStore.for_project(tmp_path)).nodes("run-1")) == {
            "n0",
            "n1",
            "n2",
        }
    assert not Path(f"{store.path}-wal").exists()  # the last connection folded it in
    with sqlite3.connect(store.path) as db:
        assert db.execute("SELECT count(*) FROM node_results").fetchone()[0] == 3


def test_a_store_that_is_only_read_is_not_created_by_keeping_it_open(tmp_path: Path) -> None:
    reader = RunStore.for_project(tmp_path, create=False)
    with reader.kept_open():
        assert RunnerState(reader).nodes("run-1") == {}
    assert not reader.path.exists()


def test_a_kept_open_store_serves_each_thread_and_rolls_back_a_failed_write(
    tmp_path: Path,
) -> None:
    import threading

    import pytest

    store = RunStore.for_project(tmp_path)
    RunnerState(store).save_node("run-1", "n0", "t", b"x", False)
    with store.kept_open():
        workers = [
            threading.Thread(
                target=RunnerState(RunStore.for_project(tmp_path)).save_node,
                args=("run-1", f"w{index}", "t", b"y", False),
            )
            for index in range(3)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        with pytest.raises(RunStoreError), store.connect() as db:
            db.execute("INSERT INTO node_results VALUES ('run-1','half','t',x'00',0,'now')")
            db.execute("INSERT INTO node_results VALUES ('run-1','n0','t',NULL,0,'now')")
        RunnerState(store).save_node("run-1", "n1", "t", b"z", False)
    assert set(RunnerState(RunStore.for_project(tmp_path)).nodes("run-1")) == {
        "n0",
        "n1",
        "w0",
        "w1",
        "w2",
    }


PARALLEL_FLOW = """
from flytekit import task, workflow


@task
def plus(x: int) -> int:
    return x + 1


@workflow
def side_by_side(x: int = 1) -> tuple[int, int]:
    return plus(x=x), plus(x=5)
"""


def test_a_start_that_declines_for_its_own_reason_is_asked_again(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """Nothing rescans pending nodes: a start step that says "not yet" (neither started nor
    waiting for slots) is offered again at the next event, not forgotten."""
    import json

    from click.testing import CliRunner

    from domino_flows.cli import main
    from domino_flows.runner.engine import Engine

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "parked"\nversion = "0"\n')
    (tmp_path / "flow.py").write_text(PARALLEL_FLOW)
    monkeypatch.chdir(tmp_path)
    asked: list[str] = []
    original = Engine._start

    def declines_once(self: Any, pool: Any, scope: Any, flow_node: Any) -> bool:
        asked.append(flow_node.id)
        if asked.count(flow_node.id) == 1 and flow_node.id == "n0":
            return False  # not yet: the node stays pending
        return bool(original(self, pool, scope, flow_node))

    monkeypatch.setattr(Engine, "_start", declines_once)
    result = CliRunner().invoke(main, ["run", "flow.py", "side_by_side", "--json"])
    summary = json.loads(result.stdout)
    assert result.exit_code == 0, result.stdout
    assert summary["outputs"] == {"o0": 2, "o1": 6}
    assert asked.count("n0") == 2 and asked.count("n1") == 1
