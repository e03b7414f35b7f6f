"""Names to Domino ids, and the project's job defaults, each asked at most once per run.

Hardware tiers and usable environments are listed once per backend instance (one per run); an
unknown name fails before any job starts, listing the names that exist, and a name two tiers share
fails naming both ids (Domino would take either). Datasets named by ``DatasetSnapshot(Name=...)``
are found through the datasets API, external data volumes named by ``ExternalDataVolume(Name=...)``
through ``GET /v4/datamount/projects/{projectId}``. ``use_latest`` / ``use_project_defaults`` fill
omitted ids from ``POST /v4/jobs/{projectId}/resolveJobDefaults``, asked once per distinct request
body (tasks with different configs get their own answers).

This module is the one owner of that request: its body (:meth:`DominoNames.defaults_request`),
its cache and its route (``domino_api``). ``submit`` asks it through the backend
(:meth:`DominoNames.job_defaults_for`), so a task's defaults are the same whether it runs on the
domino backend or is registered with Domino Flows.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from domino_flows.backends.base import JobSpec, ResolvedJob
from domino_flows.backends.domino_api import DominoRoutes
from domino_flows.backends.domino_client import DominoApiError
from domino_flows.backends.domino_start import cluster_json, revision_json
from domino_flows.core.errors import ConfigurationError
from domino_flows.core.project import did_you_mean

logger = logging.getLogger(__name__)


def _revision_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


class DominoNames:
    """Caches of one run: tier names, environment names, datasets, the project's job defaults."""

    def __init__(self, project: str, routes: DominoRoutes, project_id: Callable[[], str]) -> None:
        self.project = project
        self._routes = routes
        self._project_id = project_id
        self._lock = threading.Lock()
        self._tiers: dict[str, list[str]] | None = None
        self._environments: dict[str, str] | None = None
        self._datasets: dict[str, str] | None = None
        self._volumes: dict[str, list[str]] | None = None
        self._defaults: dict[str, dict[str, Any]] = {}

    def tier_ids(self) -> dict[str, list[str]]:
        """Tier name -> the ids of the tiers with that name (usually one)."""
        with self._lock:
            if self._tiers is None:
                tiers: dict[str, list[str]] = {}
                for item in self._routes.hardware_tiers(self._project_id()):
                    tier = item.get("hardwareTier") if isinstance(item, dict) else None
                    if isinstance(tier, dict) and "name" in tier and "id" in tier:
                        tiers.setdefault(str(tier["name"]), []).append(str(tier["id"]))
                self._tiers = tiers
            return self._tiers

    def environment_ids(self) -> dict[str, str]:
        with self._lock:
            if self._environments is None:
                items = self._routes.useable_environments(self._project_id())
                self._environments = {
                    item["name"]: item["id"] for item in items if "name" in item and "id" in item
                }
            return self._environments

    def dataset_ids(self) -> dict[str, str]:
        with self._lock:
            if self._datasets is None:
                items = self._routes.datasets(self._project_id())
                self._datasets = {item["name"]: item["id"] for item in items}
            return self._datasets

    def volume_ids(self) -> dict[str, list[str]]:
        """Volume name -> the ids of the project's data mounts with that name (usually one)."""
        with self._lock:
            if self._volumes is None:
                volumes: dict[str, list[str]] = {}
                for item in self._routes.data_mounts(self._project_id()):
                    if "name" in item and "id" in item:
                        volumes.setdefault(str(item["name"]), []).append(str(item["id"]))
                self._volumes = volumes
            return self._volumes

    def volume_mount_ids(self, spec: JobSpec) -> list[str]:
        """The external data volumes the job mounts, by id: the config's ids, then its
        ``ExternalDataVolume`` names resolved in the project's data mounts."""
        ids = list(spec.config.ExternalVolumeMountIds)
        for volume in spec.config.ExternalDataVolumes:
            found = self.lookup(
                "external data volume",
                volume.Name,
                self.volume_ids(),
                spec.task,
                "ExternalDataVolume Name",
            )
            if found not in ids:
                ids.append(found)
        return ids

    def dataset_snapshots(self, spec: JobSpec) -> list[dict[str, Any]]:
        """The config's snapshots as ``DatasetSnapshotRefDto`` (``{datasetId, snapshotVersion}``),
        names resolved to ids. A snapshot without a version is left to the project's mounts."""
        refs = []
        for snapshot in spec.config.DatasetSnapshots:
            if snapshot.Version is None:
                continue
            dataset_id = snapshot.Id
            if not dataset_id and snapshot.Name:
                dataset_id = self.lookup(
                    "dataset", snapshot.Name, self.dataset_ids(), spec.task, "DatasetSnapshot Name"
                )
            ref: dict[str, Any] = {"datasetId": dataset_id, "snapshotVersion": snapshot.Version}
            if snapshot.Name:
                ref["datasetName"] = snapshot.Name
            refs.append(ref)
        return refs

    def check_datasets(self, config: Any, task: str) -> None:
        """ConfigurationError unless every dataset a snapshot names exists (the preflight's)."""
        for snapshot in config.DatasetSnapshots:
            if snapshot.Name and not snapshot.Id:
                self.lookup(
                    "dataset", snapshot.Name, self.dataset_ids(), task, "DatasetSnapshot Name"
                )

    def defaults_request(self, spec: JobSpec, tier_id: str | None, env_id: str | None) -> dict:
        """The ``ResolveDefaultJobPropertiesRequest`` body for ``spec``."""
        config = spec.config
        body: dict[str, Any] = {}
        if config.CommitId:
            body["commitId"] = config.CommitId
        if config.MainRepoGitRef is not None:
            body["mainRepoGitRef"] = config.MainRepoGitRef.to_json()
        if tier_id:
            body["hardwareTierId"] = {"value": tier_id}
        if env_id:
            body["environmentId"] = env_id
        if config.EnvironmentRevisionSpec is not None:
            body["environmentRevisionSpec"] = revision_json(config.EnvironmentRevisionSpec)
        cluster = cluster_json(spec)
        if cluster is not None:
            body["computeClusterProperties"] = cluster
        if config.VolumeSizeGiB is not None:
            body["volumeSizeGiB"] = float(config.VolumeSizeGiB)
        snapshots = self.dataset_snapshots(spec)
        if snapshots:
            body["datasetSnapshots"] = snapshots
        volumes = self.volume_mount_ids(spec)
        if volumes:
            body["externalVolumeMountIds"] = volumes
        return body

    def job_defaults_for(self, spec: JobSpec) -> dict[str, Any]:
        """The project's job defaults for ``spec``: the request built from what it pins (names
        resolved to ids), answered once per distinct body. What ``submit`` fills a task's
        omitted start fields from."""
        environment_id, tier_id = self._named_ids(spec)
        return self.job_defaults(self.defaults_request(spec, tier_id, environment_id))

    def job_defaults(self, body: dict[str, Any]) -> dict[str, Any]:
        """The project's job defaults for this request. A deployment without the route leaves
        the ids to Domino, which applies the same defaults when the job starts."""
        key = json.dumps(body, sort_keys=True)
        with self._lock:
            if key in self._defaults:
                return self._defaults[key]
        try:
            answer = self._routes.resolve_job_defaults(self._project_id(), body)
        except DominoApiError as error:
            if error.status not in (404, 405):
                raise
            logger.info("this deployment has no resolveJobDefaults; Domino applies them")
            answer = {}
        with self._lock:
            return self._defaults.setdefault(key, answer)

    def lookup(self, kind: str, name: str, known: dict[str, Any], task: str, field: str) -> str:
        if name not in known:
            listed = ", ".join(repr(n) for n in sorted(known)) or "(none)"
            raise ConfigurationError(
                f"task {task!r}: Domino project {self.project} has no {kind} named {name!r}."
                f"{did_you_mean(name, list(known))} Available: {listed}. Fix {field}."
            )
        found = known[name]
        if isinstance(found, list):
            if len(found) > 1:
                raise ConfigurationError(
                    f"task {task!r}: Domino project {self.project} has {len(found)} {kind}s "
                    f"named {name!r} (ids {', '.join(found)}); Domino could take either. Give "
                    f"the one you mean by id ({field.replace('Name', 'Id')}) instead."
                )
            found = found[0]
        return str(found)

    def _named_ids(self, spec: JobSpec) -> tuple[str | None, str | None]:
        """The environment and tier ids the config gives, or names, resolved."""
        config = spec.config
        environment_id = config.EnvironmentId
        if config.EnvironmentName and not environment_id:
            environment_id = self.lookup(
                "environment",
                config.EnvironmentName,
                self.environment_ids(),
                spec.task,
                "EnvironmentName (or the decorator's environment=...)",
            )
        tier_id = config.HardwareTierId
        if config.HardwareTierName and not tier_id:
            tier_id = self.lookup(
                "hardware tier",
                config.HardwareTierName,
                self.tier_ids(),
                spec.task,
                "HardwareTierName (or the decorator's hardware_tier=...)",
            )
        return environment_id, tier_id

    def resolve(self, spec: JobSpec) -> ResolvedJob:
        config = spec.config
        environment_id, tier_id = self._named_ids(spec)
        revision = None
        if config.EnvironmentRevisionSpec is not None:
            revision = _revision_text(config.EnvironmentRevisionSpec.to_json())
        filled = config.UseLatest or config.UseProjectDefaultsForOmitted
        if filled and not (environment_id and tier_id):
            defaults = self.job_defaults(self.defaults_request(spec, tier_id, environment_id))
            environment_id = environment_id or defaults.get("environmentId") or None
            tier = defaults.get("hardwareTierId")
            tier_id = tier_id or (tier.get("value") if isinstance(tier, dict) else tier) or None
            if revision is None and defaults.get("environmentRevisionSpec"):
                revision = _revision_text(defaults["environmentRevisionSpec"])
        # Ids still None are sent as null: Domino then uses the project's defaults.
        return ResolvedJob(
            environment_id=environment_id,
            environment_name=config.EnvironmentName,
            environment_revision=revision,
            hardware_tier_id=tier_id,
            hardware_tier_name=config.HardwareTierName,
            external_volume_mount_ids=tuple(self.volume_mount_ids(spec)),
            dataset_snapshots=tuple(self.dataset_snapshots(spec)),
        )
