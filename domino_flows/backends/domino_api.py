"""The Domino routes the domino backend calls, all from Domino's published API description.

Each method is one route of ``domino_flows/testing/schemas`` (Domino's published v4 and public API
descriptions), with the request shape they define. They go through python-domino's authenticated
``requests`` session; idempotent ones through :func:`~domino_flows.backends.domino_client.
call_with_retry`. Starting a job is the one call that is not repeated here: see
``domino_jobs.start_job``.

The only route outside the published description that the backend causes is ``GET /version``,
which python-domino's ``Domino()`` constructor calls (``domino_client.build_client``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import requests
from domino.exceptions import ReloginRequiredException

from domino_flows.backends.domino_client import DominoApiError, RetryPolicy, call_with_retry

FIND_PROJECT = "GET /v4/gateway/projects/findProjectByOwnerAndName"
TIERS = "GET /v4/projects/{projectId}/hardwareTiers"
ENVIRONMENTS = "GET /v4/projects/{projectId}/useableEnvironments"
RESOLVE_DEFAULTS = "POST /v4/jobs/{projectId}/resolveJobDefaults"
DATASETS = "GET /api/datasetrw/v1/datasets"
DATA_MOUNTS = "GET /v4/datamount/projects/{projectId}"
UPLOAD = "POST /v4/projects/{projectId}/commits/head/files/{path}"
HEAD_COMMIT = "GET /v4/projects/{projectId}/commits/head"
CONTENT = "GET /api/projects/v1/projects/{projectId}/files/{commitId}/{path}/content"
START = "POST /v4/jobs/start"
JOB = "GET /v4/jobs/{jobId}"
JOBS = "GET /v4/jobs?projectId="
STOP = "POST /v4/jobs/stop"
LOGS = "GET /api/jobs/beta/jobs/{jobId}/logs"
JOB_TAGS = "POST /api/jobs/v1/jobs/{jobId}/tags"
MODELS = "POST /api/registeredmodels/v1"
MODEL_VERSIONS = "POST /api/registeredmodels/v1/{modelName}/versions"
SNAPSHOTS = "POST /api/datasetrw/v1/datasets/{datasetId}/snapshots"

PAGE_SIZE = 100


def _segment(value: str) -> str:
    """A path parameter, URL-encoded whole (a path inside the project keeps its slashes as %2F,
    as the description asks)."""
    return quote(value, safe="")


class _Session:
    """python-domino's authenticated session, without its error logging: it logs the body of
    every refused request at ERROR, while the backend reports a failure once, in its own words,
    after its retries."""

    def __init__(self, manager: Any) -> None:
        self._manager = manager

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self._send("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self._send("POST", url, **kwargs)

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        manager = self._manager
        response = manager.request_session.request(method, url, auth=manager.auth, **kwargs)
        if response.status_code == 409:  # what python-domino calls expired credentials
            raise ReloginRequiredException("Temporary credentials expired")
        response.raise_for_status()
        return response


class DominoRoutes:
    """Domino's published routes for one project, over one python-domino client."""

    def __init__(self, client: Callable[[], Any], host: str, retry: RetryPolicy) -> None:
        self._client = client
        self.host = host
        self.retry = retry

    def _session(self) -> _Session:
        return _Session(self._client().request_manager)

    def _get(
        self,
        endpoint: str,
        path: str,
        params: dict[str, Any] | None = None,
        policy: RetryPolicy | None = None,
    ) -> requests.Response:
        url = self.host + path
        return call_with_retry(
            policy or self.retry, endpoint, lambda: self._session().get(url, params=params)
        )

    # --- project and names --------------------------------------------------------------------

    def find_project(self, owner: str, name: str) -> dict[str, Any]:
        params = {"ownerName": owner, "projectName": name}
        return dict(self._get(FIND_PROJECT, FIND_PROJECT.split()[1], params).json())

    def hardware_tiers(self, project_id: str) -> list[dict[str, Any]]:
        path = f"/v4/projects/{_segment(project_id)}/hardwareTiers"
        return list(self._get(TIERS, path).json())

    def useable_environments(self, project_id: str) -> list[dict[str, Any]]:
        path = f"/v4/projects/{_segment(project_id)}/useableEnvironments"
        return list(self._get(ENVIRONMENTS, path).json().get("environments", []))

    def resolve_job_defaults(self, project_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Read-only on Domino's side, so retried like a GET."""
        url = f"{self.host}/v4/jobs/{_segment(project_id)}/resolveJobDefaults"
        answer = call_with_retry(
            self.retry, RESOLVE_DEFAULTS, lambda: self._session().post(url, json=body)
        )
        return dict(answer.json())

    def datasets(self, project_id: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while True:
            params = {"projectId": project_id, "offset": len(found), "limit": PAGE_SIZE}
            page = self._get(DATASETS, DATASETS.split()[1], params).json()
            items = list(page.get("datasets", []))
            found += items
            meta = page.get("metadata", {})
            total = meta.get("totalCount", meta.get("pagination", {}).get("totalCount"))
            if not items or len(items) < PAGE_SIZE or (total is not None and len(found) >= total):
                return found

    def create_snapshot(self, dataset_id: str, paths: list[str]) -> dict[str, Any]:
        """A new snapshot of dataset ``dataset_id`` holding ``paths`` (relative to the dataset's
        read-write folder): its ``SnapshotDetailsV1``. Not retried: a repeat would make a second
        snapshot."""
        once = replace(self.retry, attempts=1)
        url = f"{self.host}/api/datasetrw/v1/datasets/{_segment(dataset_id)}/snapshots"
        body = {"relativeFilePaths": paths}
        answer = call_with_retry(once, SNAPSHOTS, lambda: self._session().post(url, json=body))
        return dict(answer.json()["snapshot"])

    def data_mounts(self, project_id: str) -> list[dict[str, Any]]:
        """The external data volumes the project mounts (``DataMountDto``: id, name, ...)."""
        path = f"/v4/datamount/projects/{_segment(project_id)}"
        return list(self._get(DATA_MOUNTS, path).json())

    # --- project files ------------------------------------------------------------------------

    def upload(self, project_id: str, path: str, data: bytes) -> None:
        """Upload one file to the head commit of the project files. Uploading the same bytes to
        the same path again changes nothing a job sees, so it is retried like a GET."""
        url = f"{self.host}/v4/projects/{_segment(project_id)}/commits/head/files/{_segment(path)}"
        call_with_retry(
            self.retry,
            UPLOAD,
            lambda: self._session().post(url, files={"upfile": (path.rsplit("/", 1)[-1], data)}),
        )

    def head_commit(self, project_id: str) -> str:
        """The id of the project files' newest commit."""
        path = f"/v4/projects/{_segment(project_id)}/commits/head"
        return str(self._get(HEAD_COMMIT, path).json()["id"])

    def file_content(self, project_id: str, commit: str, path: str) -> bytes | None:
        """A file of the project at ``commit``; None if it is not there."""
        route = (
            f"/api/projects/v1/projects/{_segment(project_id)}/files/{_segment(commit)}/"
            f"{_segment(path)}/content"
        )
        try:
            return bytes(self._get(CONTENT, route).content)
        except DominoApiError as error:
            if error.status == 404:
                return None
            raise

    # --- jobs ---------------------------------------------------------------------------------

    def post_start(self, body: dict[str, Any]) -> dict[str, Any]:
        """One POST /v4/jobs/start, not retried (see ``domino_jobs.start_job``)."""
        return dict(self._session().post(f"{self.host}/v4/jobs/start", json=body).json())

    def job(self, job_id: str, policy: RetryPolicy | None = None) -> dict[str, Any]:
        return dict(self._get(JOB, f"/v4/jobs/{_segment(job_id)}", policy=policy).json())

    def jobs_page(self, project_id: str, page: int) -> dict[str, Any]:
        """One page of the project's jobs, newest first."""
        params = {
            "projectId": project_id,
            "page_no": page,
            "page_size": PAGE_SIZE,
            "order_by": "number",
            "sort_by": "desc",
        }
        return dict(self._get(JOBS, "/v4/jobs", params).json())

    def stop(self, job_id: str, policy: RetryPolicy | None = None) -> None:
        body = {"jobId": job_id, "commitResults": True}
        call_with_retry(
            policy or self.retry,
            STOP,
            lambda: self._session().post(f"{self.host}/v4/jobs/stop", json=body),
        )

    def logs(self, job_id: str, limit: int) -> str:
        path = f"/api/jobs/beta/jobs/{_segment(job_id)}/logs"
        answer = self._get(LOGS, path, {"limit": limit}).json()
        lines = answer.get("logs", {}).get("logContent", [])
        return "\n".join(str(entry.get("log", "")) for entry in lines)

    def tag_job(self, job_id: str, project_id: str, tag: str) -> dict[str, Any]:
        """Add one tag to a job. A tag the job already has changes nothing, so it is retried."""
        url = f"{self.host}/api/jobs/v1/jobs/{_segment(job_id)}/tags"
        body = {"tagName": tag, "projectId": project_id}
        answer = call_with_retry(self.retry, JOB_TAGS, lambda: self._session().post(url, json=body))
        return dict(answer.json())

    def register_model_version(
        self, project_id: str, name: str, run_id: str, artifact: str, description: str
    ) -> int:
        """A new version of registered model ``name`` from MLflow run ``run_id``; the model is
        created (as its version 1) when it does not exist. Not retried: a repeat would make a
        second version."""
        once = replace(self.retry, attempts=1)
        url = f"{self.host}/api/registeredmodels/v1/{_segment(name)}/versions"
        body = {"experimentRunId": run_id, "artifact": artifact, "description": description}
        try:
            answer = call_with_retry(
                once, MODEL_VERSIONS, lambda: self._session().post(url, json=body)
            )
            return int(answer.json()["modelVersion"])
        except DominoApiError as error:
            if error.status != 404:
                raise
        new = {
            "modelName": name,
            "experimentRunId": run_id,
            "discoverable": False,
            "description": description,
        }
        created = call_with_retry(
            once,
            MODELS,
            lambda: self._session().post(f"{self.host}/api/registeredmodels/v1", json=new),
        )
        return int(created.json().get("latestVersion") or 1)
