"""The HTTP side of the fake Domino server: routing by the published description, faults, checks.

A request is matched to an operation of Domino's published API description
(``fake_domino_schema``); what the description lacks is a 404, except the legacy routes
python-domino itself calls (``LEGACY_ROUTES``, served unchecked by ``fake_domino_legacy``). The
handler then checks the API key, records the call, checks the request against the description (a
request Domino would refuse is answered 400 and recorded in ``fake.violations``, which the
fixtures turn into a test failure), applies an injected fault, asks the server object for the
answer and checks that answer against the description too (an answer that does not match is a bug
of the fake: 500, recorded the same way).

Routes are named after what they do (``job_start``) for fault injection and call counts:
:data:`ROUTE_NAMES`.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from domino_flows.testing import fake_domino_schema as schema

Response = tuple[int, dict[str, str], bytes]

# Published operation (method and path template) -> the fake's short route name.
ROUTE_NAMES: dict[tuple[str, str], str] = {
    ("GET", "/v4/gateway/projects/findProjectByOwnerAndName"): "find_project",
    ("GET", "/api/projects/v1/projects/{projectId}"): "project",
    ("GET", "/v4/projects/{projectId}/hardwareTiers"): "hardware_tiers",
    ("GET", "/v4/projects/{projectId}/useableEnvironments"): "useable_environments",
    ("POST", "/v4/jobs/{projectId}/resolveJobDefaults"): "resolve_defaults",
    ("GET", "/api/datasetrw/v1/datasets"): "datasets",
    ("POST", "/api/datasetrw/v1/datasets/{datasetId}/snapshots"): "create_snapshot",
    ("GET", "/api/datasetrw/v1/datasets/{datasetId}/snapshots"): "dataset_snapshots",
    ("GET", "/api/datasetrw/v1/snapshots/{snapshotId}"): "snapshot",
    ("GET", "/v4/datamount/projects/{projectId}"): "data_mounts",
    ("POST", "/v4/projects/{projectId}/commits/head/files/{path}"): "upload",
    ("GET", "/v4/projects/{projectId}/commits/head"): "head_commit",
    ("GET", "/v4/projects/{projectId}/commits"): "commits",
    ("GET", "/api/projects/v1/projects/{projectId}/files/{commitId}/{path}/content"): (
        "file_content"
    ),
    ("POST", "/v4/jobs/start"): "job_start",
    ("GET", "/v4/jobs/{jobId}"): "job_status",
    ("POST", "/v4/jobs/stop"): "job_stop",
    ("GET", "/v4/jobs"): "jobs_list",
    ("GET", "/api/jobs/beta/jobs/{jobId}/logs"): "job_logs",
    ("POST", "/api/jobs/v1/jobs/{jobId}/tags"): "job_tags",
    ("POST", "/api/registeredmodels/v1"): "register_model",
    ("POST", "/api/registeredmodels/v1/{modelName}/versions"): "model_versions",
}


@dataclass
class Fault:
    """What to do instead of answering the next ``times`` calls of a route.

    ``status``: answer with it (and ``Retry-After`` when given); ``drop``: close the connection
    without an answer; ``after_acting``: do the work first, then fail; ``delay``: answer
    normally but this many seconds late (a read timeout for a client that waits less), waiting
    after the work when ``after_acting`` and before it otherwise; ``echo_credentials``: the
    error's message quotes the request's credential headers, as a careless gateway might;
    ``act_later``: drop the connection at once and do the work that many seconds later (a start
    whose answer never came back, its job created late).
    """

    status: int | None = 503
    retry_after: float | None = None
    drop: bool = False
    after_acting: bool = False
    times: int = 1
    delay: float = 0.0
    echo_credentials: bool = False
    act_later: float = 0.0  # with ``drop``: drop at once, do the work this many seconds later


class FakeServer(Protocol):
    """What the handler needs from the server object."""

    def record(self, method: str, route: str, path: str, body: bytes, auth: str) -> None: ...
    def violation(self, method: str, path: str, problems: list[str]) -> None: ...
    def authorized(self, headers: Any) -> bool: ...
    def take_fault(self, route: str) -> Fault | None: ...
    def handle(
        self, method: str, name: str, params: dict[str, str], query: dict[str, str], body: bytes
    ) -> Response: ...


def json_response(status: int, body: Any) -> Response:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


def error_response(status: int, message: str) -> Response:
    """An error as Domino's ``domino.api.ErrorResponse`` shapes it."""
    return json_response(status, {"message": message, "errors": [message]})


def _auth_kind(headers: Any) -> str:
    """How the request authenticated (never the credential itself)."""
    if headers.get("X-Domino-Api-Key"):
        return "api_key"
    if str(headers.get("Authorization", "")).startswith("Bearer "):
        return "bearer"
    return "none"


class Handler(BaseHTTPRequestHandler):
    fake: FakeServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        raw_path = re.sub("/{2,}", "/", parts.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        operation: schema.Operation | None = None
        legacy = schema.match_legacy(method, raw_path)
        if legacy is not None:
            template, params = legacy
        else:
            found = schema.match(method, raw_path)
            if found is None:
                self._send(error_response(404, f"Domino has no route {method} {parts.path}"))
                return
            operation, params = found
            template = operation.template
        name = legacy[0] if legacy is not None else ROUTE_NAMES.get((method, template))
        fake = self.fake
        fake.record(method, name or template, raw_path, body, _auth_kind(self.headers))
        if not fake.authorized(self.headers):
            self._send(error_response(401, "missing or wrong API key"))
            return
        if name is None:
            self._send(error_response(501, f"the fake Domino does not emulate {template}"))
            return
        if operation is not None:
            content_type = self.headers.get("Content-Type", "")
            problems = schema.check_request(operation, params, query, content_type, body)
            if problems:
                fake.violation(method, raw_path, problems)
                described = f"{operation.name} ({method} {template})"
                self._send(
                    error_response(
                        400,
                        f"request does not match Domino's published {described}: "
                        + "; ".join(problems),
                    )
                )
                return
        fault = fake.take_fault(name)
        if fault is not None and fault.act_later:
            later = threading.Timer(
                fault.act_later, fake.handle, args=(method, name, params, query, body)
            )
            later.daemon = True
            later.start()
            self._fail(fault)
            return
        if fault is not None and fault.delay and not fault.after_acting:
            time.sleep(fault.delay)  # slow to act: a client that gave up may look too early
        elif fault is not None and not fault.after_acting:
            self._fail(fault)
            return
        try:
            response = fake.handle(method, name, params, query, body)
        except ValueError as error:
            response = error_response(400, f"bad request: {error}")
        if operation is not None and 200 <= response[0] < 300:
            problems = schema.check_response(operation, response[0], response[2])
            if problems:
                fake.violation(method, raw_path, ["(answer) " + p for p in problems])
                response = error_response(500, "the fake's answer broke the description")
        if fault is not None and fault.delay and fault.after_acting:
            time.sleep(fault.delay)
        elif fault is not None and not fault.delay:
            self._fail(fault)
            return
        self._send(response)

    def _fail(self, fault: Fault) -> None:
        if fault.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        headers = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = f"{fault.retry_after:g}"
        status = fault.status or 503
        message = f"injected {status}"
        if fault.echo_credentials:
            message += (
                f"; X-Domino-Api-Key: {self.headers.get('X-Domino-Api-Key', '')}"
                f"; Authorization: {self.headers.get('Authorization', '')}"
            )
        _, base_headers, payload = error_response(status, message)
        self._send((status, {**headers, **base_headers}, payload))

    def _send(self, response: Response) -> None:
        status, headers, payload = response
        with contextlib.suppress(OSError):
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
