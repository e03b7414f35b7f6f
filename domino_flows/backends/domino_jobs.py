"""Starting a Domino job exactly once, naming attempts, and reading Domino's statuses.

**One job per attempt.** Every attempt (run id, task, attempt number) has a marker,
``dfa-<16 hex digits>`` from a hash of the three, that is part of its staging folder's name and so
of the job's command. ``POST /v4/jobs/start`` is never repeated blindly: before every new try after
a failure whose answer was lost or refused for a transient reason (dropped connection, read
timeout, 5xx, 429), the project's jobs are listed (``GET /v4/jobs?projectId=``, newest first) and a
job whose command carries the marker is adopted instead. When the first try may still be in flight
(a read timeout, a gateway's 504), the listing is repeated for up to ``settle`` seconds before a
new try. A runner that died while a start was in flight finds the job the same way
(``find_attempt_job``). Markers differ between tasks and between runs, so no task adopts another's
job.

**Staging names** are ``.domino-flows/staging/<date>-<run>/<task>-<marker>``: readable, cut to a
bounded length, and unique through the marker whatever the cut.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import time
from collections.abc import Callable
from typing import Any

import requests
from domino.exceptions import ReloginRequiredException

from domino_flows.backends.base import JobSpec, JobState
from domino_flows.backends.domino_api import PAGE_SIZE, START, DominoRoutes
from domino_flows.backends.domino_client import (
    DominoApiError,
    RetryPolicy,
    describe_failure,
    is_retryable,
    server_said,
)
from domino_flows.core.errors import DominoFlowsError
from domino_flows.core.paths import STATE_DIR

logger = logging.getLogger(__name__)

STAGING_ROOT = f"{STATE_DIR}/staging"
ARCHIVE_NAME = "job.pyz"
OUTPUTS_ARCHIVE = "outputs.zip"
MAX_LISTED_PAGES = 20
# After a start that may still be in flight, how long to keep looking for its job before posting
# again, and at most how many looks.
DEFAULT_SETTLE_SECONDS = 30.0
MAX_SETTLE_LOOKS = 30

# Every execution status of Domino's published run status enum, mapped explicitly. Stopping and
# the stop requests are not over yet: the job still ends Stopped (or Succeeded) later.
STATUS_TABLE: dict[str, JobState] = {
    "Scheduled": JobState.QUEUED,
    "Queued": JobState.QUEUED,
    "Pending": JobState.PENDING,
    "Preparing": JobState.PENDING,
    "Building": JobState.PENDING,
    "Pulling": JobState.PENDING,
    "Running": JobState.RUNNING,
    "Serving": JobState.RUNNING,
    "Finishing": JobState.RUNNING,
    "Stopping": JobState.RUNNING,
    "StopRequested": JobState.RUNNING,
    "StopAndDiscardRequested": JobState.RUNNING,
    "Stopped": JobState.STOPPED,
    "Succeeded": JobState.SUCCEEDED,
    "Failed": JobState.FAILED,
    "Error": JobState.ERROR,
    "Faulty": JobState.ERROR,
}


class UnknownStatus(DominoFlowsError, ValueError):
    """Domino reported an execution status this table does not know."""

    def __init__(self, status: Any) -> None:
        super().__init__(
            f"Domino reported execution status {status!r}, which domino-flows does not know; "
            f"the task is failed rather than guessed at. Known statuses: "
            f"{', '.join(STATUS_TABLE)}. Check the job in Domino and upgrade domino-flows."
        )
        self.status = status


def map_status(execution_status: Any) -> JobState:
    """Domino's execution status as a JobState; UnknownStatus for one not in the table."""
    if isinstance(execution_status, str) and execution_status in STATUS_TABLE:
        return STATUS_TABLE[execution_status]
    raise UnknownStatus(execution_status)


# --- names ----------------------------------------------------------------------------------------


def slug(text: str, limit: int) -> str:
    """A path segment from a task name or run id: letters, digits, ``._-``, at most ``limit``."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.")
    return cleaned[:limit].rstrip("-.") or "task"


def attempt_marker(run_id: str, task: str, attempt: int) -> str:
    """Unique to one attempt of one task of one run; found again from the same three values."""
    digest = hashlib.sha256(f"{run_id}\0{task}\0{attempt}".encode()).hexdigest()[:16]
    return f"dfa-{digest}"


def staging_path(spec: JobSpec, today: dt.date | None = None) -> str:
    """Where the attempt's archive goes in the project files (relative to their root)."""
    day = (today or dt.datetime.now(dt.timezone.utc).date()).strftime("%Y%m%d")
    marker = attempt_marker(spec.run_id, spec.task, spec.attempt)
    return f"{STAGING_ROOT}/{day}-{slug(spec.run_id, 48)}/{slug(spec.task, 60)}-{marker}"


def command_for(files_root: str, staging: str) -> str:
    """The job's command: run the attempt's archive where the job sees the project files."""
    return f"python {files_root}/{staging}/{ARCHIVE_NAME}"


# What a job pinned to an older commit of the project files runs first: that commit lacks the
# archive, staged after it, so the job fetches it from the commit that holds it through the
# published files route, with the job's own Domino credentials (the API proxy inside Domino,
# else a token file or API key), then runs it. Standard library only; no double quotes, dollar
# signs or backslashes, so it passes through the shell inside one pair of double quotes.
# argv: project id, commit holding the archive, its path in the project files, where to put it.
FETCH_CODE = (
    "import os,sys,runpy,urllib.request as u,urllib.parse as s;"
    "p,c,r,a=sys.argv[1:5];e=os.environ;x=e.get('DOMINO_API_PROXY');t=e.get('DOMINO_TOKEN_FILE');"
    "h={} if x else {'Authorization':'Bearer '+open(t).read().strip()} if t else "
    "{'X-Domino-Api-Key':e.get('DOMINO_USER_API_KEY','')};"
    "q=lambda v:s.quote(v,safe='');"
    "b=(x or e['DOMINO_API_HOST']).rstrip('/')+'/api/projects/v1/projects/'+q(p)+'/files/'+q(c)"
    "+'/'+q(r)+'/content';"
    "os.makedirs(os.path.dirname(a),exist_ok=True);"
    "open(a,'wb').write(u.urlopen(u.Request(b,headers=h),timeout=300).read());"
    "sys.argv=[a];runpy.run_path(a,run_name='__main__')"
)


def pinned_command_for(files_root: str, staging: str, project_id: str, commit: str) -> str:
    """The command of a job started at a pinned ``CommitId``: fetch the archive from ``commit``
    (which holds it), then run it as :func:`command_for`'s would run."""
    relative = f"{staging}/{ARCHIVE_NAME}"
    return f'python -c "{FETCH_CODE}" {project_id} {commit} {relative} {files_root}/{relative}'


def staging_of_command(command: str) -> str | None:
    """The staging path inside a command made by :func:`command_for`."""
    found = re.search(rf"({re.escape(STAGING_ROOT)}/[^\s]+)/{re.escape(ARCHIVE_NAME)}", command)
    return found.group(1) if found else None


# --- finding and starting jobs --------------------------------------------------------------------


def find_job(routes: DominoRoutes, project_id: str, marker: str) -> dict[str, Any] | None:
    """The project's job whose command carries ``marker``, looking from the newest job back."""
    for page in range(1, MAX_LISTED_PAGES + 1):
        listing = routes.jobs_page(project_id, page)
        jobs = list(listing.get("jobs", []))
        for job in jobs:
            if marker in str(job.get("jobRunCommand", "")):
                return dict(job)
        if len(jobs) < PAGE_SIZE or page * PAGE_SIZE >= int(listing.get("totalCount", 0)):
            return None
    return None


def still_in_flight(error: BaseException | None) -> bool:
    """Whether a failed start may still be creating its job on Domino's side: the client gave up
    waiting (read timeout), or a gateway did (504). Other failures ended on the server."""
    if isinstance(error, requests.Timeout) and not isinstance(error, requests.ConnectTimeout):
        return True
    return getattr(getattr(error, "response", None), "status_code", None) == 504


def start_job(
    routes: DominoRoutes,
    retry: RetryPolicy,
    project_id: str,
    payload: dict[str, Any],
    marker: str,
    scrub: Callable[[str], str],
    settle: float = DEFAULT_SETTLE_SECONDS,
) -> dict[str, Any]:
    """POST the start; before every new try, adopt the job an earlier try made, if any.

    After a start that may still be in flight (:func:`still_in_flight`), the job may appear in
    the listing only later: the backend keeps looking for ``settle`` seconds before it posts
    again."""
    tries = 0
    last_error: BaseException | None = None

    def look_once() -> dict[str, Any] | None:
        try:
            return find_job(routes, project_id, marker)
        except DominoApiError as error:
            raise DominoApiError(
                f"The answer to {START} was lost and the project's jobs could not be listed "
                f"to see whether the job started ({error}). Check the project's Jobs page for "
                f"a job whose command holds {marker} before rerunning, so it does not run "
                "twice.",
                error.status,
            ) from None

    def look() -> dict[str, Any] | None:
        deadline = time.monotonic() + (settle if still_in_flight(last_error) else 0.0)
        looks = 0
        while True:
            found = look_once()
            looks += 1
            if found is not None:
                logger.info("the answer to %s was lost; adopted job %s", START, found["id"])
                return found
            left = deadline - time.monotonic()
            if left <= 0 or looks >= MAX_SETTLE_LOOKS:
                return None
            retry.sleep(min(retry.delay(looks), left))

    def attempt() -> dict[str, Any]:
        nonlocal tries, last_error
        tries += 1
        found = look() if tries > 1 else None
        if found is not None:
            return found
        try:
            return routes.post_start(payload)
        except requests.RequestException as error:
            last_error = error
            raise

    retrying = retry.retrying(is_retryable)
    try:
        return retrying(attempt)
    except ReloginRequiredException as error:
        raise DominoApiError(describe_failure(START, error), 409) from None
    except requests.RequestException as error:
        status = getattr(getattr(error, "response", None), "status_code", None)
        if status is not None and status != 429 and status < 500:
            raise DominoApiError(
                f"{describe_failure(START, error)} Domino said: {server_said(error, scrub)}",
                status,
            ) from None
        found = look()  # the last try may have started it before its answer was lost
        if found is not None:
            return found
        raise DominoApiError(
            describe_failure(START, error, tries) + " No job was started for this task attempt.",
            status,
        ) from None
