"""A fake Domino deployment on loopback, for testing the domino backend end to end.

It serves Domino's published API description (``schemas/``, see ``fake_domino_schema``) over real
HTTP (``ThreadingHTTPServer`` on 127.0.0.1, a free port, a background thread). Every request is
checked against the description and every answer matches it; a request Domino would refuse is
answered 400 and kept in :attr:`FakeDomino.violations` (the ``fake_domino`` fixture fails the test
with them). The published routes it emulates are ``fake_domino_http.ROUTE_NAMES``. ``GET /version``
and python-domino's legacy ``/v1`` routes are outside the published description: the fake serves
them unchecked for python-domino's own methods (``fake_domino_legacy``) and lists every call to
them in ``legacy_calls``.

The project is a DFS project (``project_type="dfs"``) or a git-based one (``"git"``: a main
repository holds the code, project files are ``/mnt/artifacts`` in jobs); see
``fake_domino_jobs``. Every commit of the project files is a full snapshot in a directory (files
hard-linked between commits, never modified in place).

Requests need the server's API key (``X-Domino-Api-Key`` or ``Authorization: Bearer``). Faults can
be injected per route (a status with ``Retry-After``, a dropped connection before or after the
server acted, a slow answer), or at random with a seed (:meth:`FakeDomino.chaos`); and the next
job can be made to end Stopped or Error.

This module holds the server object (state, commits, test helpers); the endpoints are in
``fake_domino_api`` (datasets and snapshots in ``fake_domino_datasets``, job tags, models and the
tracking store in ``fake_domino_tracking``), the answers' shapes in ``fake_domino_bodies``, the HTTP
handling in ``fake_domino_http`` and the jobs in ``fake_domino_jobs``.
"""

from __future__ import annotations

import collections
import hashlib
import itertools
import os
import random
import shutil
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from domino_flows.core.paths import STATE_DIR
from domino_flows.core.redaction import CREDENTIAL_VARIABLES
from domino_flows.testing.fake_domino_api import DominoApi
from domino_flows.testing.fake_domino_datasets import DatasetApi
from domino_flows.testing.fake_domino_http import Fault, Handler
from domino_flows.testing.fake_domino_jobs import (
    FakeJob,
    JobRunner,
    job_user_ids,
    new_id,
    safe_relative,
)
from domino_flows.testing.fake_domino_legacy import LegacyApi
from domino_flows.testing.fake_domino_schema import LEGACY_ROUTES
from domino_flows.testing.fake_domino_tracking import TrackingApi

DEFAULT_API_KEY = "fake-domino-api-key-0123456789abcdef"
# Environment ids are 24 hex digits, as Domino's description requires of them.
DEFAULT_ENVIRONMENTS = {
    "Python 3.11": "65a1f0c2e4b0a1b2c3d4e5f1",
    "GPU Python 3.11": "65a1f0c2e4b0a1b2c3d4e5f2",
    "Domino Standard Environment": "65a1f0c2e4b0a1b2c3d4e5f3",
}
DEFAULT_HARDWARE_TIERS = {"Small": "small-k8s", "Medium": "medium-k8s", "Large": "large-k8s"}
PROJECT_TYPES = ("dfs", "git")
# Variables a job must not inherit from the test process: credentials, and contract paths that
# would point the job at the wrong folders.
_JOB_ENV_DROP = (
    *CREDENTIAL_VARIABLES,
    "DOMINO_RUN_ID",
    "DOMINO_FLOWS_INPUTS_DIR",
    "DOMINO_FLOWS_OUTPUTS_DIR",
    "DOMINO_FLOWS_PROJECT_ROOT",
    "DOMINO_WORKING_DIR",
)
CHAOS_KINDS = (
    "500",
    "502",
    "503",
    "429",
    "drop_before",
    "drop_after",
    "slow",
    "slow_before",
)


def _hex_id(*parts: str) -> str:
    return hashlib.sha1("/".join(parts).encode()).hexdigest()[:24]


class FakeDomino(JobRunner, LegacyApi, TrackingApi, DatasetApi, DominoApi):
    """The fake deployment. Use as a context manager, or call start() and stop()."""

    job_env_drop = _JOB_ENV_DROP

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
        project_type: str = "dfs",
        job_user: str | None = "nobody",
    ) -> None:
        if project_type not in PROJECT_TYPES:
            raise ValueError(f"project_type is {project_type!r}; use one of {PROJECT_TYPES}")
        self.workdir = Path(workdir)
        self.owner = owner
        self.project_name = project
        self.api_key = api_key
        self.environments = dict(DEFAULT_ENVIRONMENTS if environments is None else environments)
        self.hardware_tiers = dict(
            DEFAULT_HARDWARE_TIERS if hardware_tiers is None else hardware_tiers
        )
        self.extra_tiers: list[tuple[str, str]] = []  # (name, id) listed after the others
        self.datasets: dict[str, str] = {}  # name -> id
        self.data_mounts: dict[str, str] = {}  # external data volume name -> id
        self.version = version
        self.python = python
        self.project_type = project_type
        self.project_id = _hex_id(owner, project)
        self.main_repository: dict[str, Any] | None = (
            {
                "uri": f"https://github.com/{owner}/{project}.git",
                "id": _hex_id(owner, project, "repository"),
                "serviceProvider": "github",
            }
            if project_type == "git"
            else None
        )
        self.calls: list[tuple[str, str]] = []
        self.requests: list[dict[str, Any]] = []
        self.violations: list[str] = []
        self.faulted = 0  # requests answered with an injected fault
        self.chaos_kinds: collections.Counter[str] = collections.Counter()  # see chaos()
        self.jobs: dict[str, FakeJob] = {}
        self._commits: list[str] = []  # oldest first
        self._times: dict[str, float] = {}
        self._faults: dict[str, list[Fault]] = {}
        self._chaos: tuple[random.Random, float, tuple[str, ...], float] | None = None
        self._next_job_end: list[str] = []
        self.stop_delay = 0.0  # see stop_jobs_slowly
        self._numbers = itertools.count(1)
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        (self.workdir / "commits").mkdir(parents=True, exist_ok=True)
        (self.workdir / "jobs").mkdir(parents=True, exist_ok=True)
        # Jobs run as an unprivileged user where this process may switch to one (as root).
        self.job_ids = job_user_ids(job_user)
        if self.job_ids is not None:
            Path("/workflow").mkdir(exist_ok=True)  # the mount point Domino Flows' images have
        self.repository.mkdir(parents=True, exist_ok=True)
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
        return f"http://{host!s}:{port}"

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

    def __exit__(self, kind: object, *exc: object) -> None:
        self.stop()
        if kind is None:  # a block that ended well still fails on a request Domino would refuse
            self.assert_valid()

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

    def echo_credentials_next(self, route: str, status: int = 400, times: int = 1) -> None:
        """Refuse the next ``times`` calls of ``route`` with a message quoting the request's
        ``X-Domino-Api-Key`` and ``Authorization`` headers (a canary for masking)."""
        with self._lock:
            self._faults.setdefault(route, []).append(
                Fault(status, times=times, echo_credentials=True)
            )

    def create_job_late(self, seconds: float) -> None:
        """The next ``POST /v4/jobs/start`` gets no answer (its connection is dropped) and its
        job is created ``seconds`` later: a start in flight when its runner died."""
        with self._lock:
            self._faults.setdefault("job_start", []).append(
                Fault(None, drop=True, act_later=seconds)
            )

    def stop_jobs_slowly(self, seconds: float) -> None:
        """From now on a stopped job keeps running ``seconds`` before it ends (a container that
        takes its time to shut down); ``0`` stops jobs at once again."""
        self.stop_delay = seconds

    def drop_next(self, route: str, times: int = 1, after_acting: bool = True) -> None:
        """Close the connection without answering the next ``times`` calls of ``route``."""
        with self._lock:
            self._faults.setdefault(route, []).append(Fault(None, None, True, after_acting, times))

    def slow_next(
        self, route: str, seconds: float, times: int = 1, before_acting: bool = False
    ) -> None:
        """Answer the next ``times`` calls of ``route`` ``seconds`` late: do the work, then wait
        (or, ``before_acting``, wait and then do it, as a busy server would)."""
        with self._lock:
            self._faults.setdefault(route, []).append(
                Fault(None, times=times, delay=seconds, after_acting=not before_acting)
            )

    def chaos(
        self,
        seed: int,
        rate: float = 0.3,
        kinds: tuple[str, ...] = CHAOS_KINDS,
        slow_seconds: float = 0.5,
    ) -> None:
        """Fault a random ``rate`` of all requests from now on (reproducibly, from ``seed``):
        each fault is one of ``kinds`` (see :data:`CHAOS_KINDS`; 429 carries ``Retry-After``,
        ``slow`` acts and then answers ``slow_seconds`` late, ``slow_before`` waits
        ``slow_seconds`` before it acts). ``rate=0`` turns it off. ``chaos_kinds`` counts the
        faults of each kind served."""
        with self._lock:
            self._chaos = (random.Random(seed), rate, kinds, slow_seconds) if rate else None

    def end_next_job_as(self, status: str) -> None:
        """Make the next started job end ``Stopped`` (stopped while running) or ``Error``
        (never runs: the platform failed to start it)."""
        if status not in ("Stopped", "Error"):
            raise ValueError("end_next_job_as takes 'Stopped' or 'Error'")
        with self._lock:
            self._next_job_end.append(status)

    def add_dataset(self, name: str) -> str:
        """A dataset of the project, with its read-write folder; returns its id."""
        with self._lock:
            self.datasets[name] = _hex_id(self.project, "dataset", name)
            self.dataset_folder(name).mkdir(parents=True, exist_ok=True)
            return self.datasets[name]

    def add_data_mount(self, name: str) -> str:
        """An external data volume the project mounts; returns its id."""
        with self._lock:
            self.data_mounts[name] = _hex_id(self.project, "data mount", name)
            return self.data_mounts[name]

    @property
    def legacy_calls(self) -> list[tuple[str, str]]:
        """(method, route) of every call to a route outside Domino's published description."""
        legacy = {name for _, _, name, _ in LEGACY_ROUTES}
        with self._lock:
            return [(method, route) for method, route in self.calls if route in legacy]

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

    def _commit_times(self) -> dict[str, float]:
        return self._times

    def tree(self, commit: str | None = None) -> Path:
        """The directory holding the project files at ``commit`` (default: the newest). Read
        only."""
        return self.workdir / "commits" / (commit or self.head)

    def add_files(self, files: dict[str, bytes | str]) -> str:
        """Commit ``{path: content}`` to the project files, on top of the newest commit; returns
        the commit id."""

        def apply(tree: Path) -> None:
            for path, content in files.items():
                target = tree / safe_relative(path)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.unlink(missing_ok=True)
                data = content.encode() if isinstance(content, str) else content
                target.write_bytes(data)

        return self._add_commit(apply)

    def add_tree(self, source: Path, destination: str = "", ignore: tuple[str, ...] = ()) -> str:
        """Put a local folder (your project's code) where Domino keeps code: the project files of
        a DFS project (a new commit, whose id is returned), the main repository of a git-based
        project (returns the current commit of the project files)."""
        patterns = shutil.ignore_patterns("__pycache__", ".git", STATE_DIR, *ignore)
        if self.project_type == "git":
            target = (
                self.repository / safe_relative(destination) if destination else self.repository
            )
            shutil.copytree(source, target, ignore=patterns, dirs_exist_ok=True)
            return self.head

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

    def assert_valid(self) -> None:
        """Raise AssertionError listing every request that broke Domino's published description
        (and every answer of the fake that did)."""
        if self.violations:
            raise AssertionError(
                "requests to the fake Domino that do not match Domino's published API "
                "description:\n" + "\n".join(self.violations)
            )

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
            self._times[commit] = time.time()
            return commit

    # --- HTTP side ------------------------------------------------------------------------------

    def take_fault(self, route: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get(route)
            if queue:
                fault = queue[0]
                fault.times -= 1
                if fault.times <= 0:
                    queue.pop(0)
                self.faulted += 1
                return fault
            if self._chaos is None:
                return None
            rng, rate, kinds, slow = self._chaos
            if rng.random() >= rate:
                return None
            kind = rng.choice(kinds)
            self.faulted += 1
            self.chaos_kinds[kind] += 1
        if kind in ("500", "502", "503"):
            return Fault(int(kind))
        if kind == "429":
            return Fault(429, retry_after=0.05)
        if kind in ("slow", "slow_before"):
            return Fault(None, delay=slow, after_acting=kind == "slow")
        return Fault(None, drop=True, after_acting=kind == "drop_after")

    def record(self, method: str, route: str, path: str, body: bytes, auth: str) -> None:
        """Keep every request (method, route, path, body, and how it authenticated)."""
        with self._lock:
            self.calls.append((method, route))
            self.requests.append(
                {"method": method, "route": route, "path": path, "body": body, "auth": auth}
            )

    def violation(self, method: str, path: str, problems: list[str]) -> None:
        with self._lock:
            self.violations.append(f"{method} {path}: " + "; ".join(problems))

    def authorized(self, headers: Any) -> bool:
        """The user's API key, or the credential of a job still running (Domino gives each job
        its own, never the launching user's)."""
        running = {job.token for job in list(self.jobs.values()) if not job.is_completed}
        for key in (self.api_key, *running):
            if headers.get("X-Domino-Api-Key") == key:
                return True
            if headers.get("Authorization") == f"Bearer {key}":
                return True
        return False
