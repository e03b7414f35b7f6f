"""The one interface every execution backend implements.

The connector (``python flow.py``, ``pyflyte run``) and the runner (``domino-flows run``) drive a
backend only through :class:`JobBackend`; neither knows whether jobs run as local subprocesses or
on a Domino deployment. Values crossing this interface are plain Python values typed by the task's
interface; the job I/O contract (``contract/values.py``) turns them into files.

Nothing here may hold a credential: :class:`JobHandle` is persisted (in flytekit's resource
metadata and in the run store) and shown to users.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from domino_flows.authoring.config import DominoJobConfig


class JobState(str, enum.Enum):
    """Domino's job execution statuses."""

    QUEUED = "Queued"
    PENDING = "Pending"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    ERROR = "Error"
    STOPPED = "Stopped"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATES


TERMINAL_STATES = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.ERROR, JobState.STOPPED})


@dataclass(frozen=True)
class JobSpec:
    """What to run: one attempt of one task of one run."""

    run_id: str
    flow: str
    task: str
    # every job setting, how omitted ones are filled included: one value (contract/job_settings)
    config: DominoJobConfig
    input_types: dict[str, Any] = field(default_factory=dict)
    output_types: dict[str, Any] = field(default_factory=dict)
    # lineage: the dataset each input was bound to (see lineage.DatasetRef.source), when known
    input_sources: dict[str, str] = field(default_factory=dict)
    attempt: int = 1
    # the flow's node this attempt runs, as `show` names it (n0, n1-n0...); ``task`` carries it
    # only when several nodes run the same task
    node: str = ""
    # Custom Domino paths (``Input(path=...)``/``Output(path=...)``) by input/output name.
    input_paths: dict[str, str] = field(default_factory=dict)
    output_paths: dict[str, str] = field(default_factory=dict)
    # Variables the kit adds to the job's environment (its MLflow run, its dominostats.json).
    environment: dict[str, str] = field(default_factory=dict)
    # What a job that records itself writes to MLflow (``tracking_job``'s plan; JSON).
    tracking: dict[str, Any] = field(default_factory=dict)
    # The job's tags (flow, run, task) when the project tags jobs: a backend that keeps them
    # with the job's own record (local ``job.json``) writes them as the job starts; ``tag_job``
    # then has nothing left to do.
    tags: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """Job title naming flow, task and run (the user's Title wins)."""
        if self.config.Title:
            return self.config.Title
        flow = f"{self.flow} / " if self.flow else ""
        return f"{flow}{self.task} [run {self.run_id}, attempt {self.attempt}]"


@dataclass(frozen=True)
class ResolvedJob:
    """A job config with environment and hardware tier names resolved to what the backend uses."""

    environment_id: str | None
    environment_name: str | None
    environment_revision: str | None
    hardware_tier_id: str | None
    hardware_tier_name: str | None
    # External data volumes to mount, by id: the config's ids and its volumes' names resolved.
    external_volume_mount_ids: tuple[str, ...] = ()
    # Dataset snapshots as Domino's ``DatasetSnapshotRefDto`` (names resolved to dataset ids).
    dataset_snapshots: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class JobHandle:
    """A started job. Serializable, and free of secrets by construction."""

    backend: str
    job_id: str
    run_id: str
    task: str
    url: str = ""
    details: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "job_id": self.job_id,
            "run_id": self.run_id,
            "task": self.task,
            "url": self.url,
            "details": dict(self.details),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobHandle:
        return cls(
            backend=data["backend"],
            job_id=data["job_id"],
            run_id=data["run_id"],
            task=data["task"],
            url=data.get("url", ""),
            details=dict(data.get("details", {})),
        )


@dataclass(frozen=True)
class JobStatus:
    state: JobState
    message: str = ""

    @property
    def is_terminal(self) -> bool:
        return self.state.is_terminal


@runtime_checkable
class JobBackend(Protocol):
    """Runs Domino jobs somewhere. Implementations: ``local`` and ``domino``."""

    name: str

    def resolve(self, spec: JobSpec) -> ResolvedJob:
        """Environment and hardware tier for the spec; unknown names raise ConfigurationError
        listing the names that exist."""
        ...

    def stage_inputs(self, spec: JobSpec, values: dict[str, Any]) -> str:
        """Write the inputs where the job will read them; returns a staging reference."""
        ...

    def start(self, spec: JobSpec, staging: str) -> JobHandle:
        """Start the job. Never starts a second job for the same spec and staging."""
        ...

    def status(self, handle: JobHandle) -> JobStatus: ...

    def stop(self, handle: JobHandle) -> None:
        """Ask for the job to stop if it still runs (idempotent), with a short budget: raises
        DominoFlowsError when the request could not be sent. The job may end later (Domino
        stops a container asynchronously); ``wait`` sees it end."""
        ...

    def interrupt(self) -> None:
        """The run is stopping: waits and retries in progress or to come give up at once (a
        call then raises DominoFlowsError); ``stop`` keeps its own short budget."""
        ...

    @property
    def start_settle_seconds(self) -> float:
        """How long a start whose answer was lost may take to show its job (0 where a start
        cannot outlive its caller): ``resume`` looks that long for a killed runner's job."""
        ...

    def collect_outputs(self, handle: JobHandle, spec: JobSpec) -> dict[str, Any]:
        """Read the finished job's outputs by the contract's rules (TaskFailedError if not)."""
        ...

    def logs(self, handle: JobHandle, tail: int | None = None) -> str:
        """The job's log (stdout and stderr), or its last ``tail`` lines."""
        ...

    def wait(self, handle: JobHandle, timeout: float) -> JobStatus:
        """Block at most ``timeout`` seconds for the job to end; its status then, ended or not.
        (Local jobs signal their end; remote ones are polled with the backend's own backoff.)"""
        ...

    def error_text(self, handle: JobHandle) -> str:
        """The ``_ERROR`` text the job wrote, or "" when it wrote none (or it is not at hand)."""
        ...

    def scheduling_slots(self, spec: JobSpec) -> int:
        """How many of the run's slots the job takes (locally its hardware tier's cores)."""
        ...

    def default_capacity(self) -> int:
        """A run's slots when the user gives no ``--max-parallel``."""
        ...

    def handle_for(self, run_id: str, task: str, attempt: int, job_id: str, url: str) -> JobHandle:
        """The handle of an attempt recorded in the run store, so a later process (``resume``,
        ``logs``) can read or stop a job that an earlier one started."""
        ...

    def close(self) -> None:
        """Release what the backend holds (local: stop its running jobs and its warm launcher;
        domino: its HTTP connections). Whoever got the backend closes it; safe to call twice."""
        ...

    def records_in_job(self) -> bool:
        """True when a job writes its own MLflow run (on Domino the tracking server is the
        job's, and Domino links a run to the job that wrote it); False when the driver writes
        it for the job (locally)."""
        ...

    def tag_job(self, handle: JobHandle, tags: list[str]) -> None:
        """Add tags to a started job, so a user can filter jobs by flow, run and task."""
        ...

    def register_model(
        self,
        handle: JobHandle,
        name: str,
        mlflow_run_id: str,
        artifact_path: str,
        store: str | None,
    ) -> str:
        """Make ``artifact_path`` of MLflow run ``mlflow_run_id`` a new version of registered
        model ``name`` (created if missing) in the registry users see; its version number.
        ``store``: the tracking store the runner reaches, when it reaches one."""
        ...

    def check_dataset(self, task: str, name: str) -> None:
        """Raise ConfigurationError (naming ``task`` and the closest known name) unless a DATA
        artifact of ``task`` can become a snapshot of dataset ``name``; before its job starts."""
        ...

    def snapshot_dataset(
        self, handle: JobHandle, name: str, files: list[tuple[Path, str]]
    ) -> dict[str, Any]:
        """A new snapshot of dataset ``name`` holding the files the attempt wrote to it (locally
        ``files``, (local path, file name) pairs; on Domino those its job wrote into the dataset):
        its ``dataset``, ``snapshot`` (id or folder) and ``version``. DominoFlowsError when it
        was not made, saying why."""
        ...

    def job_records(self, handle: JobHandle) -> dict[str, str]:
        """What a finished job that records itself reported about its records (its MLflow run
        and experiment ids); {} when it reported nothing."""
        ...

    def find_attempt_job(self, spec: JobSpec) -> JobHandle | None:
        """The job already started for exactly this attempt (run, task, attempt number), found by
        a marker unique to the attempt; None if there is none. A runner killed while a start was
        in flight leaves no job id behind: this is how the next one finds the job before it
        starts anything again."""
        ...
