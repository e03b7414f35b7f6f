"""The embedded backend: each task attempt is a subprocess shaped like a Domino Job.

A job gets its own directory, ``<project>/.domino-flows/jobs/<run>/<task>/<attempt>/``::

    inputs/        the contract's inputs  (DOMINO_FLOWS_INPUTS_DIR; /workflow/inputs on Domino)
    outputs/       the contract's outputs (DOMINO_FLOWS_OUTPUTS_DIR; /workflow/outputs on Domino)
    root/          stands for "/" for custom paths: an input with path /mnt/data/x is also placed
                   at root/mnt/data/x, and an output with a custom path is collected from there.
                   Scripts find it through DOMINO_FLOWS_ROOT. Configured datasets, volumes and
                   NetApp snapshots appear there too, as links (``mounts.py``).
    stdout.log, stderr.log, job.json (what was started), status.json (how it ended)

The command runs through ``/bin/sh -c`` from the project root, as a Domino job runs from its
project's code directory; on Linux it runs in its own mount namespace where ``/workflow`` and
``/mnt/code`` are what Domino shows (``local_mounts``), and starts in ``/mnt/code``. The
environment's interpreter answers to ``python`` (a small shim on ``PATH``), or the environment's
command prefix wraps the command. The hardware tier's memory is
enforced by watching the resident memory of the job's whole session; a job over it is killed and
fails with ``task 'train' exceeded hardware tier 'Small' memory (4 GiB)``.

Stopping a job sends SIGTERM to its whole session, then SIGKILL after a grace period; jobs still
running when the process that started them exits are stopped the same way (Ctrl-C included). A
process killed outright (SIGKILL) cannot do that: its jobs then run on, and a later status
reads their recorded state, or says the starter is gone.

Domino credentials in this process's environment (``DOMINO_USER_API_KEY`` and friends) are not
passed to local jobs: a local job never talks to Domino on the user's behalf.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import threading
import time
from pathlib import Path
from typing import IO, Any

from domino_flows.authoring import mounts
from domino_flows.backends import (
    lifecycle,
    local_mounts,
    local_snapshots,
    local_warm,
)
from domino_flows.backends import local_jobdir as jobdir
from domino_flows.backends.base import JobHandle, JobSpec, JobState, JobStatus, ResolvedJob
from domino_flows.backends.local_jobdir import slug
from domino_flows.backends.local_jobs import JobWatching, _Job
from domino_flows.backends.local_launch import Launching
from domino_flows.contract import formats, tracking_job
from domino_flows.contract import values as contract
from domino_flows.core.clock import now
from domino_flows.core.errors import ConfigurationError, TaskFailedError
from domino_flows.core.paths import state_dir
from domino_flows.core.project import (
    LOCAL_BACKEND,
    EnvironmentSettings,
    HardwareTierSettings,
    ProjectSettings,
)

DEFAULT_STOP_GRACE = 5.0
DEFAULT_POLL_INTERVAL = 0.15


class LocalBackend(Launching, JobWatching):
    """Runs Domino jobs as local subprocesses (see the module docstring for the layout)."""

    name = LOCAL_BACKEND

    def __init__(
        self,
        project_root: Path,
        settings: ProjectSettings | None = None,
        stop_grace: float = DEFAULT_STOP_GRACE,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> None:
        from domino_flows.core.project import load_settings

        self.project_root = Path(project_root).resolve()
        self.settings = settings or load_settings(self.project_root)
        self.stop_grace = stop_grace
        self.poll_interval = poll_interval
        self.jobs_root = state_dir(self.project_root) / "jobs"
        self._jobs: dict[str, _Job] = {}
        self._lock = threading.Lock()
        self._monitor: threading.Thread | None = None
        self._warm: local_warm.WarmLauncher | None = None
        # config id -> (config, its settings): the config is kept so its id stays its own
        self._settings: dict[int, tuple[Any, dict[str, Any]]] = {}
        self._host = local_mounts.HostFolders()  # what its jobs' filesystems share
        self._shims: dict[str, Path] = {}
        lifecycle.opened(self)

    def close(self) -> None:
        """Stop the jobs this backend started that still run, and its warm launcher. The
        backend can start jobs again afterwards (a new launcher starts on first use)."""
        self.stop_all()
        with self._lock:
            warm, self._warm = self._warm, None
        if warm is not None:
            warm.close()
        lifecycle.closed(self)

    def __enter__(self) -> LocalBackend:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- JobBackend -----------------------------------------------------------------------------

    def resolve(self, spec: JobSpec) -> ResolvedJob:
        environment, tier = self._environment(spec), self._tier(spec)
        interpreter = environment.command_prefix or environment.interpreter
        return ResolvedJob(
            environment_id=f"local:{interpreter}",
            environment_name=environment.name,
            environment_revision=None,
            hardware_tier_id=f"local:{tier.name}",
            hardware_tier_name=tier.name,
        )

    def job_dir(self, spec: JobSpec) -> Path:
        return self.jobs_root / slug(spec.run_id) / slug(spec.task) / str(spec.attempt)

    def stage_inputs(self, spec: JobSpec, values: dict[str, Any]) -> str:
        directory = self.job_dir(spec)
        if jobdir.started(directory):
            return str(directory)  # already started: its inputs are what it ran with
        inputs = directory / "inputs"
        if inputs.exists():
            shutil.rmtree(inputs)
        contract.write_inputs(inputs, values, spec.input_types)
        for name, domino_path in spec.input_paths.items():
            target = _under_root(directory, domino_path)
            target.parent.mkdir(parents=True, exist_ok=True)
            source = inputs / name
            if source.is_dir():
                shutil.copytree(source, target, dirs_exist_ok=True)
            elif source.exists():
                shutil.copyfile(source, target)
        # Datasets, volumes and NetApp snapshots ([tool.domino_flows.*] folders) under root/.
        mounts.expose(
            directory / "root", mounts.job_mounts(spec.config, self.settings, values, spec.task)
        )
        return str(directory)

    def start(self, spec: JobSpec, staging: str) -> JobHandle:
        directory = Path(staging)
        job_id = directory.relative_to(self.jobs_root).as_posix()
        handle = JobHandle(
            backend=self.name,
            job_id=job_id,
            run_id=spec.run_id,
            task=spec.task,
            url=directory.as_uri(),
            details=_details(directory),
        )
        if jobdir.started(directory) or job_id in self._jobs:
            return handle  # never start a second job for the same staging
        environment, tier = self._environment(spec), self._tier(spec)
        (directory / "outputs").mkdir(parents=True, exist_ok=True)
        (directory / "root").mkdir(exist_ok=True)
        record = {
            "job_id": job_id,
            "run_id": spec.run_id,
            "flow": spec.flow,
            "task": spec.task,
            "attempt": spec.attempt,
            "title": spec.title,
            "command": spec.config.Command,
            "settings": self._settings_of(spec),  # every job setting the task gave
            "environment": environment.name,
            "interpreter": None if environment.command_prefix else environment.interpreter,
            "command_prefix": environment.command_prefix,
            "hardware_tier": tier.name,
            "cores": tier.cores,
            "memory_gib": tier.memory_gib,
            "started_at": now(),
        }
        if spec.tags:  # as tag_job would add them, but with the one write of the record
            record["tags"] = sorted(set(spec.tags))
        for domino_path in spec.output_paths.values():  # so a job's own /mnt shows their folders
            _under_root(directory, domino_path).parent.mkdir(parents=True, exist_ok=True)
        try:
            filesystem = local_mounts.decide(
                self.project_root, self.settings.filesystem, directory, self._host
            )
        except ConfigurationError as error:
            filesystem = local_mounts.Decision(None, str(error))
            message = f"task {spec.task!r}: the local job could not start: {error}"
            jobdir.write_status(directory, JobState.ERROR, message, None)
            popen, logs = None, list[IO[bytes]]()
        else:
            local_mounts.record(directory, filesystem)  # read if the job fails on a Domino path
            popen, logs = self._launch(spec, directory, environment, tier, job_id, filesystem)
        record["filesystem"] = "domino" if filesystem.plan else "plain"
        record["pid"] = popen.pid if popen else None
        jobdir.write_json(directory / jobdir.JOB_FILE, record)
        if popen is not None:
            self._track(_Job(handle, directory, popen, tier, logs, frozenset(spec.tags)))
        return handle

    def status(self, handle: JobHandle) -> JobStatus:
        job = self._jobs.get(handle.job_id)
        if job is not None and not job.done.is_set():
            returncode = job.popen.poll()
            if returncode is None:
                return JobStatus(JobState.RUNNING)
            self._finish(job, returncode)
        if job is not None and job.status is not None:
            return job.status  # what this process wrote to its status.json
        return jobdir.recorded_status(Path(handle.details["job_dir"]))

    def wait(self, handle: JobHandle, timeout: float) -> JobStatus:
        """Block until the job ends or ``timeout`` seconds pass; then its status."""
        job = self._jobs.get(handle.job_id)
        if job is not None:
            job.done.wait(timeout)
        else:  # started by another process: its folder records the end
            deadline = time.monotonic() + timeout
            status = self.status(handle)
            while not status.is_terminal and time.monotonic() < deadline:
                time.sleep(min(self.poll_interval, max(0.0, deadline - time.monotonic())))
                status = self.status(handle)
            return status
        return self.status(handle)

    def error_text(self, handle: JobHandle) -> str:
        path = Path(handle.details.get("job_dir", "")) / "outputs" / formats.ERROR_FILE
        if not handle.details.get("job_dir") or not path.is_file():
            return ""
        return path.read_text(encoding="utf-8", errors="replace").strip()

    def scheduling_slots(self, spec: JobSpec) -> int:
        """A job takes its hardware tier's cores, so a run never asks for more than it has."""
        return max(1, math.ceil(self._tier(spec).cores))

    def default_capacity(self) -> int:
        return os.cpu_count() or 1

    def handle_for(self, run_id: str, task: str, attempt: int, job_id: str, url: str) -> JobHandle:
        directory = self.jobs_root / job_id
        return JobHandle(self.name, job_id, run_id, task, url, _details(directory))

    def records_in_job(self) -> bool:
        return False  # the runner writes a local job's MLflow run (MLflow imported once per run)

    def tag_job(self, handle: JobHandle, tags: list[str]) -> None:
        """Local jobs keep their tags in their ``job.json``, as Domino shows them on the job."""
        job = self._jobs.get(handle.job_id)
        if job is not None and job.tags.issuperset(tags):
            return  # written with the job's record as it started (JobSpec.tags)
        path = Path(handle.details["job_dir"]) / jobdir.JOB_FILE
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return  # a job that never started has no record to tag
        record["tags"] = sorted({*record.get("tags", []), *tags})
        jobdir.write_json(path, record)

    def register_model(
        self,
        handle: JobHandle,
        name: str,
        mlflow_run_id: str,
        artifact_path: str,
        store: str | None,
    ) -> str:
        """Locally, MLflow's model registry in the runs' store stands for Domino's."""
        if store is None:
            raise ConfigurationError(
                f"task {handle.task!r}: model {name!r} cannot be registered without an MLflow "
                "store; set [tool.domino_flows.tracking] mlflow = true."
            )
        return tracking_job.register_model_version(store, name, mlflow_run_id, artifact_path)

    def check_dataset(self, task: str, name: str) -> None:
        local_snapshots.dataset_folder(self.settings, self.project_root, task, name)

    def snapshot_dataset(
        self, handle: JobHandle, name: str, files: list[tuple[Path, str]]
    ) -> dict[str, Any]:
        folder = local_snapshots.dataset_folder(self.settings, self.project_root, handle.task, name)
        return {"dataset": name, **local_snapshots.new_snapshot(folder, files)}

    def job_records(self, handle: JobHandle) -> dict[str, str]:
        return {}  # a local job's records are written by the runner, which knows them

    def find_attempt_job(self, spec: JobSpec) -> JobHandle | None:
        directory = self.job_dir(spec)
        if not jobdir.started(directory):
            return None
        job_id = directory.relative_to(self.jobs_root).as_posix()
        url = directory.as_uri()
        return JobHandle(self.name, job_id, spec.run_id, spec.task, url, _details(directory))

    def collect_outputs(self, handle: JobHandle, spec: JobSpec) -> dict[str, Any]:
        directory = Path(handle.details["job_dir"])
        outputs = directory / "outputs"
        for name, domino_path in spec.output_paths.items():
            source = _under_root(directory, domino_path)
            if not (outputs / name).exists() and source.exists():
                if source.is_dir():
                    shutil.copytree(source, outputs / name)
                else:
                    shutil.copyfile(source, outputs / name)
        status = self.status(handle)
        if status.state is not JobState.SUCCEEDED:
            raise TaskFailedError(
                f"task {spec.task!r} has no outputs to collect: its job {handle.job_id} is "
                f"{status.state.value}. {status.message}".strip()
            )
        return contract.read_outputs(outputs, spec.output_types, spec.task)

    def logs(self, handle: JobHandle, tail: int | None = None) -> str:
        directory = Path(handle.details["job_dir"])
        parts = []
        for name in ("stdout.log", "stderr.log"):
            path = directory / name
            if path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace")
                if text:
                    parts.append(text if text.endswith("\n") else text + "\n")
        combined = "".join(parts)
        if tail is None:
            return combined
        return "".join(combined.splitlines(keepends=True)[-tail:]) if tail > 0 else ""

    # --- settings -------------------------------------------------------------------------------

    def _settings_of(self, spec: JobSpec) -> dict[str, Any]:
        """The job settings of the spec's config (``to_custom``), worked out once per config: the
        nodes of one task share it."""
        known = self._settings.get(id(spec.config))
        if known is None or known[0] is not spec.config:
            known = self._settings[id(spec.config)] = (spec.config, spec.config.to_custom())
        return known[1]

    def _environment(self, spec: JobSpec) -> EnvironmentSettings:
        name = spec.config.EnvironmentName or spec.config.EnvironmentId
        return self.settings.environment(name, spec.task)

    def _tier(self, spec: JobSpec) -> HardwareTierSettings:
        name = spec.config.HardwareTierName or spec.config.HardwareTierId
        return self.settings.hardware_tier(name, spec.task)

    # --- lifecycle ------------------------------------------------------------------------------

    def interrupt(self) -> None:
        """Nothing to cut short: local calls never wait on a remote service."""

    @property
    def start_settle_seconds(self) -> float:
        return 0.0  # a job starts inside start() or not at all


def _details(directory: Path) -> dict[str, str]:
    """What a handle carries to find a job's folder and logs from any process."""
    return {
        "job_dir": str(directory),
        "stdout": str(directory / "stdout.log"),
        "stderr": str(directory / "stderr.log"),
    }


def _under_root(directory: Path, domino_path: str) -> Path:
    relative = Path(domino_path.lstrip("/"))
    if ".." in relative.parts:
        raise TaskFailedError(f"custom path {domino_path!r} may not contain '..'")
    return directory / "root" / relative
