"""Jobs of the fake Domino server: what a job sees, how it runs, what it commits.

A job runs as a real subprocess, ``/bin/sh -c <command>``, in its own session, in a folder that
stands for the job's ``/mnt`` (absolute ``/mnt/...`` paths in the command are mapped there):

- a **DFS project**: the project's files at the job's commit are ``/mnt``, the working directory;
- a **git-based project**: the main repository is ``/mnt/code`` (the working directory) and the
  project's files (everything uploaded through the files API) are ``/mnt/artifacts``, so a job
  cannot reach them by a path relative to where it starts, as on Domino.

``DOMINO_WORKING_DIR`` points at the working directory, ``DOMINO_RUN_ID`` at the job and
``DOMINO_DATASETS_DIR`` at the project's datasets (``fake_domino_datasets``). When
the command ends, the files it created, changed or deleted under the project files are committed
on top of the newest commit as the job's output commit, as Domino does.

Domino runs jobs as an unprivileged user. So does the fake where the machine allows it: when the
test process is root and util-linux ``setpriv`` is there, each job runs as ``job_user``
(``nobody`` by default), owning its job folder, and an empty ``/workflow`` exists as Domino Flows'
images provide it. The job keeps one capability, reading and searching any folder, because the
test's interpreter and temporary folders may sit under root's private ones (``/root/.pyenv``,
``/tmp/pytest-of-root``): it reads like root, and writes (or makes top-level folders) only as
that user, which is what a Domino job can and cannot do.
"""

from __future__ import annotations

import filecmp
import hashlib
import os
import pwd
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domino_flows.backends.local_process import terminate_session
from domino_flows.core.redaction import API_KEY_VARIABLE

COMPLETED = frozenset({"Succeeded", "Failed", "Error", "Stopped"})


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
        return self.status in COMPLETED

    @property
    def token(self) -> str:
        """The job's own API credential (valid while it runs), never the user's key."""
        return "job-" + hashlib.sha256(f"fake-domino-job\0{self.id}".encode()).hexdigest()[:32]


# The fake's MLflow store, a folder in its work folder (fake_domino_tracking.tracking_uri).
TRACKING_FOLDER = "mlruns"


def new_id(*parts: object) -> str:
    return hashlib.sha1(repr((parts, time.time_ns())).encode()).hexdigest()


def safe_relative(path: str) -> str:
    parts = [p for p in path.strip("/").split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise ValueError(path)
    return "/".join(parts)


def job_user_ids(name: str | None) -> tuple[int, int] | None:
    """(uid, gid) to run jobs as: only when this process is root (nobody else may switch user),
    ``setpriv`` is installed and the user exists; None runs jobs as this process's user."""
    if name is None or os.geteuid() != 0 or not shutil.which("setpriv"):
        return None
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid


def give_to(path: Path, ids: tuple[int, int]) -> None:
    """``path`` and everything under it owned by the job's user (links themselves, not targets)."""
    os.chown(path, *ids, follow_symlinks=False)
    for folder, dirs, files in os.walk(path):
        for name in (*dirs, *files):
            os.chown(os.path.join(folder, name), *ids, follow_symlinks=False)


def as_job_user(argv: list[str], ids: tuple[int, int] | None) -> list[str]:
    """``argv`` run as the job's user (see the module's docstring), or as it is."""
    if ids is None:
        return argv
    return [
        "setpriv",
        f"--reuid={ids[0]}",
        f"--regid={ids[1]}",
        "--clear-groups",
        "--inh-caps=+dac_read_search",
        "--ambient-caps=+dac_read_search",
        *argv,
    ]


def map_mnt(command: str, mnt: Path) -> str:
    """``command`` with absolute ``/mnt`` paths pointing at the job's ``mnt`` folder."""
    return re.sub(r"(?<![\w./-])/mnt(?=/|\s|$)", str(mnt), command)


class JobRunner:
    """Running, stopping and committing jobs; a mixin of ``FakeDomino``."""

    workdir: Path
    python: str
    owner: str
    project_name: str
    project_type: str
    job_env_drop: tuple[str, ...]
    job_ids: tuple[int, int] | None  # the unprivileged user jobs run as, when there is one
    tracking_environment: Callable[[], dict[str, str]]  # fake_domino_tracking: MLflow store
    datasets_environment: Callable[[], dict[str, str]]  # fake_domino_datasets: their folders
    datasets_root: Path
    stop_delay: float = 0.0  # seconds a stopped job runs on (FakeDomino.stop_jobs_slowly)

    def tree(self, commit: str | None = None) -> Path:
        raise NotImplementedError

    @property
    def url(self) -> str:
        raise NotImplementedError

    def _add_commit(self, apply: Any, empty: bool = False) -> str:
        raise NotImplementedError

    @property
    def repository(self) -> Path:
        return self.workdir / "repository"

    def _job_env(self, job: FakeJob, working_dir: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in self.job_env_drop}
        env["PATH"] = os.path.dirname(self.python) + os.pathsep + env.get("PATH", "")
        env["DOMINO_PROJECT_OWNER"] = self.owner
        env["DOMINO_PROJECT_NAME"] = self.project_name
        env["DOMINO_WORKING_DIR"] = str(working_dir)
        env["DOMINO_FAKE_JOB_ID"] = job.id
        env["DOMINO_RUN_ID"] = job.id  # set in every Domino job
        # the job's own credential, as Domino gives each job one: the API host and a key that
        # is the job's, valid while it runs
        env["DOMINO_API_HOST"] = self.url
        env[API_KEY_VARIABLE] = job.token
        env["HOME"] = str(working_dir.parent / "home")
        env.update(self.tracking_environment())
        env.update(self.datasets_environment())
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def _log(self, job: FakeJob, line: str) -> None:
        with job.log_path.open("a", encoding="utf-8") as handle:
            handle.write(f"[fake-domino] {line}\n")

    def _run_job(self, job: FakeJob) -> None:
        try:
            self._run_job_inner(job)
        except OSError as error:  # the fake's own failure: the job ends Error, never hangs
            self._log(job, f"the fake Domino could not run the job: {error}")
            job.status = "Error"
        finally:
            job.done.set()

    def _run_job_inner(self, job: FakeJob) -> None:
        self._log(job, f"job {job.number} ({job.id}) at commit {job.commit_id}")
        if job.forced_end == "Error":
            self._log(job, "the job's container failed to start (injected Error)")
            job.status = "Error"
            return
        job.status = "Preparing"
        folder = self.workdir / "jobs" / job.id
        mnt = folder / "mnt"
        if self.project_type == "git":
            files, working_dir = mnt / "artifacts", mnt / "code"
            shutil.copytree(self.repository, working_dir, symlinks=True)
        else:
            files = working_dir = mnt
        shutil.copytree(self.tree(job.commit_id), files, symlinks=True)
        (folder / "home").mkdir(exist_ok=True)
        if self.job_ids is not None:
            give_to(folder, self.job_ids)
            # the job's MLflow store is Domino's server, open to every job; here it is a folder
            # the runner may have written first (a parent run), so the job's user is given it
            store = self.workdir / TRACKING_FOLDER
            store.mkdir(exist_ok=True)
            give_to(store, self.job_ids)
            if self.datasets_root.is_dir():  # datasets are read-write for the project's jobs
                give_to(self.datasets_root, self.job_ids)
        with job.log_path.open("ab") as log:
            job.status = "Running"
            job.process = subprocess.Popen(
                as_job_user(["/bin/sh", "-c", map_mnt(job.command, mnt)], self.job_ids),
                cwd=working_dir,
                env=self._job_env(job, working_dir),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            if job.forced_end == "Stopped" or job.stop_requested:
                self._stop_job(job, commit=True)
            job.exit_code = job.process.wait()
        job.status = "Finishing"
        if job.stop_requested:
            self._log(job, "the job was stopped")
            if job.commit_results:
                job.output_commit_id = self._commit_job_results(job, files)
            job.status = "Stopped"
            return
        self._log(job, f"the command exited with code {job.exit_code}")
        job.output_commit_id = self._commit_job_results(job, files)
        job.status = "Succeeded" if job.exit_code == 0 else "Failed"

    def _commit_job_results(self, job: FakeJob, checkout: Path) -> str:
        """Files the job created, changed or deleted, on top of the newest commit."""
        base = self.tree(job.commit_id)

        def apply(tree: Path) -> None:
            # A stopped job's processes may still be removing files while this runs (its
            # session is signalled, not waited for): a file that vanishes is not committed.
            for folder, _dirs, names in os.walk(checkout):
                for name in sorted(names):
                    path = Path(folder) / name
                    relative = path.relative_to(checkout)
                    before = base / relative
                    try:
                        if path.is_symlink() or (
                            before.is_file() and filecmp.cmp(before, path, shallow=False)
                        ):
                            continue
                        target = tree / relative
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.unlink(missing_ok=True)
                        shutil.copyfile(path, target)
                    except FileNotFoundError:
                        continue
            for path in sorted(base.rglob("*")):
                relative = path.relative_to(base)
                if path.is_file() and not (checkout / relative).exists():
                    (tree / relative).unlink(missing_ok=True)

        return self._add_commit(apply)

    def _stop_job(self, job: FakeJob, commit: bool) -> None:
        job.stop_requested = True
        job.commit_results = commit
        process = job.process
        if process is None or process.poll() is not None:
            return
        # the local backend's session handling: SIGTERM to the job's session, SIGKILL after 5 s;
        # after ``stop_delay`` seconds when stops are made slow (FakeDomino.stop_jobs_slowly)
        stopper = threading.Timer(self.stop_delay, terminate_session, args=(process.pid, 5.0))
        stopper.daemon = True
        stopper.start()
