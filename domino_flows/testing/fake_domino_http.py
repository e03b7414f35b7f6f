"""The HTTP side of the fake Domino server: routes, faults and the request handler.

Each route is a method and a path pattern named after what it does (``job_start``); the handler
checks the API key, records the call, applies an injected fault and passes the request to the
server object (``FakeDomino.handle``) as ``(route, path parameters, query, body)``.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

Response = tuple[int, dict[str, str], bytes]

_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    (m, re.compile(p), n)
    for m, p, n in [
        ("GET", r"^/version$", "version"),
        ("GET", r"^/v4/gateway/projects/findProjectByOwnerAndName$", "find_project"),
        ("GET", r"^/v4/projects/(?P<pid>[^/]+)/hardwareTiers$", "hardware_tiers"),
        ("GET", r"^/v4/projects/(?P<pid>[^/]+)/useableEnvironments$", "useable_environments"),
        ("GET", r"^/v1/environments$", "environments"),
        ("GET", r"^/v1/projects/(?P<o>[^/]+)/(?P<p>[^/]+)/commits$", "commits"),
        ("GET", r"^/v1/projects/(?P<o>[^/]+)/(?P<p>[^/]+)/runs$", "runs_list"),
        ("GET", r"^/v1/projects/(?P<o>[^/]+)/(?P<p>[^/]+)/run/(?P<job>[^/]+)/stdout$", "stdout"),
        (
            "GET",
            r"^/v1/projects/(?P<o>[^/]+)/(?P<p>[^/]+)/files/(?P<commit>[^/]+)(?:/(?P<path>.*))?$",
            "files_list",
        ),
        (
            "GET",
            r"^/api/projects/v1/projects/(?P<pid>[^/]+)/files/(?P<commit>[^/]+)/(?P<path>.+)/content$",
            "file_content",
        ),
        ("PUT", r"^/v1/projects/(?P<o>[^/]+)/(?P<p>[^/]+)/(?P<path>.+)$", "upload"),
        ("POST", r"^/v4/jobs/start$", "job_start"),
        ("POST", r"^/v4/jobs/(?P<pid>[^/]+)/resolveJobDefaults$", "resolve_defaults"),
        ("POST", r"^/v4/jobs/stop$", "job_stop"),
        ("GET", r"^/v4/jobs$", "jobs_list"),
        ("GET", r"^/v4/jobs/(?P<job>[^/]+)$", "job_status"),
    ]
]


@dataclass
class Fault:
    """What to do instead of answering the next ``times`` calls of a route."""

    status: int | None = 503
    retry_after: float | None = None
    drop: bool = False
    after_acting: bool = False
    times: int = 1


class FakeServer(Protocol):
    """What the handler needs from the server object."""

    def record(self, method: str, route: str, path: str, body: bytes, auth: str) -> None: ...
    def authorized(self, headers: Any) -> bool: ...
    def take_fault(self, route: str) -> Fault | None: ...
    def handle(
        self, method: str, name: str, params: dict[str, str], query: dict[str, str], body: bytes
    ) -> Response: ...


def json_response(status: int, body: Any) -> Response:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


def _auth_kind(headers: Any) -> str:
    """How the request authenticated (never the credential itself)."""
    if headers.get("X-Domino-Api-Key"):
        return "api_key"
    if str(headers.get("Authorization", "")).startswith("Bearer "):
        return "bearer"
    return "none"


def _route(method: str, path: str) -> tuple[str, re.Match[str]] | None:
    for route_method, pattern, name in _ROUTES:
        match = pattern.match(path)
        if route_method == method and match:
            return name, match
    return None


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

    def _dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        path = unquote(re.sub("/{2,}", "/", parts.path))
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        found = _route(method, path)
        if found is None:
            self._send(json_response(404, {"message": f"no route for {method} {parts.path}"}))
            return
        name, match = found
        fake = self.fake
        fake.record(method, name, path, body, _auth_kind(self.headers))
        if not fake.authorized(self.headers):
            self._send(json_response(401, {"message": "missing or wrong API key"}))
            return
        fault = fake.take_fault(name)
        if fault is not None and not fault.after_acting:
            self._fail(fault)
            return
        params = {k: v for k, v in match.groupdict().items() if v is not None}
        try:
            response = fake.handle(method, name, params, query, body)
        except ValueError as error:
            response = json_response(400, {"message": f"bad request: {error}"})
        if fault is not None:
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
        self._send(
            (
                status,
                {**headers, "Content-Type": "application/json"},
                json.dumps({"message": f"injected {status}"}).encode(),
            )
        )

    def _send(self, response: Response) -> None:
        status, headers, payload = response
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
