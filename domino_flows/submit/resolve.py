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

from domino_flows.errors import ConfigurationError, DominoFlowsError
from domino_flows.redaction import CREDENTIAL_CHOICES
from domino_flows.submit.defaults import REQUIRED_FIELDS, JobDefaults, by_name, complete
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


def credentials_present(environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return bool(env.get("DOMINO_API_HOST")) and any(env.get(v) for v in CREDENTIAL_CHOICES)


class NameResolver:
    """Resolves a task's ``custom`` through a domino backend, or explains why it cannot."""

    def __init__(
        self, backend: Any = None, reason: str = "", defaults: JobDefaults | None = None
    ) -> None:
        self.backend = backend
        self.reason = reason
        self.defaults = defaults

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
        from domino_flows.project import load_settings

        try:
            settings = load_settings(project_root)
            backend = DominoBackend(project_root, settings, environ=environ)
        except ConfigurationError as error:
            return cls(None, str(error))
        return cls(backend, defaults=JobDefaults(_job_defaults_poster(backend)))

    @property
    def available(self) -> bool:
        return self.backend is not None

    def project_id(self) -> str:
        """The Domino project's id (the Flyte project of Domino Flows)."""
        if self.backend is None:
            raise ConfigurationError(f"cannot look up the Domino project id: {self.reason}")
        return str(self.backend.project_id)

    def resolve(self, flow: str, task: str, custom: dict[str, Any]) -> Resolution:
        """Ids for the names in ``custom``; raises ConfigurationError / DominoApiError."""
        if self.backend is None:
            return unresolved(task, custom)
        from domino_flows.backends.base import JobSpec
        from domino_flows.config import DominoJobConfig

        spec = JobSpec(
            run_id="submit",
            flow=flow,
            task=task,
            config=DominoJobConfig.from_custom(custom),
            use_latest=bool(custom.get("useLatest")),
            use_project_defaults=bool(custom.get("useProjectDefaultsForOmitted")),
        )
        resolved = self.backend.resolve(spec)
        return apply(task, custom, resolved)


def _job_defaults_poster(backend: Any) -> Any:
    """``POST /v4/jobs/{projectId}/resolveJobDefaults`` through the backend's client, retried
    like its other idempotent calls (it changes nothing on Domino)."""
    from domino_flows.backends.domino_client import RetryPolicy, call_with_retry

    def post(body: dict[str, Any]) -> Any:
        client = backend.client
        url = f"{client._routes.host}/v4/jobs/{backend.project_id}/resolveJobDefaults"
        return call_with_retry(
            RetryPolicy(),
            "POST /v4/jobs/{id}/resolveJobDefaults",
            lambda: client.request_manager.post(url, json=body).json(),
        )

    return post


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
    revision = resolved.environment_revision
    if revision and "environmentRevisionSpec" not in out:
        out["environmentRevisionSpec"] = (
            json.loads(revision) if revision.startswith("{") else revision
        )
    return result


def resolve_all(
    resolver: NameResolver, flow: str, customs: dict[str, dict[str, Any]], dry_run: bool
) -> tuple[dict[str, Resolution], list[Check]]:
    """Every task's resolution, and the checks to report (one per task that failed)."""
    checks: list[Check] = []
    out: dict[str, Resolution] = {}
    named = [t for t, c in customs.items() if any(k in c for k in NAME_KEYS)]
    if not resolver.available and named:
        what = (
            "the dry run keeps them, marked unresolved"
            if dry_run
            else "Domino Flows needs ids, so these tasks cannot be registered"
        )
        checks.append(
            Check(
                "warning",
                "names",
                f"environment and hardware tier names of {len(named)} task(s) were not checked "
                f"against Domino ({resolver.reason}); {what}.",
            )
        )
    for task, custom in customs.items():
        try:
            out[task] = resolver.resolve(flow, task, custom)
        except DominoFlowsError as error:  # ConfigurationError (unknown name), DominoApiError
            checks.append(Check("error", "names", str(error)))
            out[task] = unresolved(task, custom)
            continue
        checks.extend(_complete(resolver, out[task], custom))
    return out, checks


def _complete(resolver: NameResolver, resolution: Resolution, original: dict[str, Any]) -> list:
    """Fill the start request's required fields into ``resolution``; checks for what is not."""
    task = resolution.task
    checks = [
        Check("error", "job config", f"task {task!r}: {problem}.") for problem in by_name(original)
    ]
    defaults = resolver.defaults if resolver.available else None
    try:
        custom, filled, missing = complete(resolution.custom, defaults)
    except DominoFlowsError as error:  # DominoApiError from resolveJobDefaults
        checks.append(Check("error", "job config", f"task {task!r}: {error}"))
        custom, filled, missing = complete(resolution.custom, None)
    resolution.custom = custom
    resolution.defaults = filled
    resolution.missing = missing
    if missing:
        why = (
            f"they were not resolved ({resolver.reason})"
            if not resolver.available
            else "the project's job defaults have none"
        )
        pins = "; ".join(REQUIRED_FIELDS[k] for k in missing)
        checks.append(
            Check(
                "error",
                "job config",
                f"task {task!r}: Domino Flows needs {', '.join(missing)} to start its job, and "
                f"{why}. Pin them in the task ({pins}), or let submit resolve them with Domino "
                "credentials set.",
            )
        )
    return checks
