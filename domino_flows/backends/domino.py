"""The domino backend: each task attempt runs as a Domino Job through Domino's published API.

One python-domino client per backend instance (one per run); every route called is listed in
``domino_api.py``. For a task attempt:

1. ``resolve``: environment and hardware tier names become ids, listing each once per run.
2. ``stage_inputs``: one upload, ``POST /v4/projects/{id}/commits/head/files/{path}``, of the
   attempt's ``job.pyz`` (bootstrap, manifest, inputs; ``domino_files.py``) into the project's files
   under ``.domino-flows/staging/<date>-<run>/<task>-<marker>/``. The staging reference returned is
   that folder.
3. ``start``: ``POST /v4/jobs/start`` with ``python <files>/<staging>/job.pyz``, where
   ``<files>`` is where the job sees the project's files: ``/mnt`` in a DFS project,
   ``/mnt/artifacts`` in a git-based one (read from the project's ``mainRepository``). A start
   whose answer is lost is never repeated blindly: the project's jobs are listed first and the
   job carrying the attempt's marker adopted (``domino_jobs.py``).
4. ``status`` / ``wait``: ``GET /v4/jobs/{id}`` on a backed-off schedule, Domino's statuses mapped
   by an explicit table; polling survives an outage of ``poll_outage_minutes``. A failed, stopped
   or errored job's message carries its ``_ERROR`` and the tail of its log.
5. ``collect_outputs``: one download of ``<staging>/outputs.zip`` from the job's output commit,
   unpacked to ``.domino-flows/domino-outputs/...`` locally and read with ``contract.read_outputs``.

A successful attempt costs three requests plus its polls (upload, start, download); a run adds
four once (version, project, tiers, environments). Staging folders are pruned by later jobs after
``retention_days`` (``domino_bootstrap.prune``): the published API has no route to delete files.

Handles carry the job id, its page ``{host}/jobs/{owner}/{project}/{job id}``, the staging path and
marker: never a credential. Settings: any object with ``domino.project`` / ``domino.host`` (and the
optional ``poll_outage_minutes``, ``start_budget_minutes``, ``retention_days``), or with
``domino_project`` / ``domino_host``; both fall back to the environment (``DOMINO_PROJECT_OWNER``/
``DOMINO_PROJECT_NAME``, ``DOMINO_API_HOST``).
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from domino_flows.backends.base import JobHandle, JobSpec, JobState, JobStatus, ResolvedJob
from domino_flows.backends.domino_api import DominoRoutes
from domino_flows.backends.domino_client import (
    DEFAULT_TIMEOUT,
    DominoApiError,
    DominoCredentials,
    RetryPolicy,
    build_client,
    call_with_retry,
    resolve_credentials,
    resolve_host,
    resolve_project,
)
from domino_flows.backends.domino_files import build_archive
from domino_flows.backends.domino_jobs import (
    ARCHIVE_NAME,
    DEFAULT_SETTLE_SECONDS,
    STAGING_ROOT,
    UnknownStatus,
    attempt_marker,
    command_for,
    find_job,
    map_status,
    pinned_command_for,
    staging_of_command,
    staging_path,
    start_job,
)
from domino_flows.backends.domino_names import DominoNames
from domino_flows.backends.domino_outputs import DominoOutputs
from domino_flows.backends.domino_polling import JobPoller, PollPolicy
from domino_flows.backends.domino_records import DominoRecords, dataset_outputs
from domino_flows.backends.domino_start import start_body, warn_unsent
from domino_flows.contract import job_types
from domino_flows.contract import values as contract
from domino_flows.core.errors import ConfigurationError
from domino_flows.core.project import DOMINO_BACKEND
from domino_flows.core.redaction import redact
from domino_flows.export_job import COMMAND as EXPORT_COMMAND
from domino_flows.export_job import NOT_ON_DOMINO as EXPORT_NOT_ON_DOMINO

logger = logging.getLogger(__name__)

DEFAULT_CAPACITY = 16
DEFAULT_POLL_OUTAGE_MINUTES = 30.0
DEFAULT_START_BUDGET_MINUTES = 5.0
DEFAULT_RETENTION_DAYS = 7
# A stop request (and the status look before it) is tried at most this often, for this long:
# Ctrl-C during an outage must end the command within seconds, recording what it could not stop.
DEFAULT_STOP_BUDGET_SECONDS = 4.0
STOP_ATTEMPTS = 3


def _settings_value(settings: Any, name: str) -> Any:
    domino = getattr(settings, "domino", None)
    value = getattr(domino, name, None) if domino is not None else None
    return value or getattr(settings, f"domino_{name}", None)


class DominoBackend(DominoOutputs, DominoRecords):
    """Runs jobs on a Domino deployment. See the module docstring for the protocol's steps; job
    tags, model versions and dataset snapshots are ``domino_records``'s, reading a finished job's
    outputs ``domino_outputs``'s."""

    name = DOMINO_BACKEND

    def __init__(
        self,
        project_root: Path,
        settings: Any = None,
        *,
        credentials: DominoCredentials | None = None,
        environ: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        poll: PollPolicy | None = None,
        client_factory: Callable[[str, str, DominoCredentials], Any] | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        start_settle: float = DEFAULT_SETTLE_SECONDS,
        stop_budget: float = DEFAULT_STOP_BUDGET_SECONDS,
    ) -> None:
        self.project_root = Path(project_root)
        self.project = resolve_project(_settings_value(settings, "project"), environ)
        self.host = resolve_host(_settings_value(settings, "host"), environ)
        self._credentials = resolve_credentials(credentials, environ)
        self._credentials.remember()  # masked in every text from now on, wherever it came from
        # Interrupting the backend (a stopping run) ends every retry loop at its next wait.
        self._interrupted = threading.Event()
        self._retry = replace(retry or RetryPolicy(), cancelled=self._interrupted)
        # A stop gets a few quick tries whatever the run's state: it must not outlast Ctrl-C.
        self._stop_retry = replace(
            self._retry, cancelled=None, budget=stop_budget, attempts=STOP_ATTEMPTS
        )
        outage = _settings_value(settings, "poll_outage_minutes") or DEFAULT_POLL_OUTAGE_MINUTES
        budget = _settings_value(settings, "start_budget_minutes") or DEFAULT_START_BUDGET_MINUTES
        self._poll_retry = self._retry.with_budget(float(outage) * 60)
        self._start_retry = self._retry.with_budget(float(budget) * 60, self._retry.attempts)
        self.retention_days = int(
            _settings_value(settings, "retention_days") or DEFAULT_RETENTION_DAYS
        )
        self._start_settle = start_settle
        self._poller = JobPoller(poll or PollPolicy().with_environment(environ))
        self._client_factory = client_factory or functools.partial(build_client, timeout=timeout)
        self._client: Any = None
        self._project_info: dict[str, Any] | None = None
        self._lock = threading.RLock()
        self.routes = DominoRoutes(lambda: self.client, self.host, self._retry)
        self._names = DominoNames(self.project, self.routes, lambda: self.project_id)
        self._started: dict[str, JobHandle] = {}
        self._start_locks: dict[str, threading.Lock] = {}
        self._jobs: dict[str, dict[str, Any]] = {}  # last answer of GET /v4/jobs/{id}
        self._outputs: dict[str, bytes] = {}  # job id -> its outputs.zip
        self._final_messages: dict[str, str] = {}

    def __repr__(self) -> str:
        return (
            f"DominoBackend(project={self.project!r}, host={self.host!r}, "
            f"credentials={self._credentials.source!r})"
        )

    def close(self) -> None:
        """Close the HTTP connections. Jobs started on Domino run on: they are Domino's, and a
        later ``resume`` or ``show`` finds them. Safe to call twice; the client reconnects on
        next use."""
        with self._lock:
            client, self._client = self._client, None
        session = getattr(getattr(client, "request_manager", None), "request_session", None)
        if session is not None:
            session.close()

    def __enter__(self) -> DominoBackend:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- client and project -----------------------------------------------------------------------

    @property
    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = call_with_retry(
                    self._retry,
                    "GET /version",
                    lambda: self._client_factory(self.project, self.host, self._credentials),
                )
            return self._client

    def _project(self) -> dict[str, Any]:
        with self._lock:
            if self._project_info is None:
                owner, name = self.project.split("/")
                try:
                    self._project_info = self.routes.find_project(owner, name)
                except DominoApiError as error:
                    if error.status not in (403, 404):
                        raise
                    raise ConfigurationError(
                        f"Domino project {self.project!r} not found at {self.host} (HTTP "
                        f"{error.status}); check [tool.domino_flows.domino] project (owner/name) "
                        "and that your account can open it."
                    ) from None
            return self._project_info

    @property
    def project_id(self) -> str:
        return str(self._project()["id"])

    @property
    def project_type(self) -> str:
        """``git`` for a git-based project (it has a main repository), else ``dfs``."""
        return "git" if self._project().get("mainRepository") else "dfs"

    @property
    def files_root(self) -> str:
        """Where a job sees the project's files (and so the staged archive)."""
        return "/mnt/artifacts" if self.project_type == "git" else "/mnt"

    @property
    def working_dir(self) -> str:
        """Where a job starts: the main repository, or the project's files."""
        return "/mnt/code" if self.project_type == "git" else "/mnt"

    def _scrub(self, text: str) -> str:
        return redact(text) or ""

    # --- scheduling -------------------------------------------------------------------------------

    def scheduling_slots(self, spec: JobSpec) -> int:
        return 1  # Domino schedules its own hardware

    def default_capacity(self) -> int:
        return DEFAULT_CAPACITY

    # --- resolve and stage ------------------------------------------------------------------------

    @property
    def names(self) -> DominoNames:
        """Name resolution of this run (tiers, environments, datasets), for the preflight."""
        return self._names

    def resolve(self, spec: JobSpec) -> ResolvedJob:
        if spec.config.Command == EXPORT_COMMAND:
            raise ConfigurationError(f"task {spec.task!r}: {EXPORT_NOT_ON_DOMINO}")
        return self._names.resolve(spec)

    def job_defaults_for(self, spec: JobSpec) -> dict[str, Any]:
        """The project's job defaults for ``spec`` (``resolveJobDefaults``, asked once per
        distinct request): what ``submit`` fills a task's omitted start fields from."""
        return self._names.job_defaults_for(spec)

    def stage_inputs(self, spec: JobSpec, values: dict[str, Any]) -> str:
        path = staging_path(spec)
        manifest = {
            "staging": path,
            "task": spec.task,
            # the bootstrap runs it through the shell: a script by its extension, as Domino would
            "command": job_types.shell_command(spec.config.Command),
            "outputs": {name: contract.kind_of(t) for name, t in spec.output_types.items()},
            "working_dir": self.working_dir,
            "retention_days": self.retention_days,
            "environment": dict(spec.environment),
            "tracking": dict(spec.tracking),
        }
        datasets = dataset_outputs(spec, self.project_type)
        if datasets:  # Artifact(..., DATA, register=...): the job copies the files into them
            manifest["datasets"] = datasets
        archive = build_archive(spec, values, manifest)
        self.routes.upload(self.project_id, f"{path}/{ARCHIVE_NAME}", archive)
        logger.info("task %s: staged inputs at %s (%d bytes)", spec.task, path, len(archive))
        return path

    # --- start ------------------------------------------------------------------------------------

    def _check_staging(self, spec: JobSpec, staging: str) -> str:
        marker = attempt_marker(spec.run_id, spec.task, spec.attempt)
        if not staging.startswith(STAGING_ROOT + "/") or not staging.endswith(marker):
            raise ConfigurationError(
                f"task {spec.task!r}: staging reference {staging!r} was not made by the domino "
                f"backend for attempt {spec.attempt} of run {spec.run_id}; stage the inputs "
                "with the domino backend first."
            )
        return marker

    def job_payload(self, spec: JobSpec, staging: str) -> dict[str, Any]:
        """The POST /v4/jobs/start body for ``spec`` staged at ``staging``."""
        self._check_staging(spec, staging)
        command = command_for(self.files_root, staging)
        if spec.config.CommitId:
            # The pinned commit lacks the archive staged after it; the head commit holds it.
            archive_commit = self.routes.head_commit(self.project_id)
            command = pinned_command_for(self.files_root, staging, self.project_id, archive_commit)
        return start_body(self.project_id, spec, command, self.resolve(spec))

    def _handle(self, run_id: str, task: str, job: Mapping[str, Any], staging: str) -> JobHandle:
        job_id = str(job["id"])
        owner, name = self.project.split("/")
        details = {"project": self.project, "staging": staging}
        if job.get("number") is not None:
            details["job_number"] = str(job["number"])
        return JobHandle(
            backend=self.name,
            job_id=job_id,
            run_id=run_id,
            task=task,
            url=f"{self.host}/jobs/{owner}/{name}/{job_id}",
            details=details,
        )

    def start(self, spec: JobSpec, staging: str) -> JobHandle:
        # One lock per staging: a second start of the same attempt waits for the first and gets
        # its handle; other tasks' starts go ahead at the same time.
        marker = self._check_staging(spec, staging)
        with self._lock:
            start_lock = self._start_locks.setdefault(staging, threading.Lock())
        with start_lock:
            if staging in self._started:
                return self._started[staging]
            warn_unsent(spec)
            payload = self.job_payload(spec, staging)
            job = start_job(
                self.routes,
                self._start_retry,
                self.project_id,
                payload,
                marker,
                self._scrub,
                self._start_settle,
            )
            handle = self._handle(spec.run_id, spec.task, job, staging)
            self._started[staging] = handle
            logger.info("task %s: started Domino job %s (%s)", spec.task, handle.job_id, handle.url)
            return handle

    def find_attempt_job(self, spec: JobSpec) -> JobHandle | None:
        marker = attempt_marker(spec.run_id, spec.task, spec.attempt)
        job = find_job(self.routes, self.project_id, marker)
        if job is None:
            return None
        staging = staging_of_command(str(job.get("jobRunCommand", ""))) or ""
        return self._handle(spec.run_id, spec.task, job, staging)

    def handle_for(self, run_id: str, task: str, attempt: int, job_id: str, url: str) -> JobHandle:
        details = {"project": self.project, "marker": attempt_marker(run_id, task, attempt)}
        return JobHandle(self.name, job_id, run_id, task, url=url, details=details)

    # --- status, logs, stop ----------------------------------------------------------------------

    def _job(self, job_id: str) -> dict[str, Any]:
        job = self.routes.job(job_id, policy=self._poll_retry)
        self._jobs[job_id] = job
        return job

    def status(self, handle: JobHandle) -> JobStatus:
        job = self._job(handle.job_id)
        execution = job.get("statuses", {}).get("executionStatus")
        try:
            state = map_status(execution)
        except UnknownStatus as error:
            return JobStatus(JobState.ERROR, f"Domino job {handle.job_id} ({handle.url}): {error}")
        if state in (JobState.FAILED, JobState.ERROR, JobState.STOPPED):
            return JobStatus(state, self._failure_message(handle, job, state, execution))
        return JobStatus(state, "" if state.is_terminal else str(execution or ""))

    def wait(self, handle: JobHandle, timeout: float) -> JobStatus:
        """Until the job ends or ``timeout`` seconds pass; then its last known status.

        Domino is polled on a backed-off schedule kept per job across calls (see JobPoller)."""
        return self._poller.wait(handle.job_id, lambda: self.status(handle), timeout)

    def stop(self, handle: JobHandle) -> None:
        """Ask Domino to stop the job (unless it ended); a few quick tries, never the long
        outage budget of a status poll. Domino stops a job asynchronously: its end is seen by
        ``wait``, not here."""
        if self._stop_look(handle).is_terminal:
            return
        try:
            self.routes.stop(handle.job_id, policy=self._stop_retry)
        except DominoApiError as error:
            # It may have finished between our look and the stop: that is a stopped job too.
            if (
                error.status is None
                or error.status >= 500
                or not self._stop_look(handle).is_terminal
            ):
                raise

    def _stop_look(self, handle: JobHandle) -> JobStatus:
        job = self.routes.job(handle.job_id, policy=self._stop_retry)
        self._jobs[handle.job_id] = job
        try:
            return JobStatus(map_status(job.get("statuses", {}).get("executionStatus")))
        except UnknownStatus:
            return JobStatus(JobState.RUNNING)  # not known to have ended: send the stop

    def interrupt(self) -> None:
        self._interrupted.set()

    @property
    def start_settle_seconds(self) -> float:
        return self._start_settle
