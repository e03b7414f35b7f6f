"""Preflight: everything a run needs, checked before its first job starts.

A misspelt hardware tier on a flow's last task used to be found only when that task was reached,
hours into a real run. Before the engine starts, this module walks the whole workflow (nested
workflows, launch plans, every branch of a conditional) and checks, on the run's own backend:

- every node is one the runner can run (no dynamic or eager tasks, no foreign task types);
- every job task's environment and hardware tier resolve: locally through the project's settings
  (``[tool.domino_flows.environments]``, ``hardware_tiers``), on Domino by name through the
  backend's name resolution (one listing of each per run, as the run itself uses);
- every data source a task asks for resolves: locally a configured folder for each dataset,
  external data volume and NetApp volume; on Domino each dataset named in a snapshot exists;
- every dataset a DATA artifact is registered to (``register=``) exists, on either backend;
- the flow file has no ``domino-flows lint`` error.

Every problem is collected, then all are reported at once, each naming the task and, for a name,
the closest known one. Notes (names used while nothing is configured) are not problems: ``run
--check`` prints them, a run shows them once per project (``notices.py``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domino_flows.core.errors import ConfigurationError, DominoFlowsError
from domino_flows.core.project import LOCAL_BACKEND
from domino_flows.runner.graph import (
    NodeKind,
    UnsupportedFlowError,
    classify,
    compiled_nodes,
    not_a_workflow,
)


class PreflightError(ConfigurationError):
    """The run cannot start: its settings, names or flow have problems (listed all at once)."""


@dataclass
class Preflight:
    """What the check found: problems block the run, notes only inform."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tasks: int = 0

    def raise_if_problems(self, flow: str) -> None:
        if self.problems:
            raise PreflightError(failure_text(flow, self.problems))


def failure_text(flow: str, problems: list[str]) -> str:
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
    listed = "\n".join(f"  - {problem}" for problem in problems)
    return f"{flow} cannot start: {count} found before any job started:\n{listed}"


def check(workflow: Any, flow_file: str | Path, backend: Any, lint: bool = True) -> Preflight:
    """Check ``workflow`` (run from ``flow_file``) for ``backend``; nothing is started."""
    from flytekit.core.workflow import WorkflowBase

    if not isinstance(workflow, WorkflowBase):  # a task named as the workflow: one line
        raise UnsupportedFlowError(not_a_workflow(workflow))
    compiled_nodes(workflow)  # a workflow that does not compile has nothing more to check: one line
    result = Preflight()
    tasks: dict[str, Any] = {}
    for task_or_problem in _job_tasks(workflow):
        if isinstance(task_or_problem, str):
            result.problems.append(task_or_problem)
        else:
            tasks.setdefault(task_or_problem.name, task_or_problem)
    result.tasks = len(tasks)
    if backend.name == LOCAL_BACKEND:
        _check_local(list(tasks.values()), backend.settings, result)
    else:
        _check_domino(list(tasks.values()), backend, result)
    _check_registered_datasets(list(tasks.values()), backend, result)
    if lint:
        problems, notes = _lint_errors(Path(flow_file))
        result.problems.extend(problems)
        result.notes.extend(notes)
    return result


# --- the graph -------------------------------------------------------------------------------


def _job_tasks(workflow: Any, seen: set[int] | None = None) -> Iterator[Any]:
    """Every job task of the workflow, nested ones included, and a text for each node the runner
    cannot run (all of them, not only the first)."""
    seen = set() if seen is None else seen
    if id(workflow) in seen:
        return
    seen.add(id(workflow))
    try:
        nodes = compiled_nodes(workflow)
    except UnsupportedFlowError as error:
        yield str(error)
        return
    for node in nodes:
        yield from _node_tasks(
            node.flyte_entity, f"workflow {workflow.name!r}, node {node.id}", seen
        )


def _node_tasks(entity: Any, where: str, seen: set[int]) -> Iterator[Any]:
    from domino_flows.runner.graph import branch_targets

    try:
        kind = classify(entity, where)
    except UnsupportedFlowError as error:
        yield str(error)
        return
    if kind is NodeKind.JOB:
        yield entity
    elif kind is NodeKind.FAN_OUT:
        yield entity.task
    elif kind is NodeKind.WORKFLOW:
        yield from _job_tasks(entity, seen)
    elif kind is NodeKind.LAUNCH_PLAN:
        yield from _job_tasks(entity.workflow, seen)
    elif kind is NodeKind.BRANCH:
        for target in branch_targets(entity):
            yield from _node_tasks(target.flyte_entity, where, seen)


# --- names and data on this machine -----------------------------------------------------------


def _check_local(tasks: list[Any], settings: Any, result: Preflight) -> None:
    from domino_flows.authoring.mounts import job_mounts
    from domino_flows.backends.local_environment import launch_problem
    from domino_flows.core.project import hold_notes, unconfigured_note

    # the notes about unconfigured names are said here (or not repeated), not by each job
    hold_notes(*(t for t in ("environments", "hardware_tiers") if not getattr(settings, t)))
    environments: dict[str, list[str]] = {}
    tiers: dict[str, list[str]] = {}
    for task in tasks:
        config = task.domino_job_config
        environment = config.EnvironmentName or config.EnvironmentId
        tier = config.HardwareTierName or config.HardwareTierId
        if environment:
            environments.setdefault(environment, []).append(task.name)
        if tier:
            tiers.setdefault(tier, []).append(task.name)
        # NetApp snapshots chosen at launch are checked when their values are known
        fixed = dataclasses.replace(config, NetAppVolumeSnapshotInputs=[])
        try:
            job_mounts(fixed, settings, {}, task.name)
        except DominoFlowsError as error:
            result.problems.append(str(error))
    for name, users in environments.items():
        try:
            found = settings.environment(name, users[0])
        except DominoFlowsError as error:
            result.problems.append(_also(str(error), users))
            continue
        problem = launch_problem(found)
        if problem:
            result.problems.append(_also(f"task {users[0]!r}: {problem}", users))
    for name, users in tiers.items():
        try:
            settings.hardware_tier(name, users[0])
        except DominoFlowsError as error:
            result.problems.append(_also(str(error), users))
    for table, used in (("environments", environments), ("hardware_tiers", tiers)):
        if used and not getattr(settings, table):
            result.notes.append(unconfigured_note(settings, table, sorted(used)))


def _check_domino(tasks: list[Any], backend: Any, result: Preflight) -> None:
    names = backend.names
    wanted = {
        "environment": (
            lambda c: None if c.EnvironmentId else c.EnvironmentName,
            names.environment_ids,
            "EnvironmentName (or the decorator's environment=...)",
        ),
        "hardware tier": (
            lambda c: None if c.HardwareTierId else c.HardwareTierName,
            names.tier_ids,
            "HardwareTierName (or the decorator's hardware_tier=...)",
        ),
    }
    for kind, (name_of, listing, field_name) in wanted.items():
        users: dict[str, list[str]] = {}
        for task in tasks:
            name = name_of(task.domino_job_config)
            if name:
                users.setdefault(name, []).append(task.name)
        if not users:
            continue
        try:
            known = listing()
        except DominoFlowsError as error:
            result.problems.append(f"cannot list the {kind}s of the Domino project: {error}")
            continue
        for name, who in users.items():
            try:
                names.lookup(kind, name, known, who[0], field_name)
            except DominoFlowsError as error:
                result.problems.append(_also(str(error), who))
    for task in tasks:
        snapshots = task.domino_job_config.DatasetSnapshots
        if any(s.Name and not s.Id for s in snapshots):
            try:
                names.check_datasets(task.domino_job_config, task.name)
            except DominoFlowsError as error:
                result.problems.append(str(error))


def _check_registered_datasets(tasks: list[Any], backend: Any, result: Preflight) -> None:
    """Each dataset a DATA artifact is registered to (``register=``) exists on the backend."""
    from domino_flows.authoring.artifacts import artifact_of

    for task in tasks:
        outputs = getattr(getattr(task, "python_interface", None), "outputs", {}) or {}
        datasets = {(artifact_of(t) or {}).get("dataset") for t in outputs.values()}
        for dataset in sorted(d for d in datasets if d):
            try:
                backend.check_dataset(task.name, dataset)
            except DominoFlowsError as error:
                result.problems.append(str(error))


def _also(text: str, users: list[str]) -> str:
    if len(users) < 2:
        return text
    return f"{text} (also used by {', '.join(repr(u) for u in users[1:])})"


# --- lint --------------------------------------------------------------------------------------


# Lint errors about what Domino Flows would refuse, but that domino-flows run runs on purpose
# (a plain @task runs in this process, with a note): said, not blocking the local run.
RUNNABLE_HERE = frozenset({"DF001"})


def _lint_errors(flow_file: Path) -> tuple[list[str], list[str]]:
    """(problems, notes): the flow file's lint errors."""
    from domino_flows.lint import lint_paths

    problems: list[str] = []
    notes: list[str] = []
    for finding in lint_paths([flow_file]):
        if finding.severity != "error":
            continue
        text = (
            f"{finding.path}:{finding.line}: {finding.rule} {finding.message} (domino-flows "
            f"lint {finding.path}; silence a deliberate one with # noqa: {finding.rule})"
        )
        (notes if finding.rule in RUNNABLE_HERE else problems).append(text)
    return problems, notes
