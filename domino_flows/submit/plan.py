"""What ``submit`` registers: the serialized entities, their version, and a readable plan.

Entities are built with flytekit's ``get_serializable`` (the path of ``pyflyte register`` and
``pyflyte package``): the workflow's tasks, subworkflows, the workflow, its default launch plan and
every named launch plan of the flow file that launches it (schedules included). Then each
``domino_job`` template's ``custom`` is replaced by its resolved form (ids instead of names, the
domino-flows additions dropped).

The version is a digest of the resolved entities serialized with a placeholder version: the same
definition always registers as the same version (registering it again is a no-op), and any change
to a task, the workflow or a launch plan makes a new one.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domino_flows.authoring.config import EXTERNAL_DATA_VOLUME_NAMES, NETAPP_SNAPSHOT_INPUTS
from domino_flows.core.errors import DominoFlowsError
from domino_flows.core.paths import state_dir

PLACEHOLDER_VERSION = "pending"
VERSION_LENGTH = 20
RESOURCE_SUFFIX = {"TaskSpec": 1, "WorkflowSpec": 2, "LaunchPlan": 3}


class SubmitError(DominoFlowsError):
    """The flow cannot be submitted as asked (what it is, or how it was named)."""


@dataclass
class Target:
    """What the command line named, and what goes with it."""

    file: Path
    workflow: Any
    launch_plans: list[Any]  # flytekit LaunchPlans: the default one first
    launch_plan: Any  # the one to execute
    module: Any


@dataclass
class Serialized:
    """Entities in registration order, and the Python entity each came from."""

    entities: list[Any]
    sources: list[Any]
    resolutions: dict[str, Any] = field(default_factory=dict)

    def task_pairs(self) -> list[tuple[Any, Any]]:
        from flytekit.models.task import TaskSpec

        pairs = zip(self.sources, self.entities, strict=True)
        return [(s, e) for s, e in pairs if isinstance(e, TaskSpec)]

    def workflow_spec(self, name: str) -> Any:
        from flytekit.models.admin.workflow import WorkflowSpec

        for entity in self.entities:
            if isinstance(entity, WorkflowSpec) and entity.template.id.name == name:
                return entity
        raise SubmitError(f"workflow {name!r} was not serialized")


def load_target(file: Path, name: str) -> Target:
    """The workflow (or launch plan) ``name`` of ``file``, with the launch plans to register."""
    import sys

    from flytekit.core.context_manager import FlyteContextManager
    from flytekit.core.launch_plan import LaunchPlan
    from flytekit.core.workflow import WorkflowBase

    from domino_flows.authoring.loading import compile_workflow, load_entity, module_name_for

    entity = load_entity(file, name)
    module = sys.modules.get(module_name_for(file.resolve()))
    if isinstance(entity, LaunchPlan):
        workflow = entity.workflow
    elif isinstance(entity, WorkflowBase):
        workflow = entity
    else:
        raise SubmitError(
            f"{name!r} in {file} is a task; submit launches workflows. Call it from a @workflow "
            "and submit that workflow."
        )
    compile_workflow(workflow)
    default = LaunchPlan.get_default_launch_plan(FlyteContextManager.current_context(), workflow)
    plans = [default]
    for value in vars(module).values() if module is not None else ():
        if (
            isinstance(value, LaunchPlan)
            and value.workflow is workflow
            and all(value.name != p.name for p in plans)
        ):
            plans.append(value)
    if isinstance(entity, LaunchPlan) and all(entity.name != p.name for p in plans):
        plans.append(entity)
    chosen = entity if isinstance(entity, LaunchPlan) else default
    return Target(file, workflow, plans, chosen, module)


def serialize_target(target: Target, settings: Any) -> Serialized:
    """Every control-plane entity of the target, in registration order."""
    from flytekit.models.admin.workflow import WorkflowSpec
    from flytekit.models.launch_plan import LaunchPlan as LaunchPlanModel
    from flytekit.models.task import TaskSpec
    from flytekit.tools.translator import get_serializable

    mapping: OrderedDict[Any, Any] = OrderedDict()
    get_serializable(mapping, settings, target.workflow)
    for plan in target.launch_plans:
        get_serializable(mapping, settings, plan)
    kinds = (TaskSpec, WorkflowSpec, LaunchPlanModel)
    pairs = [(k, v) for k, v in mapping.items() if isinstance(v, kinds)]
    return Serialized([v for _, v in pairs], [k for k, _ in pairs])


def with_customs(serialized: Serialized, customs: dict[str, dict[str, Any]]) -> Serialized:
    """The entities with each named task template's ``custom`` replaced."""
    from flytekit.models.task import TaskSpec
    from google.protobuf.struct_pb2 import Struct

    out = []
    for entity in serialized.entities:
        if isinstance(entity, TaskSpec) and entity.template.id.name in customs:
            message = entity.to_flyte_idl()
            struct = Struct()
            struct.update(customs[entity.template.id.name])
            message.template.custom.CopyFrom(struct)
            entity = TaskSpec.from_flyte_idl(message)
        out.append(entity)
    return Serialized(out, list(serialized.sources), dict(serialized.resolutions))


def stable_json(entities: list[Any]) -> list[dict[str, Any]]:
    """JSON forms, comparable across processes: upstream node ids sorted, no SDK version."""
    from domino_flows.authoring.serialize import stabilize, to_dicts

    return stabilize(to_dicts(entities))


def version_of(entities: list[Any]) -> str:
    """A digest of the entities (serialized with the placeholder version)."""
    text = json.dumps(stable_json(entities), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:VERSION_LENGTH]


# --- dry run files --------------------------------------------------------------------------------


def _file_stem(index: int, width: int, entity: Any) -> str:
    kind = type(entity).__name__
    name = entity.id.name if kind == "LaunchPlan" else entity.template.id.name
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name)
    return f"{str(index).zfill(width)}_{safe}_{RESOURCE_SUFFIX[kind]}"


def write_entities(entities: list[Any], folder: Path) -> list[Path]:
    """``NN_<name>_<1|2|3>.pb`` per entity as ``pyflyte package`` writes them, each with a
    readable ``.json`` twin, and ``entities.json`` with all of them."""
    from google.protobuf.json_format import MessageToDict

    folder.mkdir(parents=True, exist_ok=True)
    width = max(1, len(str(len(entities))))
    written = []
    readable = []
    for index, entity in enumerate(entities):
        stem = _file_stem(index, width, entity)
        message = entity.to_flyte_idl()
        pb = folder / f"{stem}.pb"
        pb.write_bytes(message.SerializeToString())
        as_dict = {"kind": type(entity).__name__, "spec": MessageToDict(message)}
        (folder / f"{stem}.json").write_text(
            json.dumps(as_dict, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        readable.append(as_dict)
        written.append(pb)
    (folder / "entities.json").write_text(
        json.dumps(readable, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return written


def default_output_dir(root: Path) -> Path:
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return state_dir(root) / "submit" / stamp


# --- the readable plan ----------------------------------------------------------------------------


def literal_text(literal: Any) -> str:
    """A literal as a short text (primitives, files, none; other kinds by kind)."""
    scalar = getattr(literal, "scalar", None)
    if scalar is not None:
        if scalar.primitive is not None:
            return repr(scalar.primitive.value)
        if scalar.blob is not None:
            return scalar.blob.uri
        if scalar.none_type is not None:
            return "None"
        if scalar.generic is not None:
            from google.protobuf.json_format import MessageToDict

            return json.dumps(MessageToDict(scalar.generic), sort_keys=True)
        return "<structured value>"
    if getattr(literal, "collection", None) is not None:
        return "[" + ", ".join(literal_text(x) for x in literal.collection.literals) + "]"
    if getattr(literal, "map", None) is not None:
        items = literal.map.literals.items()
        return "{" + ", ".join(f"{k!r}: {literal_text(v)}" for k, v in items) + "}"
    return "<value>"


def schedule_text(schedule: Any) -> str:
    if schedule is None:
        return ""
    cron = getattr(schedule, "cron_schedule", None)
    if cron is not None and cron.schedule:
        return f"cron {cron.schedule}" + (f" ({cron.offset})" if cron.offset else "")
    if getattr(schedule, "cron_expression", None):
        return f"cron {schedule.cron_expression}"
    rate = getattr(schedule, "rate", None)
    if rate is not None:
        unit = {0: "minute", 1: "hour", 2: "day"}.get(rate.unit, "unit")
        return f"every {rate.value} {unit}{'s' if rate.value != 1 else ''}"
    return "scheduled"


def _duration(value: Any) -> str:
    if not value:
        return "none"
    seconds = int(value.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(hours, "h"), (minutes, "m"), (secs, "s")]
    return "".join(f"{amount}{unit}" for amount, unit in parts if amount) or "0s"


def _value_text(value: Any) -> str:
    path = getattr(value, "path", None)
    if path is not None and not isinstance(value, (str, bytes)):
        return str(path)
    return repr(value)


def render_plan(
    target: Target,
    serialized: Serialized,
    *,
    project: str,
    domain: str,
    version: str,
    inputs: dict[str, Any],
) -> list[str]:
    """The plan as lines of text: workflow, launch plans, inputs, tasks."""
    from flytekit.models.launch_plan import LaunchPlan as LaunchPlanModel

    lines = [
        f"Workflow      {target.workflow.name}  ({target.file})",
        f"Flyte         project {project}, domain {domain}, version {version}",
        f"Executes      launch plan {target.launch_plan.name}",
        "Launch plans",
    ]
    for entity in serialized.entities:
        if not isinstance(entity, LaunchPlanModel):
            continue
        spec = entity.spec
        schedule = schedule_text(spec.entity_metadata.schedule)
        details = [f"schedule: {schedule}" if schedule else "no schedule"]
        parameters = (spec.default_inputs.parameters or {}) if spec.default_inputs else {}
        defaults = {k: p.default for k, p in parameters.items() if p.default is not None}
        if defaults:
            details.append(
                "defaults: "
                + ", ".join(f"{k}={literal_text(v)}" for k, v in sorted(defaults.items()))
            )
        fixed = (spec.fixed_inputs.literals or {}) if spec.fixed_inputs else {}
        if fixed:
            details.append(
                "fixed: " + ", ".join(f"{k}={literal_text(v)}" for k, v in sorted(fixed.items()))
            )
        if getattr(entity, "should_auto_activate", False):
            details.append("activated on registration")
        lines.append(f"  {entity.id.name}  ({'; '.join(details)})")
    lines.append("Inputs")
    executed = next(
        e
        for e in serialized.entities
        if isinstance(e, LaunchPlanModel) and e.id.name == target.launch_plan.name
    )
    parameters = executed.spec.default_inputs.parameters or {}
    fixed = executed.spec.fixed_inputs.literals or {}
    names = list(target.workflow.python_interface.inputs)
    if not names:
        lines.append("  (none)")
    for name in names:
        parameter = parameters.get(name)
        if name in inputs:
            lines.append(f"  {name} = {_value_text(inputs[name])}")
        elif name in fixed:
            lines.append(f"  {name} = {literal_text(fixed[name])}  (fixed by the launch plan)")
        elif parameter is not None and parameter.default is not None:
            lines.append(f"  {name} = {literal_text(parameter.default)}  (default)")
        else:
            lines.append(f"  {name}  (not given)")
    lines.append("Tasks")
    for _, spec in serialized.task_pairs():
        lines.extend(_task_lines(spec.template, serialized.resolutions.get(spec.template.id.name)))
    return lines


def _task_lines(template: Any, resolution: Any) -> list[str]:
    if template.type != "domino_job":
        return [
            f"  {template.id.name}  ({template.type}: not a Domino job; Domino Flows will not "
            "run it)"
        ]
    custom = template.custom or {}
    metadata = template.metadata
    unresolved = " ".join(resolution.unresolved) if resolution else ""

    def setting(id_key: str, name_key: str, label: str) -> str:
        value = custom.get(id_key)
        if isinstance(value, dict):
            value = value.get("value")
        if value:
            via = resolution.resolved.get(label) if resolution else None
            return f"{value}" + (f"  (resolved from {via.split(' -> ')[0]})" if via else "")
        if custom.get(name_key):
            mark = "unresolved name" if label in unresolved else "name"
            return f"{custom[name_key]}  ({mark})"
        if custom.get("useLatest") or custom.get("useProjectDefaultsForOmitted"):
            return "project default at launch"
        return "project default"

    cache = (
        f"on, version {metadata.discovery_version}"
        + (", serialized" if metadata.cache_serializable else "")
        if metadata.discoverable
        else "off"
    )
    retries = metadata.retries.retries if metadata.retries else 0
    lines = [
        f"  {template.id.name}  ({template.type})",
        f"    command        {custom.get('command', '')}",
        f"    environment    {setting('environmentId', 'environmentName', 'environment')}",
        f"    hardware tier  {setting('hardwareTierId', 'hardwareTierName', 'hardware tier')}",
        f"    cache          {cache}",
        f"    retries        {retries}",
        f"    timeout        {_duration(metadata.timeout)}",
    ]
    filled = set(resolution.defaults) if resolution else set()

    def shown(key: str, label: str, value: Any) -> str:
        source = "  (project default)" if key in filled else ""
        return f"    {label:<15}{value}{source}"

    extra = []
    revision_line = []  # shown right under the environment
    revision = custom.get("environmentRevisionSpec")
    if revision is not None:
        text = revision.get("revisionId") if isinstance(revision, dict) else revision
        revision_line.append(shown("environmentRevisionSpec", "revision", text))
    for key, label in (("commitId", "commit"), ("volumeSizeGiB", "volume size")):
        if key in custom:
            unit = " GiB" if key == "volumeSizeGiB" else ""
            extra.append(shown(key, label, f"{_number(custom[key])}{unit}"))
    if custom.get("mainRepoGitRef"):
        ref = custom["mainRepoGitRef"]
        extra.append(shown("mainRepoGitRef", "git ref", " ".join(str(v) for v in ref.values())))
    if "datasetSnapshots" in custom:
        snapshots = [
            f"{s.get('datasetId') or s.get('datasetName')} v{_number(s.get('snapshotVersion'))}"
            for s in custom["datasetSnapshots"]
        ]
        extra.append(shown("datasetSnapshots", "datasets", ", ".join(snapshots) or "none"))
    if "externalVolumeMountIds" in custom or custom.get(EXTERNAL_DATA_VOLUME_NAMES):
        volumes = [*custom.get("externalVolumeMountIds", [])]
        volumes += [f"{n} (name)" for n in custom.get(EXTERNAL_DATA_VOLUME_NAMES, [])]
        extra.append(shown("externalVolumeMountIds", "volumes", ", ".join(volumes) or "none"))
    if custom.get("netAppVolumeSnapshots") or custom.get(NETAPP_SNAPSHOT_INPUTS):
        netapp = [
            f"{s['volumeId']} v{_number(s['snapshotVersion'])}"
            for s in custom.get("netAppVolumeSnapshots", [])
        ]
        netapp += [f"input {n}" for n in custom.get(NETAPP_SNAPSHOT_INPUTS, [])]
        extra.append(f"    {'NetApp':<15}{', '.join(netapp)}")
    from domino_flows.file import paths_in_interface

    interface = template.interface
    for variables, label in (
        (interface.inputs if interface else None, "input paths"),
        (interface.outputs if interface else None, "output paths"),
    ):
        if found := paths_in_interface(variables):
            paths = ", ".join(f"{k} -> {v}" for k, v in sorted(found.items()))
            extra.append(f"    {label:<15}{paths}")
    if resolution and resolution.missing:
        if resolution.awaiting_domino:
            label, why = "defaults", "the project's, resolved by Domino at submit"
        else:
            label, why = "missing", "a launch refuses this task"
        extra.append(f"    {label:<15}{', '.join(resolution.missing)}  ({why})")
    return lines[:3] + revision_line + lines[3:] + extra


def _number(value: Any) -> str:
    """Protobuf Structs carry numbers as floats: show 10.0 as 10."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
