"""``domino-flows show RUN``: everything the run store knows about one run.

The run's flow, commit, inputs and outputs; each task attempt (job, environment and hardware
tier, error); tasks served from the cache (with the run whose job made the result) and tasks
reused by ``resume`` (finished before it); the artifacts of all of them. Reading only: no
flytekit, and a read-only store is enough.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from domino_flows.authoring.config import DominoJobConfig
from domino_flows.contract import job_settings
from domino_flows.records.store import RunStore
from domino_flows.records.tracking import TrackingRecords
from domino_flows.runner import gates
from domino_flows.runner.literal_text import literal_map_text
from domino_flows.runner.state import CACHE, RESUME, RunnerState
from domino_flows.runner.task_names import base_name, resolve_task


def show_document(store: RunStore, run: dict[str, Any], task: str | None = None) -> dict[str, Any]:
    """Everything about ``run``; with ``task`` (a full or short task name), only that task's
    attempts, cache or resume origin and artifacts."""
    run_id = run["run_id"]
    state = RunnerState(store)
    meta = state.meta(run_id)
    attempts = [a.__dict__ for a in store.attempts(run_id)]
    artifacts = [a.__dict__ for a in store.artifacts(run_id)]
    origins = state.origins(run_id)
    tracking = [r.__dict__ for r in TrackingRecords(store).of_run(run_id) if r.kind != "plan"]
    if task is not None:
        known = {row["task"] for row in [*attempts, *origins, *artifacts]}
        task = resolve_task(task, known, f"run {run_id}")

        def chosen(row: dict[str, Any]) -> bool:
            return task in (row["task"], base_name(row["task"]))

        attempts, origins = [a for a in attempts if chosen(a)], [o for o in origins if chosen(o)]
        artifacts = [a for a in artifacts if chosen(a)]
        tracking = [t for t in tracking if not t["task"] or chosen(t)]
    artifact_names: dict[str, list[str]] = defaultdict(list)
    for artifact in artifacts:
        artifact_names[artifact["task"]].append(artifact["artifact_name"])

    def described(origin: dict[str, Any]) -> dict[str, Any]:
        names = artifact_names.get(origin["task"], [])
        return {
            "node": origin["node"],
            "task": origin["task"],
            "source_run": origin["source_run"],
            "recorded_at": origin["recorded_at"],
            "artifacts": sorted(names),
        }

    return {
        "run": run,
        "flow_file": meta.flow_file if meta else None,
        "workflow": meta.workflow if meta else None,
        "git_commit": meta.git_commit if meta else None,
        "git_dirty": meta.git_dirty if meta else None,
        "flow_hash": meta.flow_hash if meta else None,
        "inputs": literal_map_text(meta.inputs) if meta else {},
        "outputs": literal_map_text(state.outputs(run_id)),
        "attempts": attempts,
        "cached": [described(o) for o in origins if o["origin"] == CACHE],
        "reused": [described(o) for o in origins if o["origin"] == RESUME],
        "nodes": state.node_rows(run_id),
        "artifacts": artifacts,
        "tracking": tracking,
    }


def show_text(document: dict[str, Any]) -> str:
    run = document["run"]
    lines = [f"run {run['run_id']}: {run['flow']} - {run['state']} ({run['backend']} backend)"]
    if run.get("note"):
        lines.append(f"  {run['note']}")
    if document["flow_file"]:
        dirty = " (uncommitted changes)" if document["git_dirty"] else ""
        commit = f"  commit {document['git_commit']}{dirty}" if document["git_commit"] else ""
        lines.append(f"  flow {document['flow_file']}:{document['workflow']}{commit}")
    if run.get("error"):
        lines.append(f"  error: {run['error']}")
    for label in ("inputs", "outputs"):
        values = document[label]
        if values:
            lines.append(f"  {label}: " + ", ".join(f"{k} = {v}" for k, v in values.items()))
    records = document.get("tracking", [])
    lines += [f"  {line}" for line in tracking_lines(records, "", 0)]
    # a task that finished before a resume is listed once, by its attempt, marked as kept
    kept = {r["task"] for r in document["reused"] if r["source_run"] == run["run_id"]}
    for a in document["attempts"]:
        where = "/".join(p for p in (a["environment"], a["hardware_tier"]) if p)
        mark = "  kept by resume" if a["task"] in kept and a["state"] == "Succeeded" else ""
        lines.append(
            f"  {a['state']:<9} {a['task']}  attempt {a['attempt']}  job {a['job_id']}  [{where}]"
            + mark
        )
        if a.get("job_settings"):
            lines.append(f"            settings: {attempt_settings_text(a['job_settings'])}")
        if a.get("error"):
            lines.append(f"            {a['error'].splitlines()[0]}")
        lines += [
            f"            {line}" for line in tracking_lines(records, a["task"], a["attempt"])
        ]
    for cached in document["cached"]:
        lines.append(
            f"  {'cached':<9} {cached['task']}  node {cached['node']}  result from run "
            f"{cached['source_run']}" + _artifacts(cached)
        )
    ran = {a["task"] for a in document["attempts"]}
    for reused in document["reused"]:
        if reused["source_run"] != run["run_id"]:
            whence = f"result from run {reused['source_run']} (--reuse)"
        elif reused["task"] in ran:
            continue  # its attempt, listed above, is where the result came from
        else:
            whence = "finished before this run was resumed"
        lines.append(
            f"  {'reused':<9} {reused['task']}  node {reused['node']}  {whence}"
            + _artifacts(reused)
        )
    for node in document["nodes"]:
        if str(node.get("task", "")).startswith(gates.RECORD_PREFIX):
            lines.append(f"  {'gate':<9} node {node['node']}  {node['task']}")
    for artifact in document["artifacts"]:
        lines.append(
            f"  artifact {artifact['artifact_name']} ({artifact['artifact_type']}) of "
            f"{artifact['task']} output {artifact['output']}: {artifact['path']}"
        )
    return "\n".join(lines)


def stopping_note(store: Any, run_id: str) -> str:
    """For ``runs`` and ``show``: jobs of the run whose stop was asked for and never seen taking
    effect (attempts recorded Stopping), which may still be running."""
    jobs = [f"{a.job_id} ({a.task})" for a in store.attempts(run_id) if a.state == "Stopping"]
    if not jobs:
        return ""
    return (
        f"stop not confirmed: job {', '.join(jobs)} may still be running; domino-flows resume "
        f"{run_id} stops it, or waits for it, before anything runs again"
    )


def _artifacts(entry: dict[str, Any]) -> str:
    return f"  artifacts: {', '.join(entry['artifacts'])}" if entry["artifacts"] else ""


def attempt_settings_text(recorded: str) -> str:
    """An attempt's recorded job settings (JSON) as ``keyword=value`` pairs."""
    return job_settings.settings_text(DominoJobConfig, json.loads(recorded))


def tracking_lines(records: list[dict[str, Any]], task: str, attempt: int) -> list[str]:
    """Where an attempt (or, with task "", the run) was recorded for Domino's users."""
    lines = []
    order = {"mlflow_run": 0, "job_tags": 1, "job_stats": 2}
    for record in sorted(records, key=lambda r: order.get(r["kind"], 3)):
        if record["task"] != task or record["attempt"] != attempt:
            continue
        kind, value = record["kind"], record["value"]
        if kind == "mlflow_run" and value.get("run_id"):
            lines.append(
                f"MLflow run {value['run_id']} in experiment {value.get('experiment', '')!r}"
                + (f" ({value['store']})" if value.get("store") else "")
            )
        elif kind == "job_tags":
            lines.append(f"job tags: {', '.join(value)}")
        elif kind == "model_versions":
            lines += [
                f"registered model {v['model']!r} version {v['version']} (artifact {v['artifact']})"
                for v in value
            ]
        elif kind == "dataset_snapshots":
            lines += [
                f"dataset {v['dataset']!r}: no snapshot made (artifact {v['artifact']}): "
                f"{v['error']}"
                if v.get("error")
                else f"dataset {v['dataset']!r} snapshot {v['snapshot']} version "
                f"{v.get('version') or 'unknown'} (artifact {v['artifact']})"
                for v in value
            ]
        elif kind == "job_stats":
            lines.append(f"dominostats.json: {value}")
        elif kind == "skipped":
            lines.append(str(value))
    return lines
