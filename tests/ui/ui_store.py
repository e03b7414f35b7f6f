"""Run stores written the way runs write them (the store's own write APIs), without running
jobs: what the ui tests read."""

from __future__ import annotations

from pathlib import Path

from flyteidl.core import literals_pb2

from domino_flows.records.store import ArtifactRecord, RunStore
from domino_flows.runner.graph_record import GraphNode, save_graph
from domino_flows.runner.state import CACHE, RunMeta, RunnerState

FLOW = "pipeline.training"


def literal_map(**values: int) -> bytes:
    literals = literals_pb2.LiteralMap()
    for name, value in values.items():
        literals.literals[name].scalar.primitive.integer = value
    return literals.SerializeToString(deterministic=True)


def project_store(root: Path) -> RunStore:
    (root / ".domino-flows").mkdir(parents=True, exist_ok=True)
    return RunStore.for_project(root)


def job_log(root: Path, job_id: str, text: str) -> None:
    folder = root / ".domino-flows" / "jobs" / job_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "stdout.log").write_text(text)


def pipeline_run(
    root: Path, run_id: str, *, running: bool = False, commit: str = "abc1234def5678"
) -> RunStore:
    """A three-node run: prepare -> train -> evaluate. Finished, every task succeeded and
    ``evaluate`` left a Markdown report; ``running``: prepare succeeded, train is running,
    evaluate waits."""
    store = project_store(root)
    state = RunnerState(store)
    store.start_run(run_id, FLOW, "local")
    state.save_meta(
        RunMeta(
            run_id,
            str(root / "pipeline.py"),
            "training",
            literal_map(rows=200),
            "h",
            commit,
            False,
            {"backend": "local"},
        )
    )
    save_graph(
        store,
        run_id,
        [
            GraphNode("n0", "job", "pipeline.prepare", ("pipeline.prepare",), ()),
            GraphNode("n1", "job", "pipeline.train", ("pipeline.train",), ("n0",)),
            GraphNode("n2", "job", "pipeline.evaluate", ("pipeline.evaluate",), ("n1",)),
        ],
    )
    for node, task in (("n0", "pipeline.prepare"), ("n1", "pipeline.train")):
        job_id = f"{run_id}/{task}/1"
        store.start_attempt(
            run_id, task, 1, job_id, environment="Python 3.11", hardware_tier="Small"
        )
        job_log(root, job_id, f"{task} says hello\n")
        if running and task == "pipeline.train":
            continue
        store.finish_attempt(run_id, task, 1, "Succeeded")
        state.save_node(run_id, node, task, literal_map(), False)
    if running:
        return store
    job_id = f"{run_id}/pipeline.evaluate/1"
    store.start_attempt(run_id, "pipeline.evaluate", 1, job_id)
    store.finish_attempt(run_id, "pipeline.evaluate", 1, "Succeeded")
    state.save_node(run_id, "n2", "pipeline.evaluate", literal_map(), False)
    report = root / ".domino-flows" / "artifacts" / run_id / "report.md"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text("# Churn report\n\naccuracy **0.91**\n\n<script>alert(1)</script>\n")
    store.add_artifact(
        ArtifactRecord(
            run_id,
            "pipeline.evaluate",
            "report",
            "Churn report",
            "REPORT",
            "report.md",
            str(report),
            "0" * 64,
        )
    )
    state.save_outputs(run_id, literal_map(accuracy=91))
    store.finish_run(run_id, "Succeeded")
    return store


def cached_run(root: Path, run_id: str, source_run: str) -> RunStore:
    """A run whose only task was served from ``source_run``'s cached result."""
    store = project_store(root)
    state = RunnerState(store)
    store.start_run(run_id, FLOW, "local")
    save_graph(
        store, run_id, [GraphNode("n0", "job", "pipeline.prepare", ("pipeline.prepare",), ())]
    )
    state.save_node(run_id, "n0", "pipeline.prepare", literal_map(), True)
    state.record_origin(run_id, "n0", "pipeline.prepare", CACHE, source_run)
    store.finish_run(run_id, "Succeeded")
    return store
