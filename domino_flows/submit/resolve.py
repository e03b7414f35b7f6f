"""Environment and hardware tier names to ids, for Domino Flows' server-side agent.

Resolution goes through the domino backend (:class:`~domino_flows.backends.domino.DominoBackend`):
the same credential order, the same one listing per run, the same errors listing the available
names, and ``use_latest`` / ``use_project_defaults_for_omitted`` filled from the project's job
defaults. Without Domino credentials names cannot be checked: a dry run keeps them (marked
unresolved), a launch is refused.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domino_flows.errors import ConfigurationError, DominoFlowsError
from domino_flows.submit.preflight import ADDITIONS, NAME_KEYS, Check

CREDENTIAL_CHOICES = ("DOMINO_API_PROXY", "DOMINO_TOKEN_FILE", "DOMINO_USER_API_KEY")


@dataclass
class Resolution:
    """What submit changed in one task's ``custom``, for the plan."""

    task: str
    custom: dict[str, Any]  # the new custom (what is registered)
    resolved: dict[str, str] = field(default_factory=dict)  # "environment" -> "name -> id"
    unresolved: list[str] = field(default_factory=list)  # "environment 'Python 3.11'"


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
        from domino_flows.project import load_settings

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


def unresolved(task: str, custom: dict[str, Any]) -> Resolution:
    """Names kept as they are (a dry run without credentials)."""
    out = {k: v for k, v in custom.items() if k not in ("inputPaths", "outputPaths")}
    labels = {"environmentName": "environment", "hardwareTierName": "hardware tier"}
    missing = [f"{labels[k]} {custom[k]!r}" for k in NAME_KEYS if k in custom]
    return Resolution(task, out, unresolved=missing)


def apply(task: str, custom: dict[str, Any], resolved: Any) -> Resolution:
    """``custom`` with ids in place of names and the domino-flows additions dropped."""
    out = {k: v for k, v in custom.items() if k not in ADDITIONS}
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
    return out, checks
