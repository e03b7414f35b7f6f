"""The REST endpoints of the fake Domino server, as a mixin of :class:`FakeDomino`.

Requests reach these handlers only after they matched Domino's published description
(``fake_domino_http``); the answers are built by ``fake_domino_bodies`` and checked against the
description before they are sent. What Domino would refuse for reasons the schema cannot say (an
unknown tier, environment or commit, another project's id) is refused here, as Domino does.
"""

from __future__ import annotations

import itertools
import json
import threading
from pathlib import Path
from typing import Any

from domino_flows.testing import fake_domino_bodies as bodies
from domino_flows.testing.fake_domino_http import Response, error_response, json_response
from domino_flows.testing.fake_domino_jobs import FakeJob, new_id, safe_relative
from domino_flows.testing.fake_domino_project import FakeProject

# The specific revision the fake resolves "the active revision" to.
ACTIVE_REVISION_ID = "5f0c3e5e8a1b2c3d4e5f6a7b"


def _multipart_file(body: bytes, field: str) -> bytes:
    """The content of ``field`` in a multipart/form-data body."""
    for part in body.split(b"\r\n--"):
        head, sep, content = part.partition(b"\r\n\r\n")
        if sep and f'name="{field}"'.encode() in head:
            return content[:-2] if content.endswith(b"\r\n") else content
    raise ValueError(f"multipart field {field!r} is missing")


class DominoApi(FakeProject):
    """Endpoint handlers: ``_api_<route>(params, query, body) -> (status, headers, body)``."""

    # provided by FakeDomino
    version: str
    hardware_tiers: dict[str, str]
    datasets: dict[str, str]
    data_mounts: dict[str, str]
    main_repository: dict[str, Any] | None
    workdir: Path
    _lock: threading.RLock
    _next_job_end: list[str]
    _numbers: itertools.count[int]

    @property
    def head(self) -> str:
        raise NotImplementedError

    def _commit_times(self) -> dict[str, float]:
        raise NotImplementedError

    def _run_job(self, job: FakeJob) -> None:
        raise NotImplementedError

    def _stop_job(self, job: FakeJob, commit: bool) -> None:
        raise NotImplementedError

    def handle(
        self, method: str, name: str, params: dict[str, str], query: dict[str, str], body: bytes
    ) -> Response:
        action = getattr(self, f"_api_{name}")
        response: Response = action(params, query, body)
        return response

    def _other_project(self, project_id: str | None) -> Response | None:
        if project_id != self.project_id:
            return error_response(404, f"project {project_id} not found")
        return None

    # --- project, names ---------------------------------------------------------------------------

    def _api_version(self, params: Any, query: Any, body: bytes) -> Response:
        return json_response(200, {"version": self.version, "commitHash": "fake"})

    def _api_find_project(self, params: Any, query: dict[str, str], body: bytes) -> Response:
        if (query.get("ownerName"), query.get("projectName")) != (self.owner, self.project_name):
            return error_response(404, "project not found")
        return json_response(
            200,
            bodies.project_overview(
                self.project_id, self.owner, self.project_name, self.main_repository
            ),
        )

    def _api_hardware_tiers(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        return self._other_project(params["projectId"]) or json_response(
            200,
            [
                bodies.hardware_tier(tier_id, name, index == 0)
                for index, (name, tier_id) in enumerate(self.hardware_tier_list())
            ],
        )

    def hardware_tier_list(self) -> list[tuple[str, str]]:
        """(name, id) of every tier the project can use (several may share a name)."""
        return list(self.hardware_tiers.items()) + list(getattr(self, "extra_tiers", []))

    def _api_useable_environments(self, params: dict[str, str], q: Any, b: bytes) -> Response:
        return self._other_project(params["projectId"]) or json_response(
            200,
            {
                "environments": [
                    bodies.environment(env_id, name) for name, env_id in self.environments.items()
                ]
            },
        )

    def _api_resolve_defaults(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        refused = self._other_project(params["projectId"])
        if refused:
            return refused
        request = json.loads(body or b"{}")
        for snapshot in request.get("datasetSnapshots") or []:
            if snapshot["datasetId"] not in self.datasets.values():
                return error_response(400, f"dataset {snapshot['datasetId']} not found")
        for volume in request.get("externalVolumeMountIds") or []:
            if volume not in self.data_mounts.values():
                return error_response(400, f"external data volume {volume} not found")
        return json_response(
            200,
            bodies.resolved_defaults(
                request,
                self.head,
                next(iter(self.hardware_tiers.values()), ""),
                next(iter(self.environments.values()), "0" * 24),
                ACTIVE_REVISION_ID,
            ),
        )

    def _api_data_mounts(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        return self._other_project(params["projectId"]) or json_response(
            200,
            [
                bodies.data_mount(mount_id, name, self.project_id)
                for name, mount_id in sorted(self.data_mounts.items())
            ],
        )

    # --- project files ---------------------------------------------------------------------------

    def _api_upload(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        refused = self._other_project(params["projectId"])
        if refused:
            return refused
        path = safe_relative(params["path"])
        content = _multipart_file(body, "upfile")
        self.add_files({path: content})
        return json_response(
            201,
            {
                "path": path,
                "size": len(content),
                "key": new_id("key", path)[:40],
                "lastModified": 0,
                "goalIds": [],
            },
        )

    def _commit_entry(self, commit: str) -> dict[str, Any]:
        return {"id": commit, "name": commit, "commitTime": int(self._commit_times()[commit])}

    def _api_head_commit(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        return self._other_project(params["projectId"]) or json_response(
            200, self._commit_entry(self.head)
        )

    def _api_commits(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        return self._other_project(params["projectId"]) or json_response(
            200, [self._commit_entry(c) for c in reversed(self.commit_ids)]
        )

    def _api_file_content(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        refused = self._other_project(params["projectId"])
        if refused:
            return refused
        if params["commitId"] not in self.commit_ids:
            return error_response(404, f"commit {params['commitId']} not found")
        path = self.tree(params["commitId"]) / safe_relative(params["path"])
        if not path.is_file():
            return error_response(404, f"no file {params['path']!r} at that commit")
        return 200, {"Content-Type": "application/octet-stream"}, path.read_bytes()

    # --- jobs ------------------------------------------------------------------------------------

    def _api_job_start(self, params: Any, query: Any, body: bytes) -> Response:
        request = json.loads(body or b"{}")
        refused = self._other_project(request.get("projectId"))
        if refused:
            return error_response(400, "projectId is not this project's id")
        commit = request.get("commitId") or self.head
        if commit not in self.commit_ids:
            return error_response(400, f"commit {commit} not found")
        tier = request.get("overrideHardwareTierId")
        if tier is not None and tier not in {tier_id for _, tier_id in self.hardware_tier_list()}:
            return error_response(400, f"hardware tier {tier} not found")
        environment = request.get("environmentId")
        if environment is not None and environment not in self.environments.values():
            return error_response(400, f"environment {environment} not found")
        for volume in request.get("externalVolumeMounts") or []:
            if volume not in self.data_mounts.values():
                return error_response(400, f"external data volume {volume} not found")
        with self._lock:
            job_id = new_id("job", len(self.jobs))[:24]
            (self.workdir / "jobs" / job_id).mkdir(parents=True)
            job = FakeJob(
                id=job_id,
                number=next(self._numbers),
                title=request.get("title"),
                command=request["commandToRun"],
                commit_id=commit,
                hardware_tier_id=tier,
                environment_id=environment,
                payload=request,
                log_path=self.workdir / "jobs" / job_id / "log.txt",
                forced_end=self._next_job_end.pop(0) if self._next_job_end else None,
            )
            self.jobs[job_id] = job
        threading.Thread(target=self._run_job, args=(job,), daemon=True).start()
        return json_response(200, bodies.job(job, self.project_id))

    def _job_or_404(self, job_id: str) -> FakeJob | Response:
        job = self.jobs.get(job_id)
        return job if job is not None else error_response(404, f"job {job_id} not found")

    def _api_job_status(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        job = self._job_or_404(params["jobId"])
        if not isinstance(job, FakeJob):
            return job
        return json_response(200, bodies.job(job, self.project_id))

    def _api_job_stop(self, params: Any, query: Any, body: bytes) -> Response:
        request = json.loads(body or b"{}")
        job = self._job_or_404(str(request.get("jobId")))
        if not isinstance(job, FakeJob):
            return job
        if not job.is_completed:
            self._stop_job(job, commit=bool(request.get("commitResults", True)))
        return json_response(200, bodies.job(job, self.project_id))

    def _api_jobs_list(self, params: Any, query: dict[str, str], body: bytes) -> Response:
        if query.get("projectId") != self.project_id:
            return error_response(404, "project not found")
        size = int(float(query.get("page_size", 10)))
        page = int(float(query.get("page_no", 1)))
        jobs = sorted(self.jobs.values(), key=lambda j: -j.number)
        chosen = jobs[(page - 1) * size : page * size]
        return json_response(
            200,
            bodies.job_set(
                [bodies.job(j, self.project_id) for j in chosen],
                len(jobs),
                (page - 1) * size,
                size,
            ),
        )

    def _api_job_logs(self, params: dict[str, str], query: dict[str, str], body: bytes) -> Response:
        job = self._job_or_404(params["jobId"])
        if not isinstance(job, FakeJob):
            return job
        text = job.log_path.read_text("utf-8", errors="replace") if job.log_path.exists() else ""
        limit = int(query.get("limit", 10000))
        text = "\n".join(text.splitlines()[-limit:])
        return json_response(200, bodies.logs(text, job.submitted))
