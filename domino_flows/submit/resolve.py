"""Names to ids, and every field the start request needs, for Domino Flows' server-side agent.

Environment and hardware tier names go through the domino backend
(:class:`~domino_flows.backends.domino.DominoBackend`): the same credential order, the same one
listing per run, the same errors listing the available names. Then each task gets every field
Domino Flows' start request requires (:mod:`~domino_flows.submit.defaults`): what it pins is kept,
what it leaves out comes from the project's job defaults, asked once per distinct request.
Without Domino credentials nothing can be checked or resolved: a dry run keeps the names (marked
unresolved) and lists what a launch would refuse; a launch is refused.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domino_flows.authoring.config import (
    EXTERNAL_DATA_VOLUME_NAMES,
    NETAPP_SNAPSHOT_INPUTS,
    custom_revision,
)
from domino_flows.core.errors import ConfigurationError, DominoFlowsError
from domino_flows.core.redaction import CREDENTIAL_CHOICES
from domino_flows.export_job import COMMAND as EXPORT
from domino_flows.submit.defaults import CLUSTER_FIELDS, REQUIRED_FIELDS, Ask, complete, needed
from domino_flows.submit.preflight import DROPPED_ADDITIONS, NAME_KEYS, Check


@dataclass
class Resolution:
    """What submit changed in one task's ``custom``, for the plan."""

    task: str
    custom: dict[str, Any]  # the new custom (what is registered)
    resolved: dict[str, str] = field(default_factory=dict)  # "environment" -> "name -> id"
    unresolved: list[str] = field(default_factory=list)  # "environment 'Python 3.11'"
    defaults: list[str] = field(default_factory=list)  # required fields the project filled
    missing: list[str] = field(default_factory=list)  # required fields still without a value
    # True when nothing could be asked (no credentials): Domino resolves ``missing`` at submit.
    awaiting_domino: bool = False


def credentials_present(environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return bool(env.get("DOMINO_API_HOST")) and any(env.get(v) for v in CREDENTIAL_CHOICES)


class NameResolver:
    """Resolves a task's ``custom`` through a domino backend, or explains why it cannot."""

    def __init__(self, backend: Any = None, reason: str = "") -> None:
        self.backend = backend
        self.reason = reason

    @classmethod
    def from_environment(
        cls, project_root: Path, environ: Mapping[str, str] | None = None
    ) -> NameResolver:
        if not credentials_present(environ):
            return cls(
                None,
                "no Domino credentials: set DOMINO_API_HOST and DOMINO_USER_API_KEY (or "
                "DOMINO_TOKEN_FILE / DOMINO_API_PROXY, set for you inside Domino)",
            )
        from domino_flows.backends.domino import DominoBackend
        from domino_flows.core.project import load_settings

        try:
            settings = load_settings(project_root)
            backend = DominoBackend(project_root, settings, environ=environ)
        except ConfigurationError as error:
            return cls(None, str(error))
        return cls(backend)

    @property
    def available(self) -> bool:
        return self.backend is not None

    def project_id(self) -> str:
        """The Domino project's id (the Flyte project of Domino Flows)."""
        if self.backend is None:
            raise ConfigurationError(f"cannot look up the Domino project id: {self.reason}")
        return str(self.backend.project_id)

    def resolve(self, flow: str, task: str, custom: dict[str, Any]) -> tuple[Resolution, Ask]:
        """Ids for the names in ``custom``, and the call that asks the project's job defaults
        for it (the backend's, cached per request); raises ConfigurationError / DominoApiError."""
        if self.backend is None:
            raise ConfigurationError(f"cannot resolve task {task!r}: {self.reason}")
        from domino_flows.authoring.config import DominoJobConfig
        from domino_flows.backends.base import JobSpec

        spec = JobSpec(
            run_id="submit",
            flow=flow,
            task=task,
            config=DominoJobConfig.from_custom(custom),
        )
        resolved = self.backend.resolve(spec)
        resolution = apply(task, custom, resolved)
        backend = self.backend
        return resolution, lambda: dict(backend.job_defaults_for(spec))


def unresolved(task: str, custom: dict[str, Any]) -> Resolution:
    """Names kept as they are (a dry run without credentials)."""
    out = dict(custom)
    labels = {"environmentName": "environment", "hardwareTierName": "hardware tier"}
    missing = [f"{labels[k]} {custom[k]!r}" for k in NAME_KEYS if k in custom]
    return Resolution(task, out, unresolved=missing)


def apply(task: str, custom: dict[str, Any], resolved: Any) -> Resolution:
    """``custom`` with ids in place of names and the resolved domino-flows additions dropped
    (custom input and output paths stay: Domino Flows supports them)."""
    out = {k: v for k, v in custom.items() if k not in DROPPED_ADDITIONS}
    result = Resolution(task, out)
    if resolved.environment_id:
        out["environmentId"] = resolved.environment_id
        if custom.get("environmentName"):
            result.resolved["environment"] = (
                f"{custom['environmentName']!r} -> {resolved.environment_id}"
            )
    elif custom.get("environmentName"):  # the backend found no id: keep the name visible
        out["environmentName"] = custom["environmentName"]
        result.unresolved.append(f"environment {custom['environmentName']!r}")
    if resolved.hardware_tier_id:
        out["hardwareTierId"] = {"value": resolved.hardware_tier_id}
        if custom.get("hardwareTierName"):
            result.resolved["hardware tier"] = (
                f"{custom['hardwareTierName']!r} -> {resolved.hardware_tier_id}"
            )
    elif custom.get("hardwareTierName"):
        out["hardwareTierName"] = custom["hardwareTierName"]
        result.unresolved.append(f"hardware tier {custom['hardwareTierName']!r}")
    # data sources given by name, as the ids Domino's start request takes
    if any(not s.get("datasetId") for s in custom.get("datasetSnapshots", [])):
        out["datasetSnapshots"] = [dict(ref) for ref in resolved.dataset_snapshots]
    if custom.get(EXTERNAL_DATA_VOLUME_NAMES):
        out["externalVolumeMountIds"] = list(resolved.external_volume_mount_ids)
    revision = resolved.environment_revision
    if revision and "environmentRevisionSpec" not in out:
        out["environmentRevisionSpec"] = custom_revision(
            json.loads(revision) if revision.startswith("{") else revision
        )
    return result


def resolve_all(
    resolver: NameResolver, flow: str, customs: dict[str, dict[str, Any]], dry_run: bool
) -> tuple[dict[str, Resolution], list[Check]]:
    """Every task's resolution, and the checks to report (each naming its task).

    Without Domino credentials nothing can be asked: what Domino would fill at submit (names to
    ids, the project's job defaults) is listed per task as ``pending`` in a dry run (not a
    defect of the flow) and as an error for a launch, which cannot register names."""
    checks: list[Check] = []
    out: dict[str, Resolution] = {}
    # the export job is refused by the task checks already: nothing of it is resolved
    out.update({t: unresolved(t, c) for t, c in customs.items() if c.get("command") == EXPORT})
    customs = {t: c for t, c in customs.items() if t not in out}
    for task, custom in customs.items():
        checks.extend(_defects(task, custom))
    if not resolver.available:
        awaiting = {task: _awaiting(custom) for task, custom in customs.items()}
        if any(awaiting.values()):
            checks.append(
                Check(
                    "warning" if dry_run else "error",
                    "names",
                    f"Domino was not asked ({resolver.reason}); "
                    + (
                        "what Domino resolves at submit is listed, not checked."
                        if dry_run
                        else "Domino Flows needs ids, so these tasks cannot be registered."
                    ),
                )
            )
        for task, custom in customs.items():
            resolution = unresolved(task, custom)
            resolution.missing = _used_defaults(custom)
            resolution.awaiting_domino = True
            out[task] = resolution
            if awaiting[task]:
                checks.append(
                    Check(
                        "pending" if dry_run else "error",
                        "job config",
                        f"needs Domino to resolve {awaiting[task]}",
                        task,
                    )
                )
        return out, checks
    for task, custom in customs.items():
        try:
            resolution, ask = resolver.resolve(flow, task, custom)
        except DominoFlowsError as error:  # ConfigurationError (unknown name), DominoApiError
            checks.append(Check("error", "names", str(error)))
            out[task] = unresolved(task, custom)
            continue
        out[task] = resolution
        checks.extend(_complete(resolution, ask))
    return out, checks


def _defects(task: str, custom: dict[str, Any]) -> list[Check]:
    """What no resolution can fix: Domino Flows' start request takes fixed snapshots."""
    out = []
    if custom.get(NETAPP_SNAPSHOT_INPUTS):
        inputs = ", ".join(custom[NETAPP_SNAPSHOT_INPUTS])
        out.append(
            Check(
                "error",
                "job config",
                f"netAppVolumeSnapshots: the NetApp snapshot chosen at launch (input {inputs}) "
                "cannot be registered, because Domino Flows' start request takes fixed "
                "snapshots; give NetAppVolumeSnapshot(Id=..., Version=...) in the flow.",
                task,
            )
        )
    for snapshot in custom.get("datasetSnapshots", []):
        if snapshot.get("snapshotVersion") is None:
            label = snapshot.get("datasetName") or snapshot.get("datasetId")
            out.append(
                Check(
                    "error",
                    "job config",
                    f"datasetSnapshots: dataset {label!r} has no Version; Domino Flows mounts a "
                    "fixed snapshot: give DatasetSnapshot(..., Version=N).",
                    task,
                )
            )
    return out


def _used_defaults(custom: dict[str, Any]) -> list[str]:
    """The required fields the task leaves to the project's defaults that it uses: dataset and
    volume fields only when it names data (else Domino fills them with none)."""
    covered = {"datasetSnapshots", "externalVolumeMountIds"}
    if custom.get("environmentName"):
        covered.add("environmentId")
    if custom.get("hardwareTierName"):
        covered.add("hardwareTierId")
    return [k for k in needed(custom) if k not in covered]


def _awaiting(custom: dict[str, Any]) -> str:
    """What Domino would fill in for this task at submit, naming only what the task uses."""
    names = []
    if custom.get("environmentName") and "environmentId" not in custom:
        names.append(f"environment {custom['environmentName']!r}")
    if custom.get("hardwareTierName") and "hardwareTierId" not in custom:
        names.append(f"hardware tier {custom['hardwareTierName']!r}")
    for snapshot in custom.get("datasetSnapshots", []):
        if not snapshot.get("datasetId"):
            names.append(f"dataset {snapshot.get('datasetName')!r}")
    names += [f"external data volume {n!r}" for n in custom.get(EXTERNAL_DATA_VOLUME_NAMES, [])]
    defaults = _used_defaults(custom)
    parts = []
    if names:
        parts.append(f"names to ids: {', '.join(names)}")
    if defaults:
        parts.append(f"the project's job defaults for {', '.join(defaults)}")
    return "; ".join(parts)


def _complete(resolution: Resolution, ask: Ask) -> list[Check]:
    """Fill the start request's required fields into ``resolution``; checks for what is not."""
    task = resolution.task
    checks = []
    try:
        custom, filled, missing = complete(resolution.custom, ask)
    except DominoFlowsError as error:  # DominoApiError from resolveJobDefaults
        checks.append(Check("error", "job config", str(error), task))
        custom, filled, missing = complete(resolution.custom, None)
    resolution.custom = custom
    resolution.defaults = filled
    resolution.missing = missing
    if missing:
        pins = "; ".join({**REQUIRED_FIELDS, **CLUSTER_FIELDS}[k] for k in missing)
        checks.append(
            Check(
                "error",
                "job config",
                f"Domino Flows needs {', '.join(missing)} to start its job, and the project's "
                f"job defaults have none. Pin them in the task ({pins}).",
                task,
            )
        )
    return checks
