"""The domino backend: each task attempt runs as a Domino Job through Domino's REST API.

One python-domino client per backend instance (one per run). For a task attempt:

1. ``resolve``: environment and hardware tier names become ids, listing each once per run.
2. ``stage_inputs``: the inputs (``contract.write_inputs``), a ``job.json`` manifest and the
   stdlib-only bootstrap (``domino_bootstrap.py``) are uploaded to the project's files under
   ``.domino-flows/staging/<run>/<task>/<attempt>/``. The staging reference returned is
   ``<staging path>@<commit id>``: the commit holding them, which the job starts at.
3. ``start``: POST /v4/jobs/start with ``python <staging>/bootstrap.py`` as the command, through
   the client's authenticated session with the body python-domino's ``job_start`` sends. (Its
   ``job_start`` method itself lists tiers, environments and commits again on every call to
   validate ids, and hides whether a failed start reached the server.) A start whose answer is
   lost (dropped connection, timeout, 5xx) is not repeated blindly: the project's runs are
   listed first and a job started at the staging commit is adopted (``domino_jobs.py``).
4. ``status``: GET /v4/jobs/{id}, Domino's execution status mapped by an explicit table; a failed,
   stopped or errored job's message carries its ``_ERROR`` and the tail of its log.
5. ``collect_outputs``: the files under ``<staging>/outputs/`` in the job's output commit are
   downloaded to ``.domino-flows/domino-outputs/<run>/<task>/<attempt>/`` locally and read with
   ``contract.read_outputs``.

Handles carry the job id, its page ``{host}/jobs/{owner}/{project}/{job id}``, the staging path and
commit: never a credential. Settings: any object with ``domino.project`` / ``domino.host``
(``domino_flows.project.ProjectSettings``) or with ``domino_project`` / ``domino_host``; both fall
back to the environment (``DOMINO_PROJECT_OWNER``/``DOMINO_PROJECT_NAME``, ``DOMINO_API_HOST``).

Helpers: ``domino_client`` (credentials, client, retries), ``domino_names`` (names to ids),
``domino_files`` (uploads, downloads), ``domino_jobs`` (payload, start, status table),
``domino_polling`` (backoff), ``domino_bootstrap`` (the in-job script).
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from domino.exceptions import ProjectNotFoundException

from domino_flows import contract
from domino_flows.backends import domino_bootstrap
from domino_flows.backends.base import JobHandle, JobSpec, JobState, JobStatus, ResolvedJob
from domino_flows.backends.domino_client import (
    DominoApiError,
    DominoCredentials,
    RetryPolicy,
    build_client,
    call_with_retry,
    resolve_credentials,
    resolve_host,
    resolve_project,
)
from domino_flows.backends.domino_files import (
    download_tree,
    newest_commit,
    upload_tree,
)
from domino_flows.backends.domino_jobs import (
    STAGING_ROOT,
    build_payload,
    find_started_job,
    map_status,
    parse_staging,
    staging_path,
    start_job,
)
from domino_flows.backends.domino_names import DominoNames
from domino_flows.backends.domino_polling import JobPoller, PollPolicy
from domino_flows.errors import ConfigurationError, TaskFailedError

logger = logging.getLogger(__name__)

LOCAL_OUTPUTS_ROOT = ".domino-flows/domino-outputs"
LOG_TAIL_LINES = 30


def _settings_value(settings: Any, name: str) -> str | None:
    domino = getattr(settings, "domino", None)
    value = getattr(domino, name, None) if domino is not None else None
    return value or getattr(settings, f"domino_{name}", None)


class DominoBackend:
    """Runs jobs on a Domino deployment. See the module docstring for the protocol's steps."""

    name = "domino"

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
    ) -> None:
        self.project_root = Path(project_root)
        self.project = resolve_project(_settings_value(settings, "project"), environ)
        self.host = resolve_host(_settings_value(settings, "host"), environ)
        self._credentials = resolve_credentials(credentials, environ)
        self._retry = retry or RetryPolicy()
        self._poller = JobPoller(poll or PollPolicy())
        self._client_factory = client_factory or build_client
        self._client: Any = None
        self._project_id: str | None = None
        self._lock = threading.RLock()
        self._names = DominoNames(
            self.project, lambda: self.client, lambda: self.project_id, self._retry
        )
        self._started: dict[str, JobHandle] = {}
        self._start_locks: dict[str, threading.Lock] = {}
        self._final_messages: dict[str, str] = {}

    def __repr__(self) -> str:
        return (
            f"DominoBackend(project={self.project!r}, host={self.host!r}, "
            f"credentials={self._credentials.source!r})"
        )

    # --- client -------------------------------------------------------------------------------

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

    @property
    def project_id(self) -> str:
        with self._lock:
            if self._project_id is None:

                def find() -> str:
                    try:
                        return str(self.client.project_id)
                    except ProjectNotFoundException:
                        raise ConfigurationError(
                            f"Domino project {self.project!r} not found at {self.host}; check "
                            "[tool.domino_flows.domino] project (owner/name) and that your "
                            "account can open it."
                        ) from None

                self._project_id = call_with_retry(
                    self._retry, "GET /v4/gateway/projects/findProjectByOwnerAndName", find
                )
            return self._project_id

    def _get_json(self, endpoint: str, url: str) -> Any:
        return call_with_retry(
            self._retry, endpoint, lambda: self.client.request_manager.get(url).json()
        )

    def _scrub(self, text: str) -> str:
        for secret in self._credentials.secrets():
            text = text.replace(secret, "***")
        return text

    # --- resolve -------------------------------------------------------------------------------

    def resolve(self, spec: JobSpec) -> ResolvedJob:
        return self._names.resolve(spec)

    # --- stage ---------------------------------------------------------------------------------

    def stage_inputs(self, spec: JobSpec, values: dict[str, Any]) -> str:
        path = staging_path(spec)
        outputs = {name: contract.kind_of(t) for name, t in spec.output_types.items()}
        manifest = {
            "staging": path,
            "task": spec.task,
            "command": spec.config.Command,
            "outputs": outputs,
        }
        with tempfile.TemporaryDirectory(prefix="domino-flows-stage-") as temp:
            folder = Path(temp)
            contract.write_inputs(folder / domino_bootstrap.INPUTS_FOLDER, values, spec.input_types)
            (folder / domino_bootstrap.MANIFEST_FILE).write_text(
                json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8"
            )
            shutil.copyfile(domino_bootstrap.__file__, folder / "bootstrap.py")
            commit = upload_tree(self.client, self._retry, folder, path)
        if not commit:
            commit = newest_commit(self.client, self._retry)
        logger.info("task %s: staged inputs at %s (commit %s)", spec.task, path, commit)
        return f"{path}@{commit}"

    # --- start ---------------------------------------------------------------------------------

    def job_payload(self, spec: JobSpec, staging: str) -> dict[str, Any]:
        """The POST /v4/jobs/start body for ``spec`` staged at ``staging``."""
        path, commit = parse_staging(staging)
        return build_payload(self.project_id, spec, path, commit, self.resolve(spec))

    def start(self, spec: JobSpec, staging: str) -> JobHandle:
        # One lock per staging: a second start of the same attempt waits for the first and gets
        # its handle; other tasks' starts go ahead at the same time.
        with self._lock:
            start_lock = self._start_locks.setdefault(staging, threading.Lock())
        with start_lock:
            if staging in self._started:
                return self._started[staging]
            path, commit = parse_staging(staging)
            self._warn_unsent(spec)
            job = start_job(
                self.client, self._retry, self.job_payload(spec, staging), path, commit, self._scrub
            )
            job_id = str(job["id"])
            owner, name = self.project.split("/")
            details = {"project": self.project, "staging": path, "input_commit": commit}
            if job.get("number") is not None:
                details["job_number"] = str(job["number"])
            handle = JobHandle(
                backend=self.name,
                job_id=job_id,
                run_id=spec.run_id,
                task=spec.task,
                url=f"{self.host}/jobs/{owner}/{name}/{job_id}",
                details=details,
            )
            self._started[staging] = handle
            logger.info("task %s: started Domino job %s (%s)", spec.task, job_id, handle.url)
            return handle

    def _warn_unsent(self, spec: JobSpec) -> None:
        """Say which job config fields POST /v4/jobs/start cannot carry, rather than drop them
        quietly."""
        config = spec.config
        unsent = []
        if config.CommitId:
            unsent.append(
                f"CommitId {config.CommitId!r} (the job starts at the staging commit, which holds "
                "the project's newest files and the staged inputs; pin code with MainRepoGitRef "
                "in git-based projects)"
            )
        if config.DatasetSnapshots:
            unsent.append("DatasetSnapshots (the project's default dataset mounts apply)")
        if config.VolumeSizeGiB is not None:
            unsent.append("VolumeSizeGiB (the project's default volume size applies)")
        if unsent:
            logger.warning(
                "task %s: the domino backend does not send %s.", spec.task, "; ".join(unsent)
            )

    # --- status, logs, stop ----------------------------------------------------------------------

    def _job(self, job_id: str) -> dict[str, Any]:
        url = self.client._routes.job_status(job_id)
        return dict(self._get_json("GET /v4/jobs/{id}", url))

    def status(self, handle: JobHandle) -> JobStatus:
        job = self._job(handle.job_id)
        statuses = job.get("statuses", {})
        execution = statuses.get("executionStatus")
        state = map_status(execution, bool(statuses.get("isCompleted")))
        if state in (JobState.FAILED, JobState.ERROR, JobState.STOPPED):
            return JobStatus(state, self._failure_message(handle, job, state, execution))
        return JobStatus(state, "" if state.is_terminal else str(execution or ""))

    def _failure_message(
        self, handle: JobHandle, job: dict[str, Any], state: JobState, execution: Any
    ) -> str:
        if handle.job_id in self._final_messages:
            return self._final_messages[handle.job_id]
        number = handle.details.get("job_number")
        parts = [
            f"Domino job {'#' + number + ' ' if number else ''}{handle.job_id} ended "
            f"{execution or state.value} ({handle.url})"
        ]
        output_commit = (job.get("commitDetails") or {}).get("outputCommitId")
        staging = handle.details.get("staging")
        if output_commit and staging:
            error_text = self._read_error_file(output_commit, staging)
            if error_text:
                parts.append(f"_ERROR: {error_text.strip()}")
        try:
            tail = self.logs(handle, tail=LOG_TAIL_LINES)
        except DominoApiError as error:
            tail = f"(its log could not be fetched: {error})"
        parts.append(f"last {LOG_TAIL_LINES} lines of its log:\n{tail}")
        message = self._scrub("\n".join(parts))
        self._final_messages[handle.job_id] = message
        return message

    def _read_error_file(self, commit: str, staging: str) -> str | None:
        path = f"{staging}/{domino_bootstrap.OUTPUTS_FOLDER}/{domino_bootstrap.ERROR_FILE}"
        url = self.client._routes.blobs_get_v2(path, commit, self.project_id)
        try:
            response = call_with_retry(
                self._retry,
                "GET /api/projects/v1/projects/{id}/files/{commit}/{path}/content",
                lambda: self.client.request_manager.get(url),
            )
        except DominoApiError as error:
            if error.status == 404:
                return None
            raise
        return response.content[: domino_bootstrap.ERROR_FILE_LIMIT].decode("utf-8", "replace")

    def logs(self, handle: JobHandle, tail: int | None = None) -> str:
        text = call_with_retry(
            self._retry,
            "GET /v1/projects/{owner}/{project}/run/{id}/stdout",
            lambda: self.client.runs_stdout(handle.job_id),
        )
        text = self._scrub(str(text))
        if tail is not None:
            text = "\n".join(text.splitlines()[-tail:])
        return text

    def stop(self, handle: JobHandle) -> None:
        if self.status(handle).is_terminal:
            return
        request = {"projectId": self.project_id, "jobId": handle.job_id, "commitResults": True}
        url = self.client._routes.job_stop()
        try:
            call_with_retry(
                self._retry,
                "POST /v4/jobs/stop",
                lambda: self.client.request_manager.post(url, json=request),
            )
        except DominoApiError as error:
            # It may have finished between our look and the stop: that is a stopped job too.
            if error.status is None or error.status >= 500 or not self.status(handle).is_terminal:
                raise

    def wait(self, handle: JobHandle, timeout: float) -> JobStatus:
        """Until the job ends or ``timeout`` seconds pass; then its last known status.

        Domino is polled on a backed-off schedule kept per job across calls (see JobPoller)."""
        return self._poller.wait(handle.job_id, lambda: self.status(handle), timeout)

    def error_text(self, handle: JobHandle) -> str:
        """The ``_ERROR`` text, read with the failure message (a failed job's log tail says it)."""
        message = self._final_messages.get(handle.job_id, "")
        marker = "_ERROR: "
        if marker not in message:
            return ""
        return message.split(marker, 1)[1].split("\nlast ", 1)[0].strip()

    def scheduling_slots(self, spec: JobSpec) -> int:
        return 1  # Domino schedules its own hardware

    def default_capacity(self) -> int:
        return 16

    def handle_for(self, run_id: str, task: str, attempt: int, job_id: str, url: str) -> JobHandle:
        details = {"project": self.project}
        return JobHandle(self.name, job_id, run_id, task, url, details)

    def find_attempt_job(self, spec: JobSpec) -> JobHandle | None:
        """A job whose command runs this attempt's staging folder (unique per attempt)."""
        path = staging_path(spec)
        job = find_started_job(self.client, self._retry, path, "")
        if job is None:
            return None
        owner, name = self.project.split("/")
        job_id = str(job["id"])
        details = {"project": self.project, "staging": path}
        url = f"{self.host}/jobs/{owner}/{name}/{job_id}"
        return JobHandle(self.name, job_id, spec.run_id, spec.task, url, details)

    # --- outputs ---------------------------------------------------------------------------------

    def collect_outputs(self, handle: JobHandle, spec: JobSpec) -> dict[str, Any]:
        job = self._job(handle.job_id)
        statuses = job.get("statuses", {})
        state = map_status(statuses.get("executionStatus"), bool(statuses.get("isCompleted")))
        output_commit = (job.get("commitDetails") or {}).get("outputCommitId")
        if not output_commit:
            raise TaskFailedError(
                f"task {spec.task!r}: Domino job {handle.job_id} ({state.value}) has no output "
                f"commit, so its outputs cannot be read. See {handle.url}."
            )
        staging = handle.details.get("staging") or staging_path(spec)
        local = self.project_root / LOCAL_OUTPUTS_ROOT / Path(staging).relative_to(STAGING_ROOT)
        if local.exists():
            shutil.rmtree(local)
        local.mkdir(parents=True)
        download_tree(
            self.client,
            self._retry,
            self.project_id,
            output_commit,
            f"{staging}/{domino_bootstrap.OUTPUTS_FOLDER}",
            local,
        )
        return contract.read_outputs(local, spec.output_types, spec.task)
