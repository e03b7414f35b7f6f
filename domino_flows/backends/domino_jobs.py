"""Domino jobs of the domino backend: staging paths, the start payload, starting exactly once,
and the table from Domino's execution statuses to :class:`JobState`.

A job start is the one call that is not idempotent. If its answer is lost (the connection drops,
the request times out, or a 5xx comes back after Domino may have acted), the project's runs are
listed and a run started at this attempt's staging commit is adopted; the start is sent again only
when no such run exists, or when Domino refused it outright (429).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import requests
from domino.exceptions import ReloginRequiredException

from domino_flows.backends.base import JobSpec, JobState, ResolvedJob
from domino_flows.backends.domino_client import (
    DominoApiError,
    RetryPolicy,
    call_with_retry,
    describe_failure,
    retry_after_seconds,
)
from domino_flows.errors import ConfigurationError

logger = logging.getLogger(__name__)

STAGING_ROOT = ".domino-flows/staging"
START = "POST /v4/jobs/start"
RUNS_LIST = "GET /v1/projects/{owner}/{project}/runs"

# Domino execution status -> JobState. Statuses not listed are treated by isCompleted (see below).
STATUS_TABLE: dict[str, JobState] = {
    "Queued": JobState.QUEUED,
    "Pending": JobState.PENDING,
    "Scheduled": JobState.PENDING,
    "Preparing": JobState.PENDING,
    "Building": JobState.PENDING,
    "Pulling": JobState.PENDING,
    "Starting": JobState.PENDING,
    "Running": JobState.RUNNING,
    "Finishing": JobState.RUNNING,
    "Stopping": JobState.RUNNING,
    "Succeeded": JobState.SUCCEEDED,
    "Completed": JobState.SUCCEEDED,
    "Failed": JobState.FAILED,
    "Error": JobState.ERROR,
    "Stopped": JobState.STOPPED,
}


def map_status(execution_status: str | None, is_completed: bool) -> JobState:
    if execution_status in STATUS_TABLE:
        return STATUS_TABLE[execution_status]
    # A status this table does not know yet: trust isCompleted, and never call it success.
    return JobState.ERROR if is_completed else JobState.PENDING


def slug(text: str) -> str:
    """A path segment from a task name or run id: letters, digits, ``._-``."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.")
    return cleaned[:100] or "task"


def staging_path(spec: JobSpec) -> str:
    return f"{STAGING_ROOT}/{slug(spec.run_id)}/{slug(spec.task)}/{spec.attempt}"


def parse_staging(staging: str) -> tuple[str, str]:
    path, sep, commit = staging.rpartition("@")
    if not sep or not path.startswith(STAGING_ROOT) or not commit:
        raise ConfigurationError(
            f"staging reference {staging!r} is not one the domino backend made "
            "(<staging path>@<commit id>); stage the inputs with the domino backend first."
        )
    return path, commit


def build_payload(
    project_id: str, spec: JobSpec, path: str, commit: str, resolved: ResolvedJob
) -> dict[str, Any]:
    """The POST /v4/jobs/start body, with the keys python-domino's ``job_start`` sends (plus
    ``environmentRevisionSpec`` when the task pins one). Ids left None take project defaults."""
    config = spec.config
    cluster = config.ComputeClusterProperties
    payload: dict[str, Any] = {
        "projectId": project_id,
        "commandToRun": f"python {path}/bootstrap.py",
        "commitId": commit,
        "mainRepoGitRef": config.MainRepoGitRef.to_json() if config.MainRepoGitRef else None,
        "overrideHardwareTierId": resolved.hardware_tier_id,
        "onDemandSparkClusterProperties": None,
        "computeClusterProperties": cluster.to_json() if cluster else None,
        "environmentId": resolved.environment_id,
        "externalVolumeMounts": list(config.ExternalVolumeMountIds) or None,
        "title": spec.title,
    }
    if config.EnvironmentRevisionSpec is not None:
        payload["environmentRevisionSpec"] = config.EnvironmentRevisionSpec.to_json()
    return payload


def find_started_job(client: Any, retry: RetryPolicy, path: str, commit: str) -> dict | None:
    """The project's run started at ``commit`` (the staging commit, unique to this attempt)."""
    try:
        data = call_with_retry(retry, RUNS_LIST, client.runs_list)
    except DominoApiError as error:
        raise DominoApiError(
            f"The answer to {START} was lost and the project's runs could not be listed to see "
            f"whether the job started ({error}). Check the project's Jobs page for a job running "
            f"{path}/bootstrap.py before rerunning, so it does not run twice.",
            error.status,
        ) from None
    runs = data.get("data", []) if isinstance(data, dict) else data
    for run in runs:
        command = str(run.get("command") or run.get("commandToRun") or "")
        if (commit and run.get("commitId") == commit) or f"{path}/bootstrap.py" in command:
            return {"id": run["id"], "number": run.get("number")}
    return None


def start_job(
    client: Any,
    retry: RetryPolicy,
    payload: dict[str, Any],
    path: str,
    commit: str,
    scrub: Callable[[str], str],
) -> dict[str, Any]:
    """POST the start once; if its answer is lost, adopt the job it made instead of starting
    another (see the module docstring)."""
    url = client._routes.job_start()
    attempt = 0
    while True:
        attempt += 1
        try:
            return dict(client.request_manager.post(url, json=payload).json())
        except ReloginRequiredException as error:
            raise DominoApiError(describe_failure(START, error), 409) from None
        except requests.RequestException as error:
            response = getattr(error, "response", None)
            status = getattr(response, "status_code", None)
            if status is not None and status != 429 and status < 500:
                said = scrub(response.text[:500]) if response is not None else ""
                raise DominoApiError(
                    f"{describe_failure(START, error)} Domino said: {said}", status
                ) from None
            if status != 429:
                found = find_started_job(client, retry, path, commit)
                if found is not None:
                    logger.info("the answer to %s was lost; adopted job %s", START, found["id"])
                    return found
            if attempt >= retry.attempts:
                raise DominoApiError(
                    describe_failure(START, error, attempt)
                    + " No job was started for this task attempt.",
                    status,
                ) from None
            hinted = retry_after_seconds(error)
            retry.sleep(
                retry.delay(attempt) if hinted is None else min(hinted, retry.max_retry_after)
            )
