"""Reading what a finished Domino job left: its ``outputs.zip`` and log (a mixin of
``DominoBackend``).

The job packs its outputs, ``_ERROR`` and its reports (``_TRACKING.json``, ``_DATASETS.json``)
into one ``outputs.zip`` in its staging folder; its output commit holds it. It is downloaded once
per job (``GET /api/projects/v1/projects/{projectId}/files/{commitId}/{path}/content``) and
unpacked locally under ``.domino-flows/domino-outputs/`` for ``contract.read_outputs``. A failed,
stopped or errored job's message carries its ``_ERROR`` and the tail of its log.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from domino_flows.backends.base import JobHandle, JobSpec, JobState
from domino_flows.backends.domino_api import DominoRoutes
from domino_flows.backends.domino_client import DominoApiError
from domino_flows.backends.domino_files import error_text_of, unpack_outputs
from domino_flows.backends.domino_jobs import OUTPUTS_ARCHIVE, STAGING_ROOT, staging_of_command
from domino_flows.contract import values as contract
from domino_flows.core.errors import TaskFailedError
from domino_flows.core.paths import STATE_DIR

LOCAL_OUTPUTS_ROOT = f"{STATE_DIR}/domino-outputs"
LOG_TAIL_LINES = 30


class DominoOutputs:
    """A finished job's outputs, ``_ERROR``, reports and log; a mixin of ``DominoBackend``."""

    project_root: Path
    routes: DominoRoutes
    _jobs: dict[str, dict[str, Any]]  # last answer of GET /v4/jobs/{id}
    _outputs: dict[str, bytes]  # job id -> its outputs.zip
    _final_messages: dict[str, str]  # job id -> what its failure said

    @property
    def project_id(self) -> str:
        raise NotImplementedError

    def _job(self, job_id: str) -> dict[str, Any]:
        raise NotImplementedError

    def _scrub(self, text: str) -> str:
        raise NotImplementedError

    def _staging_of(self, handle: JobHandle, job: Mapping[str, Any]) -> str:
        staging = handle.details.get("staging") or staging_of_command(
            str(job.get("jobRunCommand", ""))
        )
        if not staging:
            raise TaskFailedError(
                f"task {handle.task!r}: Domino job {handle.job_id} was not started by the domino "
                f"backend (its command names no staging folder), so its outputs cannot be read. "
                f"See {handle.url}."
            )
        return staging

    def _outputs_archive(self, handle: JobHandle, job: Mapping[str, Any]) -> bytes | None:
        """The job's outputs.zip (downloaded once), or None if its output commit lacks it."""
        if handle.job_id in self._outputs:
            return self._outputs[handle.job_id]
        commit = (job.get("commitDetails") or {}).get("outputCommitId")
        if not commit:
            return None
        path = f"{self._staging_of(handle, job)}/{OUTPUTS_ARCHIVE}"
        data = self.routes.file_content(self.project_id, commit, path)
        if data is not None:
            self._outputs[handle.job_id] = data
        return data

    def _finished_outputs(self, handle: JobHandle) -> bytes | None:
        """The outputs.zip of a job seen completed, or None."""
        job = self._jobs.get(handle.job_id)
        if job is None or not job.get("statuses", {}).get("isCompleted"):
            return None
        return self._outputs_archive(handle, job)

    def error_text(self, handle: JobHandle) -> str:
        data = self._finished_outputs(handle)
        return error_text_of(data) if data else ""

    def collect_outputs(self, handle: JobHandle, spec: JobSpec) -> dict[str, Any]:
        job = self._jobs.get(handle.job_id)
        if job is None or not job.get("statuses", {}).get("isCompleted"):
            job = self._job(handle.job_id)
        where = f"task {spec.task!r}: Domino job {handle.job_id}"
        data = self._outputs_archive(handle, job)
        if data is None:
            execution = job.get("statuses", {}).get("executionStatus")
            raise TaskFailedError(
                f"{where} ({execution}) left no {OUTPUTS_ARCHIVE} in its output commit, so its "
                f"outputs cannot be read. See {handle.url}."
            )
        staging = self._staging_of(handle, job)
        local = self.project_root / LOCAL_OUTPUTS_ROOT / Path(staging).relative_to(STAGING_ROOT)
        unpack_outputs(data, local, where)
        return contract.read_outputs(local, spec.output_types, spec.task)

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
        try:
            error_text = self.error_text(handle)
        except (DominoApiError, TaskFailedError) as error:
            error_text = f"(its _ERROR could not be read: {error})"
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

    def logs(self, handle: JobHandle, tail: int | None = None) -> str:
        text = self._scrub(self.routes.logs(handle.job_id, tail or 10000))
        if tail is not None:
            text = "\n".join(text.splitlines()[-tail:])
        return text
