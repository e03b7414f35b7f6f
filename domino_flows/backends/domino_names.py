"""Environment and hardware tier names to Domino ids, listed once per run.

python-domino's ``job_start`` lists the project's hardware tiers on every call that names one; a
flow of many tasks would list them many times. Here each listing happens at most once per backend
instance (one per run), and an unknown name fails before any job starts, listing the names that
exist. ``use_latest`` / ``use_project_defaults`` fill omitted ids from
``POST /v4/jobs/{projectId}/resolveJobDefaults``, also asked once per run.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from domino_flows.backends.base import JobSpec, ResolvedJob
from domino_flows.backends.domino_client import DominoApiError, RetryPolicy, call_with_retry
from domino_flows.errors import ConfigurationError

logger = logging.getLogger(__name__)


def _revision_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


class DominoNames:
    """Caches of one run: tier names, environment names, the project's job defaults."""

    def __init__(
        self,
        project: str,
        client: Callable[[], Any],
        project_id: Callable[[], str],
        retry: RetryPolicy,
    ) -> None:
        self.project = project
        self._client = client
        self._project_id = project_id
        self._retry = retry
        self._lock = threading.Lock()
        self._tiers: dict[str, str] | None = None
        self._environments: dict[str, str] | None = None
        self._defaults: dict[str, Any] | None = None

    def _get_json(self, endpoint: str, url: str) -> Any:
        return call_with_retry(
            self._retry, endpoint, lambda: self._client().request_manager.get(url).json()
        )

    def tier_ids(self) -> dict[str, str]:
        with self._lock:
            if self._tiers is None:
                url = self._client()._routes.hardware_tiers_list(self._project_id())
                items = self._get_json("GET /v4/projects/{id}/hardwareTiers", url)
                self._tiers = {
                    item["hardwareTier"]["name"]: item["hardwareTier"]["id"]
                    for item in items
                    if isinstance(item, dict) and "hardwareTier" in item
                }
            return self._tiers

    def environment_ids(self) -> dict[str, str]:
        with self._lock:
            if self._environments is None:
                url = self._client()._routes.useable_environments_list(self._project_id())
                data = self._get_json("GET /v4/projects/{id}/useableEnvironments", url)
                items = data.get("environments", []) if isinstance(data, dict) else data
                self._environments = {
                    item["name"]: item["id"] for item in items if "name" in item and "id" in item
                }
            return self._environments

    def job_defaults(self, spec: JobSpec) -> dict[str, Any]:
        """The project's job defaults. A deployment without the endpoint leaves the ids to
        Domino, which applies the same defaults when the job starts."""
        with self._lock:
            if self._defaults is None:
                client = self._client()
                url = f"{client._routes.host}/v4/jobs/{self._project_id()}/resolveJobDefaults"
                body = {**spec.config.to_custom(), "commandToRun": spec.config.Command}
                try:
                    answer = call_with_retry(
                        self._retry,
                        "POST /v4/jobs/{id}/resolveJobDefaults",
                        lambda: client.request_manager.post(url, json=body).json(),
                    )
                except DominoApiError as error:
                    if error.status not in (404, 405):
                        raise
                    logger.info("this deployment has no resolveJobDefaults; Domino applies them")
                    answer = {}
                self._defaults = dict(answer) if isinstance(answer, dict) else {}
            return self._defaults

    def _lookup(self, kind: str, name: str, known: dict[str, str], task: str) -> str:
        if name in known:
            return known[name]
        listed = ", ".join(repr(n) for n in sorted(known)) or "(none)"
        field, argument = (
            ("HardwareTierName", "hardware_tier")
            if kind == "hardware tier"
            else ("EnvironmentName", "environment")
        )
        raise ConfigurationError(
            f"task {task!r}: Domino project {self.project} has no {kind} named {name!r}. "
            f"Available: {listed}. Fix {field} (or the decorator's {argument}=...)."
        )

    def resolve(self, spec: JobSpec) -> ResolvedJob:
        config = spec.config
        environment_id = config.EnvironmentId
        if config.EnvironmentName and not environment_id:
            environment_id = self._lookup(
                "environment", config.EnvironmentName, self.environment_ids(), spec.task
            )
        tier_id = config.HardwareTierId
        if config.HardwareTierName and not tier_id:
            tier_id = self._lookup(
                "hardware tier", config.HardwareTierName, self.tier_ids(), spec.task
            )
        revision = None
        if config.EnvironmentRevisionSpec is not None:
            revision = _revision_text(config.EnvironmentRevisionSpec.to_json())
        if (spec.use_latest or spec.use_project_defaults) and not (environment_id and tier_id):
            defaults = self.job_defaults(spec)
            environment_id = environment_id or defaults.get("environmentId") or None
            tier = defaults.get("hardwareTierId")
            tier_id = tier_id or (tier.get("value") if isinstance(tier, dict) else tier) or None
            if revision is None and defaults.get("environmentRevisionSpec") is not None:
                revision = _revision_text(defaults["environmentRevisionSpec"])
        # Ids still None are sent as null: Domino then uses the project's defaults.
        return ResolvedJob(
            environment_id=environment_id,
            environment_name=config.EnvironmentName,
            environment_revision=revision,
            hardware_tier_id=tier_id,
            hardware_tier_name=config.HardwareTierName,
        )
