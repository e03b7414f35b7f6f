"""The REST endpoints of the fake Domino server, as a mixin of :class:`FakeDomino`.

Answers carry the fields python-domino and the domino backend read; see the module docstring of
``fake_domino`` for the list of endpoints.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

from domino_flows.testing.fake_domino_http import Response, json_response
from domino_flows.testing.fake_domino_jobs import FakeJob, new_id, safe_relative

# The specific revision the fake resolves "the active revision" to.
ACTIVE_REVISION_ID = "5f0c3e5e8a1b2c3d4e5f6a7b"


class DominoApi:
    """Endpoint handlers: ``_api_<route>(params, query, body) -> (status, headers, body)``."""

    # provided by FakeDomino, with head, commit_ids, tree(), add_files(), _run_job(), _stop_job()
    owner: str
    project_name: str
    project_id: str
    version: str
    environments: dict[str, str]
    hardware_tiers: dict[str, str]
    jobs: dict[str, FakeJob]
    workdir: Path
    _lock: threading.RLock
    _next_job_end: list[str]
    _numbers: Any

    def handle(
        self, method: str, name: str, params: dict[str, str], query: dict[str, str], body: bytes
    ) -> Response:
        action = getattr(self, f"_api_{name}")
        return action(params, query, body)  # type: ignore[no-any-return]

    def _check_project(self, params: dict[str, str]) -> Response | None:
        if "pid" in params and params["pid"] != self.project_id:
            return json_response(404, {"message": f"project {params['pid']} not found"})
        if "o" in params and (params["o"], params["p"]) != (self.owner, self.project_name):
            return json_response(404, {"message": f"project {params['o']}/{params['p']} not found"})
        return None

    def _api_version(self, params: Any, query: Any, body: bytes) -> Response:
        return json_response(200, {"version": self.version, "commitHash": "fake"})

    def _api_find_project(self, params: Any, query: dict[str, str], body: bytes) -> Response:
        if (query.get("ownerName"), query.get("projectName")) != (self.owner, self.project_name):
            return json_response(404, {"message": "project not found"})
        return json_response(
            200,
            {"id": self.project_id, "name": self.project_name, "ownerUsername": self.owner},
        )

    def _api_hardware_tiers(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        return self._check_project(params) or json_response(
            200,
            [
                {"hardwareTier": {"id": tier_id, "name": name, "isDefault": index == 0}}
                for index, (name, tier_id) in enumerate(self.hardware_tiers.items())
            ],
        )

    def _environment_list(self) -> list[dict[str, Any]]:
        return [
            {"id": env_id, "name": name, "visibility": "Global"}
            for name, env_id in self.environments.items()
        ]

    def _api_useable_environments(self, params: dict[str, str], q: Any, b: bytes) -> Response:
        return self._check_project(params) or json_response(
            200, {"environments": self._environment_list()}
        )

    def _api_environments(self, params: Any, query: Any, body: bytes) -> Response:
        return json_response(200, {"data": self._environment_list()})

    def _api_commits(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        return self._check_project(params) or json_response(
            200, [{"id": c} for c in reversed(self.commit_ids)]
        )

    def _api_upload(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        refused = self._check_project(params)
        if refused:
            return refused
        path = safe_relative(params["path"])
        self.add_files({path: body})
        return json_response(201, {"path": "/" + path, "size": len(body)})

    def _api_files_list(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        refused = self._check_project(params)
        if refused:
            return refused
        if params["commit"] not in self.commit_ids:
            return json_response(404, {"message": f"commit {params['commit']} not found"})
        relative = safe_relative(params.get("path") or "")
        folder = self.tree(params["commit"]) / relative
        if not folder.is_dir():
            return json_response(404, {"message": f"no folder {relative!r} at that commit"})
        entries = []
        for child in sorted(folder.iterdir()):
            path = f"{relative}/{child.name}" if relative else child.name
            is_dir = child.is_dir()
            entries.append(
                {
                    "path": path,
                    "isDir": is_dir,
                    "size": 0 if is_dir else child.stat().st_size,
                    "key": None if is_dir else hashlib.sha1(child.read_bytes()).hexdigest(),
                    "lastModified": int(child.stat().st_mtime * 1000),
                }
            )
        return json_response(200, {"data": entries})

    def _api_file_content(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        refused = self._check_project(params)
        if refused:
            return refused
        if params["commit"] not in self.commit_ids:
            return json_response(404, {"message": f"commit {params['commit']} not found"})
        path = self.tree(params["commit"]) / safe_relative(params["path"])
        if not path.is_file():
            return json_response(404, {"message": f"no file {params['path']!r} at that commit"})
        return 200, {"Content-Type": "application/octet-stream"}, path.read_bytes()

    def _api_job_start(self, params: Any, query: Any, body: bytes) -> Response:
        request = json.loads(body or b"{}")
        if request.get("projectId") != self.project_id:
            return json_response(400, {"message": "projectId is not this project's id"})
        if not request.get("commandToRun"):
            return json_response(400, {"message": "commandToRun is required"})
        commit = request.get("commitId") or self.head
        if commit not in self.commit_ids:
            return json_response(400, {"message": f"commit {commit} not found"})
        tier = request.get("overrideHardwareTierId")
        if tier is not None and tier not in self.hardware_tiers.values():
            return json_response(400, {"message": f"hardware tier {tier} not found"})
        environment = request.get("environmentId")
        if environment is not None and environment not in self.environments.values():
            return json_response(400, {"message": f"environment {environment} not found"})
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
        return json_response(200, self._job_summary(job))

    def _api_resolve_defaults(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        """The project's defaults: its first hardware tier and environment, the newest commit."""
        refused = self._check_project(params)
        if refused:
            return refused
        return json_response(
            200,
            {
                "commitId": self.head,
                "mainRepoGitRef": None,
                "hardwareTierId": {"value": next(iter(self.hardware_tiers.values()), None)},
                "environmentId": next(iter(self.environments.values()), None),
                # ResolvedJobProperties: a specific revision, and every required list
                "environmentRevisionSpec": {"revisionId": ACTIVE_REVISION_ID},
                "computeClusterProperties": None,
                "volumeSizeGiB": 10.0,
                "datasetSnapshots": [],
                "netAppVolumeSnapshots": [],
                "externalVolumeMountIds": [],
                "netAppVolumeIds": [],
            },
        )

    def _job_summary(self, job: FakeJob) -> dict[str, Any]:
        return {
            "id": job.id,
            "number": job.number,
            "projectId": self.project_id,
            "title": job.title,
            "jobRunCommand": job.command,
            "commitId": job.commit_id,
            "status": job.status,
        }

    def _job_or_404(self, job_id: str) -> FakeJob | Response:
        job = self.jobs.get(job_id)
        return (
            job if job is not None else json_response(404, {"message": f"job {job_id} not found"})
        )

    def _api_job_status(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        job = self._job_or_404(params["job"])
        if not isinstance(job, FakeJob):
            return job
        return json_response(
            200,
            {
                **self._job_summary(job),
                "statuses": {
                    "isCompleted": job.is_completed,
                    "executionStatus": job.status,
                    "isArchived": False,
                    "isScheduled": False,
                },
                "stageTime": {"submissionTime": int(job.submitted * 1000)},
                "commitDetails": {
                    "inputCommitId": job.commit_id,
                    "outputCommitId": job.output_commit_id,
                },
                "hardwareTier": {"id": job.hardware_tier_id},
                "environment": {"environmentId": job.environment_id},
            },
        )

    def _api_job_stop(self, params: Any, query: Any, body: bytes) -> Response:
        request = json.loads(body or b"{}")
        if request.get("projectId") != self.project_id:
            return json_response(400, {"message": "projectId is not this project's id"})
        job = self._job_or_404(str(request.get("jobId")))
        if not isinstance(job, FakeJob):
            return job
        if not job.is_completed:
            self._stop_job(job, commit=bool(request.get("commitResults", True)))
        return json_response(200, {"id": job.id})

    def _run_entry(self, job: FakeJob) -> dict[str, Any]:
        return {
            "id": job.id,
            "number": job.number,
            "projectId": self.project_id,
            "title": job.title,
            "command": job.command,
            "commitId": job.commit_id,
            "outputCommitId": job.output_commit_id,
            "status": job.status,
            "isCompleted": job.is_completed,
        }

    def _api_runs_list(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        runs = [self._run_entry(j) for j in sorted(self.jobs.values(), key=lambda j: -j.number)]
        return self._check_project(params) or json_response(200, {"data": runs})

    def _api_jobs_list(self, params: Any, query: dict[str, str], body: bytes) -> Response:
        if query.get("projectId") != self.project_id:
            return json_response(404, {"message": "project not found"})
        jobs = [self._run_entry(j) for j in sorted(self.jobs.values(), key=lambda j: -j.number)]
        return json_response(200, {"jobs": jobs, "totalCount": len(jobs)})

    def _api_stdout(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        refused = self._check_project(params)
        if refused:
            return refused
        job = self._job_or_404(params["job"])
        if not isinstance(job, FakeJob):
            return job
        text = job.log_path.read_text("utf-8", errors="replace") if job.log_path.exists() else ""
        return json_response(200, {"stdout": text, "setup": "[fake-domino] setup done\n"})
