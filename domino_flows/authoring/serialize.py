"""Serialize flows with flytekit's own machinery, the path ``pyflyte register``/``package`` take.

Used by the golden-file tests, by ``domino-flows submit --dry-run`` and by the run store (a hash of
the serialized flow tells whether a flow changed between a run and its resume).
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from typing import Any

DEFAULT_PROJECT = "domino-flows"
DEFAULT_DOMAIN = "development"


def settings(
    project: str = DEFAULT_PROJECT, domain: str = DEFAULT_DOMAIN, version: str = "local"
) -> Any:
    from flytekit.configuration import ImageConfig, SerializationSettings

    return SerializationSettings(
        image_config=ImageConfig.auto_default_image(),
        project=project,
        domain=domain,
        version=version,
    )


def serialize(entity: Any, serialization_settings: Any = None) -> list[Any]:
    """Every control-plane entity ``entity`` needs (tasks, subworkflows, the workflow and its
    default launch plan), in registration order."""
    from flytekit.core.context_manager import FlyteContextManager
    from flytekit.core.launch_plan import LaunchPlan
    from flytekit.core.workflow import WorkflowBase
    from flytekit.tools.translator import get_serializable

    serialization_settings = serialization_settings or settings()
    mapping: OrderedDict[Any, Any] = OrderedDict()
    get_serializable(mapping, serialization_settings, entity)
    if isinstance(entity, WorkflowBase):
        ctx = FlyteContextManager.current_context()
        launch_plan = LaunchPlan.get_default_launch_plan(ctx, entity)
        get_serializable(mapping, serialization_settings, launch_plan)
    return list(mapping.values())


def to_dicts(entities: list[Any]) -> list[dict[str, Any]]:
    """Readable JSON-able form: ``{"kind": ..., "spec": <protobuf as dict>}`` per entity."""
    from google.protobuf.json_format import MessageToDict

    out = []
    for item in entities:
        kind = type(item).__name__
        out.append({"kind": kind, "spec": MessageToDict(item.to_flyte_idl())})
    return out


def stable_dicts(entity: Any) -> list[dict[str, Any]]:
    """``to_dicts`` of everything ``entity`` registers, made stable (see :func:`stabilize`)."""
    return stabilize(to_dicts(serialize(entity)))


def stabilize(dicts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Make serialized entities comparable across processes and flytekit patch releases: the
    upstream node ids flytekit keeps in a set are sorted and the SDK version is dropped. The
    dicts (fresh from ``to_dicts``) are changed in place and returned."""
    for item in dicts:
        template = item["spec"].get("template")
        if template:
            template.get("metadata", {}).get("runtime", {}).pop("version", None)
    _sort_upstream(dicts)
    return dicts


def _sort_upstream(value: Any) -> None:
    """Sort every ``upstreamNodeIds`` list, in place. A walk rather than a rebuild: a 5,000-node
    graph is about 280,000 values, nearly all of them leaves."""
    pending = [value]
    while pending:
        current = pending.pop()
        if isinstance(current, dict):
            upstream = current.get("upstreamNodeIds")
            if isinstance(upstream, list):
                upstream.sort()
            children = current.values()
        else:
            children = current
        pending.extend(c for c in children if isinstance(c, (dict, list)))


def task_templates(entities: list[Any]) -> list[Any]:
    from flytekit.models.task import TaskSpec

    return [e.template for e in entities if isinstance(e, TaskSpec)]


def flow_hash(entity: Any) -> str:
    """A stable digest of everything a flow would register: changes when its definition does."""
    dicts = stable_dicts(entity)
    return hashlib.sha256(json.dumps(dicts, sort_keys=True).encode()).hexdigest()
