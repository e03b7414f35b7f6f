"""``run_domino_job_task``: define a Domino job task and call it in one step, inside a workflow.

The style of Domino's own helper: environment and hardware tier are chosen by name, inputs are
``Input(name, type, value)`` and outputs ``Output(name, type)``. The result is indexable by output
name even when there is only one output, so ``prep["data"]`` works the same everywhere
(``domino_flows.authoring.outputs``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domino_flows import file
from domino_flows.authoring.config import task_arguments
from domino_flows.authoring.task import DominoJobTask
from domino_flows.contract.data_sources import NetAppVolumeSnapshot
from domino_flows.core.errors import TaskDefinitionError


@dataclass(frozen=True)
class Input:
    name: str
    type: Any
    value: Any
    path: str | None = None


@dataclass(frozen=True)
class Output:
    name: str
    type: Any
    path: str | None = None


def build_domino_job_task(
    flyte_task_name: str,
    command: str,
    inputs: list[Input] | None = None,
    output_specs: list[Output] | None = None,
    **settings: Any,
) -> DominoJobTask:
    """The task ``run_domino_job_task`` would call, without calling it.

    Task options and job settings are the keywords ``@domino_task`` takes: ``cache``,
    ``cache_version``, ``cache_serialize``, ``cache_ignore_input_vars``, ``retries``,
    ``timeout``; the job settings are keywords of the one vocabulary ``@domino_task`` shares
    (``domino_flows.contract.job_settings``); the official helper's spellings
    (``environment_name=``, ``hardware_tier_name=``, ``environment_revision_id=``,
    ``main_git_repo_ref=``, ``dfs_repo_commit_id=``) are accepted, as is ``external_volume_mounts=``
    (volume ids). A ``netapp_volume_snapshots`` entry is a ``NetAppVolumeSnapshot``, or a workflow
    input of that type: it then becomes a task input of the same name, mounted when the job starts.
    """
    inputs = list(inputs or [])
    fixed_snapshots, snapshot_inputs = _split_snapshots(
        flyte_task_name, list(settings.pop("netapp_volume_snapshots", None) or []), inputs
    )
    inputs += snapshot_inputs
    output_specs = list(output_specs or [])
    for what, items in (("input", inputs), ("output", output_specs)):
        seen: set[str] = set()
        for item in items:
            if item.name in seen:
                raise TaskDefinitionError(
                    f"task {flyte_task_name!r}: {what} {item.name!r} is declared twice."
                )
            seen.add(item.name)
            file.check_path(flyte_task_name, what, item.name, item.path)
    config, options = task_arguments(
        flyte_task_name,
        "run_domino_job_task",
        command,
        settings,
        NetAppVolumeSnapshots=fixed_snapshots,
        NetAppVolumeSnapshotInputs=[i.name for i in snapshot_inputs],
    )
    return DominoJobTask(
        name=flyte_task_name,
        domino_job_config=config,
        inputs={i.name: file.with_path(i.type, i.path) if i.path else i.type for i in inputs},
        outputs={
            o.name: file.with_path(o.type, o.path) if o.path else o.type for o in output_specs
        },
        **options,
    )


SNAPSHOT_INPUT_PREFIX = "netapp_volume_snapshot"


def _split_snapshots(
    task: str, entries: list[Any], inputs: list[Input]
) -> tuple[list[NetAppVolumeSnapshot], list[Input]]:
    """Fixed snapshots stay in the job config; a workflow input (a promise) becomes a task input
    named ``netapp_volume_snapshot_<n>``, read when the job starts."""
    fixed: list[NetAppVolumeSnapshot] = []
    given: list[Input] = []
    taken = {i.name for i in inputs}
    for position, entry in enumerate(entries):
        if isinstance(entry, NetAppVolumeSnapshot):
            fixed.append(entry)
            continue
        if type(entry).__name__ != "Promise":
            raise TaskDefinitionError(
                f"task {task!r}: netapp_volume_snapshots[{position}] is {entry!r}; give "
                "NetAppVolumeSnapshot(Id=..., Version=...) or a workflow input of that type."
            )
        name = f"{SNAPSHOT_INPUT_PREFIX}_{position}"
        if name in taken:
            raise TaskDefinitionError(
                f"task {task!r}: input {name!r} is declared and also used for "
                f"netapp_volume_snapshots[{position}]; rename the input."
            )
        given.append(Input(name=name, type=NetAppVolumeSnapshot, value=entry))
    return fixed, given


def run_domino_job_task(
    flyte_task_name: str,
    command: str,
    inputs: list[Input] | None = None,
    output_specs: list[Output] | None = None,
    **options: Any,
) -> Any:
    """Define a Domino job task and call it with the inputs' values.

    Returns what calling the task returns (see ``domino_flows.authoring.outputs``): the output
    itself when there is one (``res``, ``res.out`` and ``res["out"]`` are the same), the outputs in
    declared order when there are several (``a, b = res``; ``res.a``; ``res["a"]``), or the call's
    node result when there are none, so ``>>`` ordering still works.
    """
    task = build_domino_job_task(flyte_task_name, command, inputs, output_specs, **options)
    values = {i.name: i.value for i in inputs or []}
    snapshots = options.get("netapp_volume_snapshots") or []
    for name in task.domino_job_config.NetAppVolumeSnapshotInputs:
        values[name] = snapshots[int(name.rsplit("_", 1)[1])]
    return task(**values)
