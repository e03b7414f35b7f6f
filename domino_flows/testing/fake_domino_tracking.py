"""Where the fake Domino keeps what jobs record for users: job tags and an MLflow tracking store.

- ``POST /api/jobs/v1/jobs/{jobId}/tags`` (``TagToAddV1`` in, ``TagEnvelopeV1`` out, as Domino's
  published description has them): a job's tags, listed in :attr:`job_tags` by job id. A tag the
  job already has is answered with the one it has, not added twice.
- ``POST /api/registeredmodels/v1`` and ``POST /api/registeredmodels/v1/{modelName}/versions``:
  registered models and their versions (:attr:`registered_models`), each version made from an
  experiment run id as Domino's model registry makes them.
- Every job gets ``MLFLOW_TRACKING_URI``, as Domino sets it in every job: here an MLflow file
  store in the fake's work folder (:attr:`tracking_uri`), which tests read with MLflow's own
  client. Domino's tracking server is reached through a proxy inside the job; a file store stands
  for it without a server.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

from domino_flows.testing.fake_domino_http import Response, error_response, json_response
from domino_flows.testing.fake_domino_jobs import TRACKING_FOLDER, FakeJob, new_id

CREATOR_ID = "6231342b7a0af0281c01a69e"


class TrackingApi:
    """Job tags and the jobs' tracking store; a mixin of ``FakeDomino``."""

    workdir: Path
    project_id: str
    jobs: dict[str, FakeJob]
    _lock: threading.RLock

    @property
    def job_tags(self) -> dict[str, list[dict[str, Any]]]:
        """Job id -> its tags (``TagV1`` bodies), in the order they were added."""
        if not hasattr(self, "_job_tags"):
            self._job_tags: dict[str, list[dict[str, Any]]] = {}
        return self._job_tags

    @property
    def tracking_uri(self) -> str:
        """The MLflow store every job's ``MLFLOW_TRACKING_URI`` names."""
        return (self.workdir / TRACKING_FOLDER).resolve().as_uri()

    def tracking_environment(self) -> dict[str, str]:
        # MLflow 3 refuses file stores unless asked; Domino's is a server, this one is a folder
        return {"MLFLOW_TRACKING_URI": self.tracking_uri, "MLFLOW_ALLOW_FILE_STORE": "true"}

    @property
    def registered_models(self) -> dict[str, list[dict[str, Any]]]:
        """Model name -> its versions (``RegisteredModelVersionDetailsV1`` bodies), oldest first."""
        if not hasattr(self, "_registered_models"):
            self._registered_models: dict[str, list[dict[str, Any]]] = {}
        return self._registered_models

    owner: str
    project_name: str
    project_type: str

    def _project_summary(self) -> dict[str, Any]:
        return {
            "id": self.project_id,
            "name": self.project_name,
            "ownerUsername": self.owner,
            "isGitBasedProject": self.project_type == "git",
        }

    def _model_version(self, name: str, run_id: str, description: str) -> dict[str, Any]:
        versions = self.registered_models.setdefault(name, [])
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        version = {
            "modelName": name,
            "modelVersion": len(versions) + 1,
            "modelVersionDescription": description,
            "experimentRunId": run_id,
            "project": self._project_summary(),
            "versionUiDetails": {
                "experimentRunInfo": {"metrics": [], "params": [], "runUrl": f"/runs/{run_id}"},
                "modelVersionDataSources": [],
                "modelVersionDatasets": [],
            },
            "tags": {},
            "ownerUsername": self.owner,
            "createdAt": stamp,
            "updatedAt": stamp,
        }
        versions.append(version)
        return version

    def _api_register_model(self, params: Any, query: Any, body: bytes) -> Response:
        request = json.loads(body or b"{}")
        name = request["modelName"]
        with self._lock:
            if name in self.registered_models:
                return error_response(400, f"registered model {name!r} already exists")
            version = self._model_version(
                name, request["experimentRunId"], request.get("description", "")
            )
        access = {
            key: True
            for key in (
                "canEditModel",
                "canEditProjectAssets",
                "canViewExperimentRuns",
                "canViewModelApis",
                "canViewProject",
                "canViewProjectFiles",
            )
        }
        return json_response(
            200,
            {
                "name": name,
                "description": request.get("description", ""),
                "discoverable": bool(request.get("discoverable")),
                "latestVersion": version["modelVersion"],
                "project": self._project_summary(),
                "tags": {},
                "ownerUsername": self.owner,
                "createdAt": version["createdAt"],
                "updatedAt": version["updatedAt"],
                "requestingUserAccess": access,
            },
        )

    def _api_model_versions(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        request = json.loads(body or b"{}")
        name = params["modelName"]
        with self._lock:
            if name not in self.registered_models:
                return error_response(404, f"registered model {name!r} not found")
            version = self._model_version(name, request["experimentRunId"], request["description"])
        return json_response(200, version)

    def _api_job_tags(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        request = json.loads(body or b"{}")
        if request.get("projectId") != self.project_id:
            return error_response(404, f"project {request.get('projectId')} not found")
        job_id = params["jobId"]
        with self._lock:
            if job_id not in self.jobs:
                return error_response(404, f"job {job_id} not found")
            tags = self.job_tags.setdefault(job_id, [])
            tag = next((t for t in tags if t["name"] == request["tagName"]), None)
            if tag is None:
                tag = {
                    "id": new_id(job_id, request["tagName"])[:24],
                    "name": request["tagName"],
                    "creatorId": CREATOR_ID,
                    "createdAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
                }
                tags.append(tag)
        return json_response(200, {"tag": tag, "metadata": {"requestId": new_id(), "notices": []}})
