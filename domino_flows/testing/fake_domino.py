"""A fake Domino deployment on loopback, for testing the domino backend end to end.

It speaks the part of Domino's REST API that python-domino's constructor and the domino backend
use, over real HTTP (``ThreadingHTTPServer`` on 127.0.0.1, a free port, a background thread):

- ``GET /version``, ``GET /v4/gateway/projects/findProjectByOwnerAndName``
- ``GET /v4/projects/{id}/hardwareTiers``, ``GET /v4/projects/{id}/useableEnvironments``,
  ``GET /v1/environments``
- project files: ``PUT /v1/projects/{o}/{p}/{path}`` (one commit per upload),
  ``GET /v1/projects/{o}/{p}/files/{commit}/{path}``, ``GET /v1/projects/{o}/{p}/commits``,
  ``GET /api/projects/v1/projects/{id}/files/{commit}/{path}/content``
- jobs: ``POST /v4/jobs/start``, ``GET /v4/jobs/{id}``, ``POST /v4/jobs/stop``,
  ``GET /v4/jobs?projectId=``, ``GET /v1/projects/{o}/{p}/runs``,
  ``POST /v4/jobs/{id}/resolveJobDefaults``,
  ``GET /v1/projects/{o}/{p}/run/{id}/stdout``

Every commit is a full snapshot of the project tree in a directory (files hard-linked between
commits, never modified in place). A started job is a real subprocess, ``/bin/sh -c <command>``,
run in a fresh checkout of its commit in its own session, stopped with the local backend's session
handling (``local_process.terminate_session``); when it ends, the files it created or changed are
committed on top of the newest commit as the job's output commit, as Domino does.

Requests need the server's API key (``X-Domino-Api-Key`` or ``Authorization: Bearer``). Faults can
be injected per route: fail the next calls with a status (and ``Retry-After``), drop the connection,
either before or after the server acted; and the next job can be made to end Stopped or Error.
"""

from __future__ import annotations

import contextlib
import filecmp
import hashlib
import itertools
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from domino_flows.backends.local_process import terminate_session

DEFAULT_API_KEY = "fake-domino-api-key-0123456789abcdef"
DEFAULT_ENVIRONMENTS = {
    "Python 3.11": "env-python311",
    "GPU Python 3.11": "env-gpu-python311",
    "Domino Standard Environment": "env-standard",
}
DEFAULT_HARDWARE_TIERS = {"Small": "small-k8s", "Medium": "medium-k8s", "Large": "large-k8s"}
# Variables a job must not inherit from the test process: credentials, and contract paths that
# would point the job at the wrong folders.
_JOB_ENV_DROP = (
    "DOMINO_USER_API_KEY",
    "DOMINO_TOKEN_FILE",
    "DOMINO_API_PROXY",
    "DOMINO_RUN_ID",
    "DOMINO_FLOWS_INPUTS_DIR",
    "DOMINO_FLOWS_OUTPUTS_DIR",
    "DOMINO_FLOWS_PROJECT_ROOT",
)

Response = tuple[int, dict[str, str], bytes]

_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    (m, re.compile(p), n)
    for m, p, n in [
        ("GET", r"^/version$", "version"),
        ("GET", r"^/v4/gateway/projects/findProjectByOwnerAndName$", "find_project"),
        ("GET", r"^/v4/projects/(?P<pid>[^/]+)/hardwareTiers$", "hardware_tiers"),
        ("GET", r"^/v4/projects/(?P<pid>[^/]+)/useableEnvironments$", "useable_environments"),
        ("GET", r"^/v1/environments$", "environments"),
        ("GET", r"^/v1/projects/(?P<o>[^/]+)/(?P<p>[^/]+)/commits$", "commits"),
        ("GET", r"^/v1/projects/(?P<o>[^/]+)/(?P<p>[^/]+)/runs$", "runs_list"),
        ("GET", r"^/v1/projects/(?P<o>[^/]+)/(?P<p>[^/]+)/run/(?P<job>[^/]+)/stdout$", "stdout"),
        (
            "GET",
            r"^/v1/projects/(?P<o>[^/]+)/(?P<p>[^/]+)/files/(?P<commit>[^/]+)(?:/(?P<path>.*))?$",
            "files_list",
        ),
        (
            "GET",
            r"^/api/projects/v1/projects/(?P<pid>[^/]+)/files/(?P<commit>[^/]+)/(?P<path>.+)/content$",
            "file_content",
        ),
        ("PUT", r"^/v1/projects/(?P<o>[^/]+)/(?P<p>[^/]+)/(?P<path>.+)$", "upload"),
        ("POST", r"^/v4/jobs/start$", "job_start"),
        ("POST", r"^/v4/jobs/(?P<pid>[^/]+)/resolveJobDefaults$", "resolve_defaults"),
        ("POST", r"^/v4/jobs/stop$", "job_stop"),
        ("GET", r"^/v4/jobs$", "jobs_list"),
        ("GET", r"^/v4/jobs/(?P<job>[^/]+)$", "job_status"),
    ]
]


@dataclass
class Fault:
    """What to do instead of answering the next ``times`` calls of a route."""

    status: int | None = 503
    retry_after: float | None = None
    drop: bool = False
    after_acting: bool = False
    times: int = 1


@dataclass
class FakeJob:
    id: str
    number: int
    title: str | None
    command: str
    commit_id: str
    hardware_tier_id: str | None
    environment_id: str | None
    payload: dict[str, Any]
    log_path: Path
    status: str = "Queued"
    output_commit_id: str | None = None
    exit_code: int | None = None
    forced_end: str | None = None
    stop_requested: bool = False
    commit_results: bool = True
    process: subprocess.Popen[bytes] | None = None
    done: threading.Event = field(default_factory=threading.Event)
    submitted: float = field(default_factory=time.time)

    @property
    def is_completed(self) -> bool:
        return self.status in ("Succeeded", "Failed", "Error", "Stopped")


def _new_id(*parts: object) -> str:
    return hashlib.sha1(repr((parts, time.time_ns())).encode()).hexdigest()


def _safe_relative(path: str) -> str:
    parts = [p for p in path.strip("/").split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise ValueError(path)
    return "/".join(parts)


class FakeDomino:
    """The fake deployment. Use as a context manager, or call start() and stop()."""

    def __init__(
        self,
        workdir: Path,
        *,
        owner: str = "alice",
        project: str = "flows",
        api_key: str = DEFAULT_API_KEY,
        environments: dict[str, str] | None = None,
        hardware_tiers: dict[str, str] | None = None,
        version: str = "5.11.0",
        python: str = sys.executable,
    ) -> None:
        self.workdir = Path(workdir)
        self.owner = owner
        self.project_name = project
        self.api_key = api_key
        self.environments = dict(DEFAULT_ENVIRONMENTS if environments is None else environments)
        self.hardware_tiers = dict(
            DEFAULT_HARDWARE_TIERS if hardware_tiers is None else hardware_tiers
        )
        self.version = version
        self.python = python
        self.project_id = hashlib.sha1(f"{owner}/{project}".encode()).hexdigest()[:24]
        self.calls: list[tuple[str, str]] = []
        self.requests: list[dict[str, Any]] = []
        self.jobs: dict[str, FakeJob] = {}
        self._commits: list[str] = []  # oldest first
        self._faults: dict[str, list[Fault]] = {}
        self._next_job_end: list[str] = []
        self._numbers = itertools.count(1)
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        (self.workdir / "commits").mkdir(parents=True, exist_ok=True)
        (self.workdir / "jobs").mkdir(parents=True, exist_ok=True)
        self._add_commit(None, lambda tree: None)

    # --- lifecycle ------------------------------------------------------------------------------

    @property
    def project(self) -> str:
        return f"{self.owner}/{self.project_name}"

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake Domino server is not started; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeDomino:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-domino",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        for job in list(self.jobs.values()):
            if not job.done.is_set():
                self._stop_job(job, commit=False)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for job in list(self.jobs.values()):
            job.done.wait(10)

    def __enter__(self) -> FakeDomino:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- test helpers -----------------------------------------------------------------------------

    def fail_next(
        self,
        route: str,
        times: int = 1,
        status: int = 503,
        retry_after: float | None = None,
        after_acting: bool = False,
    ) -> None:
        """Answer the next ``times`` calls of ``route`` with ``status`` (and ``Retry-After``).
        ``after_acting``: do the work first (e.g. create the job), then answer with the error."""
        with self._lock:
            self._faults.setdefault(route, []).append(
                Fault(status, retry_after, False, after_acting, times)
            )

    def drop_next(self, route: str, times: int = 1, after_acting: bool = True) -> None:
        """Close the connection without answering the next ``times`` calls of ``route``."""
        with self._lock:
            self._faults.setdefault(route, []).append(Fault(None, None, True, after_acting, times))

    def end_next_job_as(self, status: str) -> None:
        """Make the next started job end ``Stopped`` (stopped while running) or ``Error``
        (never runs: the platform failed to start it)."""
        if status not in ("Stopped", "Error"):
            raise ValueError("end_next_job_as takes 'Stopped' or 'Error'")
        with self._lock:
            self._next_job_end.append(status)

    def count(self, route: str) -> int:
        """How many requests reached ``route`` (faulted ones included)."""
        with self._lock:
            return sum(1 for _, name in self.calls if name == route)

    @property
    def job_count(self) -> int:
        return len(self.jobs)

    @property
    def head(self) -> str:
        with self._lock:
            return self._commits[-1]

    @property
    def commit_ids(self) -> list[str]:
        with self._lock:
            return list(self._commits)

    def tree(self, commit: str | None = None) -> Path:
        """The directory holding the project tree at ``commit`` (default: the newest). Read only."""
        return self.workdir / "commits" / (commit or self.head)

    def add_files(self, files: dict[str, bytes | str]) -> str:
        """Commit ``{path: content}`` on top of the newest commit; returns the commit id."""

        def apply(tree: Path) -> None:
            for path, content in files.items():
                target = tree / _safe_relative(path)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.unlink(missing_ok=True)
                data = content.encode() if isinstance(content, str) else content
                target.write_bytes(data)

        return self._add_commit(self.head, apply)

    def add_tree(self, source: Path, destination: str = "", ignore: tuple[str, ...] = ()) -> str:
        """Commit a local folder (e.g. your project's code) under ``destination``."""
        patterns = shutil.ignore_patterns("__pycache__", ".git", ".domino-flows", *ignore)

        def apply(tree: Path) -> None:
            target = tree / _safe_relative(destination) if destination else tree
            shutil.copytree(source, target, ignore=patterns, dirs_exist_ok=True)

        return self._add_commit(self.head, apply)

    def read_file(self, path: str, commit: str | None = None) -> bytes:
        return (self.tree(commit) / _safe_relative(path)).read_bytes()

    def wait_for_jobs(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        for job in list(self.jobs.values()):
            job.done.wait(max(0.0, deadline - time.monotonic()))

    # --- commits ----------------------------------------------------------------------------------

    def _add_commit(self, base: str | None, apply: Any) -> str:
        with self._lock:
            commit = _new_id("commit", len(self._commits))
            tree = self.workdir / "commits" / commit
            if base is None:
                tree.mkdir()
            else:
                shutil.copytree(self.tree(base), tree, copy_function=os.link, symlinks=True)
            apply(tree)
            self._commits.append(commit)
            return commit

    def _commit_job_results(self, job: FakeJob, checkout: Path) -> str:
        """Files the job created or changed, on top of the newest commit."""
        base = self.tree(job.commit_id)

        def apply(tree: Path) -> None:
            for path in sorted(checkout.rglob("*")):
                if path.is_symlink() or not path.is_file():
                    continue
                relative = path.relative_to(checkout)
                before = base / relative
                if before.is_file() and filecmp.cmp(before, path, shallow=False):
                    continue
                target = tree / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.unlink(missing_ok=True)
                shutil.copyfile(path, target)

        return self._add_commit(self.head, apply)

    # --- jobs -------------------------------------------------------------------------------------

    def _job_env(self, job: FakeJob) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _JOB_ENV_DROP}
        env["PATH"] = os.path.dirname(self.python) + os.pathsep + env.get("PATH", "")
        env["DOMINO_PROJECT_OWNER"] = self.owner
        env["DOMINO_PROJECT_NAME"] = self.project_name
        env["DOMINO_FAKE_JOB_ID"] = job.id
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def _log(self, job: FakeJob, line: str) -> None:
        with job.log_path.open("a", encoding="utf-8") as handle:
            handle.write(f"[fake-domino] {line}\n")

    def _run_job(self, job: FakeJob) -> None:
        try:
            self._run_job_inner(job)
        finally:
            job.done.set()

    def _run_job_inner(self, job: FakeJob) -> None:
        self._log(job, f"job {job.number} ({job.id}) at commit {job.commit_id}")
        if job.forced_end == "Error":
            self._log(job, "the job's container failed to start (injected Error)")
            job.status = "Error"
            return
        checkout = self.workdir / "jobs" / job.id / "mnt"
        shutil.copytree(self.tree(job.commit_id), checkout, symlinks=True)
        with job.log_path.open("ab") as log:
            job.status = "Running"
            job.process = subprocess.Popen(
                ["/bin/sh", "-c", job.command],
                cwd=checkout,
                env=self._job_env(job),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            if job.forced_end == "Stopped" or job.stop_requested:
                self._stop_job(job, commit=True)
            job.exit_code = job.process.wait()
        if job.stop_requested:
            self._log(job, "the job was stopped")
            if job.commit_results:
                job.output_commit_id = self._commit_job_results(job, checkout)
            job.status = "Stopped"
            return
        self._log(job, f"the command exited with code {job.exit_code}")
        job.output_commit_id = self._commit_job_results(job, checkout)
        job.status = "Succeeded" if job.exit_code == 0 else "Failed"

    def _stop_job(self, job: FakeJob, commit: bool) -> None:
        job.stop_requested = True
        job.commit_results = commit
        process = job.process
        if process is None or process.poll() is not None:
            return
        # the local backend's session handling: SIGTERM to the job's session, SIGKILL after 5 s
        threading.Thread(target=terminate_session, args=(process.pid, 5.0), daemon=True).start()

    # --- API ------------------------------------------------------------------------------------

    def handle(
        self, method: str, name: str, params: dict[str, str], query: dict[str, str], body: bytes
    ) -> Response:
        action = getattr(self, f"_api_{name}")
        return action(params, query, body)  # type: ignore[no-any-return]

    def _check_project(self, params: dict[str, str]) -> Response | None:
        if "pid" in params and params["pid"] != self.project_id:
            return _json(404, {"message": f"project {params['pid']} not found"})
        if "o" in params and (params["o"], params["p"]) != (self.owner, self.project_name):
            return _json(404, {"message": f"project {params['o']}/{params['p']} not found"})
        return None

    def _api_version(self, params: Any, query: Any, body: bytes) -> Response:
        return _json(200, {"version": self.version, "commitHash": "fake"})

    def _api_find_project(self, params: Any, query: dict[str, str], body: bytes) -> Response:
        if (query.get("ownerName"), query.get("projectName")) != (self.owner, self.project_name):
            return _json(404, {"message": "project not found"})
        return _json(
            200,
            {"id": self.project_id, "name": self.project_name, "ownerUsername": self.owner},
        )

    def _api_hardware_tiers(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        return self._check_project(params) or _json(
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
        return self._check_project(params) or _json(200, {"environments": self._environment_list()})

    def _api_environments(self, params: Any, query: Any, body: bytes) -> Response:
        return _json(200, {"data": self._environment_list()})

    def _api_commits(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        return self._check_project(params) or _json(
            200, [{"id": c} for c in reversed(self.commit_ids)]
        )

    def _api_upload(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        refused = self._check_project(params)
        if refused:
            return refused
        path = _safe_relative(params["path"])
        self.add_files({path: body})
        return _json(201, {"path": "/" + path, "size": len(body)})

    def _api_files_list(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        refused = self._check_project(params)
        if refused:
            return refused
        if params["commit"] not in self.commit_ids:
            return _json(404, {"message": f"commit {params['commit']} not found"})
        relative = _safe_relative(params.get("path") or "")
        folder = self.tree(params["commit"]) / relative
        if not folder.is_dir():
            return _json(404, {"message": f"no folder {relative!r} at that commit"})
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
        return _json(200, {"data": entries})

    def _api_file_content(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        refused = self._check_project(params)
        if refused:
            return refused
        if params["commit"] not in self.commit_ids:
            return _json(404, {"message": f"commit {params['commit']} not found"})
        path = self.tree(params["commit"]) / _safe_relative(params["path"])
        if not path.is_file():
            return _json(404, {"message": f"no file {params['path']!r} at that commit"})
        return 200, {"Content-Type": "application/octet-stream"}, path.read_bytes()

    def _api_job_start(self, params: Any, query: Any, body: bytes) -> Response:
        request = json.loads(body or b"{}")
        if request.get("projectId") != self.project_id:
            return _json(400, {"message": "projectId is not this project's id"})
        if not request.get("commandToRun"):
            return _json(400, {"message": "commandToRun is required"})
        commit = request.get("commitId") or self.head
        if commit not in self.commit_ids:
            return _json(400, {"message": f"commit {commit} not found"})
        tier = request.get("overrideHardwareTierId")
        if tier is not None and tier not in self.hardware_tiers.values():
            return _json(400, {"message": f"hardware tier {tier} not found"})
        environment = request.get("environmentId")
        if environment is not None and environment not in self.environments.values():
            return _json(400, {"message": f"environment {environment} not found"})
        with self._lock:
            job_id = _new_id("job", len(self.jobs))[:24]
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
        return _json(200, self._job_summary(job))

    def _api_resolve_defaults(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        """The project's defaults: its first hardware tier and environment, the newest commit."""
        refused = self._check_project(params)
        if refused:
            return refused
        return _json(
            200,
            {
                "commitId": self.head,
                "mainRepoGitRef": None,
                "hardwareTierId": {"value": next(iter(self.hardware_tiers.values()), None)},
                "environmentId": next(iter(self.environments.values()), None),
                "environmentRevisionSpec": "ActiveRevision",
                "computeClusterProperties": None,
                "volumeSizeGiB": 10.0,
                "datasetSnapshots": [],
                "externalVolumeMountIds": [],
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
        return job if job is not None else _json(404, {"message": f"job {job_id} not found"})

    def _api_job_status(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        job = self._job_or_404(params["job"])
        if not isinstance(job, FakeJob):
            return job
        return _json(
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
            return _json(400, {"message": "projectId is not this project's id"})
        job = self._job_or_404(str(request.get("jobId")))
        if not isinstance(job, FakeJob):
            return job
        if not job.is_completed:
            self._stop_job(job, commit=bool(request.get("commitResults", True)))
        return _json(200, {"id": job.id})

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
        return self._check_project(params) or _json(200, {"data": runs})

    def _api_jobs_list(self, params: Any, query: dict[str, str], body: bytes) -> Response:
        if query.get("projectId") != self.project_id:
            return _json(404, {"message": "project not found"})
        jobs = [self._run_entry(j) for j in sorted(self.jobs.values(), key=lambda j: -j.number)]
        return _json(200, {"jobs": jobs, "totalCount": len(jobs)})

    def _api_stdout(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        refused = self._check_project(params)
        if refused:
            return refused
        job = self._job_or_404(params["job"])
        if not isinstance(job, FakeJob):
            return job
        text = job.log_path.read_text("utf-8", errors="replace") if job.log_path.exists() else ""
        return _json(200, {"stdout": text, "setup": "[fake-domino] setup done\n"})

    def take_fault(self, route: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get(route)
            if not queue:
                return None
            fault = queue[0]
            fault.times -= 1
            if fault.times <= 0:
                queue.pop(0)
            return fault

    def authorized(self, headers: Any) -> bool:
        return headers.get("X-Domino-Api-Key") == self.api_key or headers.get("Authorization") == (
            f"Bearer {self.api_key}"
        )


def _json(status: int, body: Any) -> Response:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


def _route(method: str, path: str) -> tuple[str, re.Match[str]] | None:
    for route_method, pattern, name in _ROUTES:
        match = pattern.match(path)
        if route_method == method and match:
            return name, match
    return None


class _Handler(BaseHTTPRequestHandler):
    fake: FakeDomino
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        path = unquote(re.sub("/{2,}", "/", parts.path))
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        found = _route(method, path)
        if found is None:
            self._send(_json(404, {"message": f"no route for {method} {parts.path}"}))
            return
        name, match = found
        fake = self.fake
        with fake._lock:
            fake.calls.append((method, name))
            fake.requests.append({"method": method, "route": name, "path": path, "body": body})
        if not fake.authorized(self.headers):
            self._send(_json(401, {"message": "missing or wrong API key"}))
            return
        fault = fake.take_fault(name)
        if fault is not None and not fault.after_acting:
            self._fail(fault)
            return
        params = {k: v for k, v in match.groupdict().items() if v is not None}
        try:
            response = fake.handle(method, name, params, query, body)
        except ValueError as error:
            response = _json(400, {"message": f"bad request: {error}"})
        if fault is not None:
            self._fail(fault)
            return
        self._send(response)

    def _fail(self, fault: Fault) -> None:
        if fault.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        headers = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = f"{fault.retry_after:g}"
        status = fault.status or 503
        self._send(
            (
                status,
                {**headers, "Content-Type": "application/json"},
                json.dumps({"message": f"injected {status}"}).encode(),
            )
        )

    def _send(self, response: Response) -> None:
        status, headers, payload = response
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
