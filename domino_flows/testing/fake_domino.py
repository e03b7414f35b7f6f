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

This module holds the server object (state, commits, jobs, test helpers); the endpoints are in
``fake_domino_api``, the HTTP handling and fault types in ``fake_domino_http``.
"""

from __future__ import annotations

import filecmp
import hashlib
import itertools
import os
import shutil
import subprocess
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from domino_flows.backends.local_process import terminate_session
from domino_flows.testing.fake_domino_api import DominoApi
from domino_flows.testing.fake_domino_http import Fault, Handler
from domino_flows.testing.fake_domino_jobs import FakeJob, new_id, safe_relative

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
    "DOMINO_WORKING_DIR",
)


class FakeDomino(DominoApi):
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
        self._add_commit(lambda tree: None, empty=True)

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
        handler = type("Handler", (Handler,), {"fake": self})
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
                target = tree / safe_relative(path)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.unlink(missing_ok=True)
                data = content.encode() if isinstance(content, str) else content
                target.write_bytes(data)

        return self._add_commit(apply)

    def add_tree(self, source: Path, destination: str = "", ignore: tuple[str, ...] = ()) -> str:
        """Commit a local folder (e.g. your project's code) under ``destination``."""
        patterns = shutil.ignore_patterns("__pycache__", ".git", ".domino-flows", *ignore)

        def apply(tree: Path) -> None:
            target = tree / safe_relative(destination) if destination else tree
            shutil.copytree(source, target, ignore=patterns, dirs_exist_ok=True)

        return self._add_commit(apply)

    def read_file(self, path: str, commit: str | None = None) -> bytes:
        return (self.tree(commit) / safe_relative(path)).read_bytes()

    def wait_for_jobs(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        for job in list(self.jobs.values()):
            job.done.wait(max(0.0, deadline - time.monotonic()))

    # --- commits ----------------------------------------------------------------------------------

    def _add_commit(self, apply: Any, empty: bool = False) -> str:
        """A new commit: the newest one (read under the lock, so concurrent commits never lose
        each other's files) with ``apply(tree)`` done to it."""
        with self._lock:
            commit = new_id("commit", len(self._commits))
            tree = self.workdir / "commits" / commit
            if empty:
                tree.mkdir()
            else:
                shutil.copytree(self.tree(), tree, copy_function=os.link, symlinks=True)
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

        return self._add_commit(apply)

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

    def record(self, method: str, route: str, path: str, body: bytes, auth: str) -> None:
        """Keep every request (method, route, path, body, and how it authenticated)."""
        with self._lock:
            self.calls.append((method, route))
            self.requests.append(
                {"method": method, "route": route, "path": path, "body": body, "auth": auth}
            )

    def authorized(self, headers: Any) -> bool:
        return headers.get("X-Domino-Api-Key") == self.api_key or headers.get("Authorization") == (
            f"Bearer {self.api_key}"
        )
