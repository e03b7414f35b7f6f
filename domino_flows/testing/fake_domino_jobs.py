"""Jobs of the fake Domino server: what a job sees, how it runs, what it commits.

A job runs as a real subprocess, ``/bin/sh -c <command>``, in its own session, in a folder that
stands for the job's ``/mnt`` (absolute ``/mnt/...`` paths in the command are mapped there):

- a **DFS project**: the project's files at the job's commit are ``/mnt``, the working directory;
- a **git-based project**: the main repository is ``/mnt/code`` (the working directory) and the
  project's files (everything uploaded through the files API) are ``/mnt/artifacts``, so a job
  cannot reach them by a path relative to where it starts, as on Domino.

``DOMINO_WORKING_DIR`` points at the working directory. When the command ends, the files it
created, changed or deleted under the project files are committed on top of the newest commit as
the job's output commit, as Domino does.
"""

from __future__ import annotations

import filecmp
import hashlib
import os
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


def new_id(*parts: object) -> str:
    return hashlib.sha1(repr((parts, time.time_ns())).encode()).hexdigest()


def safe_relative(path: str) -> str:
    parts = [p for p in path.strip("/").split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise ValueError(path)
    return "/".join(parts)


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
    tracking_environment: Callable[[], dict[str, str]]  # fake_domino_tracking: MLflow store

    def tree(self, commit: str | None = None) -> Path:
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
        env.update(self.tracking_environment())
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
        mnt = self.workdir / "jobs" / job.id / "mnt"
        if self.project_type == "git":
            files, working_dir = mnt / "artifacts", mnt / "code"
            shutil.copytree(self.repository, working_dir, symlinks=True)
        else:
            files = working_dir = mnt
        shutil.copytree(self.tree(job.commit_id), files, symlinks=True)
        with job.log_path.open("ab") as log:
            job.status = "Running"
            job.process = subprocess.Popen(
                ["/bin/sh", "-c", map_mnt(job.command, mnt)],
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
        # the local backend's session handling: SIGTERM to the job's session, SIGKILL after 5 s
        threading.Thread(target=terminate_session, args=(process.pid, 5.0), daemon=True).start()
