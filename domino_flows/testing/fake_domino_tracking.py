"""Where the fake Domino keeps what jobs record for users: job tags and an MLflow tracking store.

- ``POST /api/jobs/v1/jobs/{jobId}/tags`` (``TagToAddV1`` in, ``TagEnvelopeV1`` out, as Domino's
  published description has them): a job's tags, listed in :attr:`job_tags` by job id. A tag the
  job already has is answered with the one it has, not added twice.
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
from domino_flows.testing.fake_domino_jobs import FakeJob, new_id

TRACKING_FOLDER = "mlruns"
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
