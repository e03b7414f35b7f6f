"""Talking to a Domino deployment: credentials, one python-domino client, retries.

Credentials are resolved in python-domino's own order (an API proxy, then a bearer token or token
file, then an API key; explicit values before environment variables) so that what works for
``domino.Domino(...)`` works here. They live only inside the client's ``requests`` auth object and
in :class:`DominoCredentials`, whose ``repr`` names the source (``DOMINO_USER_API_KEY``), never the
value. Nothing in this module logs, raises or returns a credential.

python-domino's constructor calls ``logging.basicConfig(level=INFO)``, which would turn on INFO
logging for the whole process; :func:`build_client` restores the root logger around it.

Idempotent calls go through :func:`call_with_retry`, a tenacity loop: connection errors,
timeouts, 429 (honouring ``Retry-After``) and 5xx are retried with jittered exponential backoff, a
bounded number of times or for a bounded time (:class:`RetryPolicy`), then reported as a
:class:`DominoApiError` naming the endpoint (its path only) and what to do. python-domino's own
urllib3 retries (https only) are turned off, so there is one policy; starting a job is not
idempotent and has its own loop (``domino_jobs.start_job``), which looks for the job before every
new try.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import requests
import tenacity
from domino.exceptions import ReloginRequiredException
from requests.adapters import HTTPAdapter

from domino_flows.core.errors import ConfigurationError, DominoFlowsError
from domino_flows.core.redaction import (
    API_KEY_VARIABLE,
    API_PROXY_VARIABLE,
    TOKEN_FILE_VARIABLE,
    redact,
    remember,
    remember_token_file,
)

T = TypeVar("T")

HOST_VARIABLE = "DOMINO_API_HOST"
PROJECT_OWNER_VARIABLE = "DOMINO_PROJECT_OWNER"
PROJECT_NAME_VARIABLE = "DOMINO_PROJECT_NAME"

# Seconds a single HTTP request may take to connect / to answer. python-domino sets none, so a
# silent server would hang a run forever.
DEFAULT_TIMEOUT = (10.0, 120.0)

_LOGGING_LOCK = threading.Lock()


class DominoApiError(DominoFlowsError):
    """A call to the Domino REST API failed for good (after retries, if it was retryable)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class DominoCredentials:
    """How to authenticate to Domino. ``repr`` names the credential's source, never its value."""

    api_proxy: str | None = field(default=None, repr=False)
    auth_token: str | None = field(default=None, repr=False)
    token_file: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)
    source: str = "explicit"

    def __repr__(self) -> str:
        return f"DominoCredentials(kind={self.kind!r}, source={self.source!r})"

    __str__ = __repr__

    @property
    def kind(self) -> str:
        if self.api_proxy:
            return "api_proxy"
        if self.auth_token:
            return "auth_token"
        if self.token_file:
            return "token_file"
        if self.api_key:
            return "api_key"
        return "none"

    def client_kwargs(self) -> dict[str, str]:
        """The one winning credential, as python-domino's constructor takes it."""
        kind = self.kind
        if kind == "api_proxy":
            return {"api_proxy": self.api_proxy or ""}
        if kind == "auth_token":
            return {"auth_token": self.auth_token or ""}
        if kind == "token_file":
            return {"domino_token_file": self.token_file or ""}
        if kind == "api_key":
            return {"api_key": self.api_key or ""}
        return {}

    def remember(self) -> None:
        """Have :func:`~domino_flows.core.redaction.redact` mask these credentials: an explicit key
        or token is not in the environment, and a token file's content is a secret too."""
        remember(self.api_key, "Domino API key")
        remember(self.auth_token, "Domino token")
        remember_token_file(self.token_file)

    def secrets(self) -> list[str]:
        """Values that must never be shown (used to scrub text coming back from the server)."""
        return [v for v in (self.auth_token, self.api_key) if v]


def resolve_credentials(
    explicit: DominoCredentials | None = None, environ: Mapping[str, str] | None = None
) -> DominoCredentials:
    """Explicit credentials first, then ``DOMINO_API_PROXY`` > ``DOMINO_TOKEN_FILE`` >
    ``DOMINO_USER_API_KEY``, as python-domino does. Raises ConfigurationError if there are none."""
    if explicit is not None and explicit.kind != "none":
        return explicit
    env = os.environ if environ is None else environ
    if env.get(API_PROXY_VARIABLE):
        return DominoCredentials(api_proxy=env[API_PROXY_VARIABLE], source=API_PROXY_VARIABLE)
    if env.get(TOKEN_FILE_VARIABLE):
        path = env[TOKEN_FILE_VARIABLE]
        if not os.path.isfile(path):
            raise ConfigurationError(
                f"{TOKEN_FILE_VARIABLE} points to {path}, which is not a file; fix the path or "
                f"unset it and set {API_KEY_VARIABLE} instead."
            )
        return DominoCredentials(token_file=path, source=TOKEN_FILE_VARIABLE)
    if env.get(API_KEY_VARIABLE):
        return DominoCredentials(api_key=env[API_KEY_VARIABLE], source=API_KEY_VARIABLE)
    raise ConfigurationError(
        "No Domino credentials found for the domino backend. Set DOMINO_USER_API_KEY to an API "
        "key (Domino: Account Settings > API Key), or DOMINO_TOKEN_FILE to a file holding a "
        "token, or DOMINO_API_PROXY (set for you inside Domino workspaces and jobs). "
        "Credentials are read from the environment only, never from flow code or pyproject.toml."
    )


def resolve_host(configured: str | None, environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    host = (configured or env.get(HOST_VARIABLE) or "").strip()
    if not host:
        raise ConfigurationError(
            "No Domino host for the domino backend: set DOMINO_API_HOST (e.g. "
            "https://domino.example.com) or `host` under [tool.domino_flows.domino] in "
            "pyproject.toml."
        )
    if not host.startswith(("http://", "https://")):
        raise ConfigurationError(
            f"Domino host {host!r} has no scheme; write it as https://{host} "
            "(in DOMINO_API_HOST or [tool.domino_flows.domino] host)."
        )
    return host.rstrip("/")


def resolve_project(configured: str | None, environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    project = (configured or "").strip()
    if not project and env.get(PROJECT_OWNER_VARIABLE) and env.get(PROJECT_NAME_VARIABLE):
        project = f"{env[PROJECT_OWNER_VARIABLE]}/{env[PROJECT_NAME_VARIABLE]}"
    if not project:
        raise ConfigurationError(
            'No Domino project for the domino backend: set project = "owner/name" under '
            "[tool.domino_flows.domino] in pyproject.toml, or DOMINO_PROJECT_OWNER and "
            "DOMINO_PROJECT_NAME."
        )
    owner, _, name = project.partition("/")
    if not owner or not name or "/" in name:
        raise ConfigurationError(
            f'Domino project {project!r} must be written owner/name, e.g. "alice/churn".'
        )
    return project


@contextlib.contextmanager
def root_logging_preserved() -> Iterator[None]:
    """Undo ``logging.basicConfig`` side effects (python-domino calls it on construction).

    A root handler that discards is in place meanwhile, so ``basicConfig`` adds none and the
    constructor's own ERROR lines (a failed ``GET /version`` logs the answer's body) reach no
    console: the backend reports the failure itself, once, masked, naming what to fix. The
    library's own logger is kept quiet too: its lines only repeated those failures raw."""
    logging.getLogger("domino").setLevel(logging.CRITICAL)
    with _LOGGING_LOCK:
        root = logging.getLogger()
        handlers = list(root.handlers)
        level = root.level
        if not handlers:
            root.addHandler(logging.NullHandler())
        try:
            yield
        finally:
            for handler in list(root.handlers):
                if handler not in handlers:
                    root.removeHandler(handler)
                    handler.close()
            root.setLevel(level)


class _TimeoutAdapter(HTTPAdapter):
    """Gives every request a timeout; no transport-level retries (call_with_retry decides).
    The pool is sized for a run's concurrent jobs sharing the one client."""

    def __init__(self, timeout: tuple[float, float], pool_size: int = 32) -> None:
        super().__init__(max_retries=0, pool_connections=pool_size, pool_maxsize=pool_size)
        self._timeout = timeout

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        return super().send(request, **kwargs)


def build_client(
    project: str,
    host: str,
    credentials: DominoCredentials,
    timeout: tuple[float, float] = DEFAULT_TIMEOUT,
) -> Any:
    """A python-domino ``Domino`` client. Calls GET /version (python-domino checks it); request
    errors propagate as ``requests`` exceptions, for the caller's retry policy."""
    from domino import Domino

    try:
        with root_logging_preserved():
            client = Domino(project, host=host, **credentials.client_kwargs())
    except RuntimeError as error:  # ProxyAuth refuses a malformed proxy address
        raise ConfigurationError(f"Domino credentials from {credentials.source}: {error}") from None
    session = client.request_manager.request_session
    adapter = _TimeoutAdapter(timeout)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return client


# --- retries --------------------------------------------------------------------------------------


@dataclass
class RetryPolicy:
    """When to retry a transient failure and how long to wait, for tenacity.

    A call is tried at most ``attempts`` times, and never retried once ``budget`` seconds (if
    set) have passed since its first try: polling a job uses a budget of minutes, so a
    deployment's outage of that length does not fail a run, while a start gives up sooner.
    Waits grow as ``base_delay * 2**(n-1)`` up to ``max_delay`` with jitter in [50%, 100%], or
    follow the server's ``Retry-After`` (capped at ``max_retry_after``).
    """

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_retry_after: float = 120.0
    budget: float | None = None
    sleep: Callable[[float], None] = time.sleep
    random: Callable[[], float] = random.random
    # Set when the run is stopping: no call retries any more, and a retry's wait ends at once.
    cancelled: threading.Event | None = None

    def delay(self, attempt: int) -> float:
        """Attempt 1, 2, ...: base * 2**(attempt-1), capped, with jitter in [50%, 100%]."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return ceiling * (0.5 + 0.5 * self.random())

    def with_budget(self, seconds: float, attempts: int = 1_000_000) -> RetryPolicy:
        """The same waits, bounded by time instead of a count."""
        return replace(self, budget=seconds, attempts=attempts)

    def wait(self, state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        hinted = retry_after_seconds(error) if error is not None else None
        if hinted is not None:
            return min(hinted, self.max_retry_after)
        return self.delay(state.attempt_number)

    def stop(self) -> tenacity.stop.stop_base:
        stop: tenacity.stop.stop_base = tenacity.stop_after_attempt(self.attempts)
        if self.budget is not None:
            stop = stop | tenacity.stop_after_delay(self.budget)
        cancelled = self.cancelled
        if cancelled is not None:
            stop = stop | tenacity.stop_when_event_set(cancelled)
        return stop

    def _sleep(self, seconds: float) -> None:
        if self.cancelled is not None and self.sleep is time.sleep:
            self.cancelled.wait(seconds)  # a stopping run does not sit out a backoff
        else:
            self.sleep(seconds)

    def retrying(self, retry: Callable[[BaseException], bool]) -> tenacity.Retrying:
        """A tenacity loop over this policy, retrying the errors ``retry`` accepts."""
        return tenacity.Retrying(
            stop=self.stop(),
            wait=self.wait,
            retry=tenacity.retry_if_exception(retry),
            sleep=self._sleep,
            before_sleep=_log_retry,
            reraise=True,
        )


def _log_retry(state: tenacity.RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    logging.getLogger(__name__).info(
        "a Domino request failed (%s); retrying in %.1fs (attempt %d)",
        (_status_of(error) or type(error).__name__) if error is not None else "?",
        state.upcoming_sleep,
        state.attempt_number + 1,
    )


def _status_of(error: BaseException) -> int | None:
    response = getattr(error, "response", None)
    return getattr(response, "status_code", None) if response is not None else None


def retry_after_seconds(error: BaseException) -> float | None:
    response = getattr(error, "response", None)
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def is_retryable(error: BaseException) -> bool:
    if isinstance(
        error,
        (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError),
    ):
        return True
    status = _status_of(error)
    return status is not None and (status == 429 or status >= 500)


def is_relogin(error: BaseException) -> bool:
    return isinstance(error, ReloginRequiredException)


def describe_failure(endpoint: str, error: BaseException, attempts: int | None = None) -> str:
    """What failed, in words safe to show: method and path, status, and what to do."""
    status = _status_of(error)
    tried = f" after {attempts} attempts" if attempts and attempts > 1 else ""
    if is_relogin(error):
        return (
            f"Domino refused {endpoint} (HTTP 409: credentials expired). Renew the token or "
            "API key in DOMINO_TOKEN_FILE / DOMINO_USER_API_KEY and rerun."
        )
    if status in (401, 403):
        return (
            f"Domino refused {endpoint} (HTTP {status}): the credentials are not valid for this "
            "project. Check DOMINO_USER_API_KEY (or DOMINO_TOKEN_FILE) and that you can open "
            "the project in Domino."
        )
    if status == 404:
        return (
            f"Domino answered {endpoint} with HTTP 404: not found. Check the project name "
            "(owner/name) and that the job, commit or file exists."
        )
    if status is not None:
        if status == 429 or status >= 500:
            return (
                f"Domino answered {endpoint} with HTTP {status}{tried}. The deployment is "
                "unavailable or overloaded; try again later."
            )
        said = _message_of(error)
        return (
            f"Domino answered {endpoint} with HTTP {status}{tried}: the request was refused"
            + (f" ({said})" if said else "")
            + ". Check the task's job config."
        )
    return (
        f"Could not reach Domino for {endpoint}{tried} ({type(error).__name__}). Check "
        "DOMINO_API_HOST and your network, and try again."
    )


def _message_of(error: BaseException) -> str:
    """The ``message`` of Domino's ErrorResponse in a refused request's answer (short)."""
    response = getattr(error, "response", None)
    try:
        body = response.json() if response is not None else None
    except ValueError:
        return ""
    said = str(body.get("message", ""))[:300] if isinstance(body, dict) else ""
    return redact(said) or ""  # a server may quote the request's credential headers


def server_said(error: BaseException, scrub: Callable[[str], str]) -> str:
    """The message in a refused request's answer (Domino's ErrorResponse), scrubbed."""
    response = getattr(error, "response", None)
    if response is None:
        return ""
    try:
        body = response.json()
        text = str(body.get("message") or body) if isinstance(body, dict) else str(body)
    except ValueError:
        text = response.text
    return redact(scrub(text[:500])) or ""


def call_with_retry(policy: RetryPolicy, endpoint: str, call: Callable[[], T]) -> T:
    """Run an idempotent call, retrying transient failures; raise DominoApiError at the end.

    ``endpoint`` is what error messages show, e.g. ``"GET /v4/jobs/{id}"``: a method and a path,
    never a full URL (query strings can carry tokens in some deployments).
    """
    retrying = policy.retrying(is_retryable)
    try:
        return retrying(call)
    except ReloginRequiredException as error:
        raise DominoApiError(describe_failure(endpoint, error), 409) from None
    except requests.RequestException as error:
        attempts = retrying.statistics.get("attempt_number")
        raise DominoApiError(
            describe_failure(endpoint, error, attempts), _status_of(error)
        ) from None
