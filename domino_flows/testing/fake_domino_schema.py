"""Domino's published API description, as the fake Domino server checks requests and answers.

The two OpenAPI 3 files under ``schemas/`` (see ``schemas/NOTICE.md``) are subsets of Domino's
published descriptions: "Domino Data Lab API v4" (served under ``/v4``) and "Domino Public API
6.2.0" (``/api/...``). Every request the fake serves is matched to one of their operations and
checked with ``openapi-schema-validator`` (a maintained OpenAPI 3.0 validator built on
``jsonschema``): path parameters, query parameters (required ones present, values of the declared
type) and the JSON or multipart body. Every JSON answer is checked against the operation's response
schema for its status, so the fake never answers with a shape Domino would not.

Routes the description does not hold are unknown to the fake (404), except the few python-domino
itself calls that Domino serves outside the published description: :data:`LEGACY_ROUTES`, each
with the python-domino method that calls it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import unquote

from openapi_schema_validator import OAS30Validator

SPEC_FILES = {"v4-subset.json": "/v4", "public-subset.json": ""}

# Routes python-domino calls that the published description lacks: served by the fake (handlers
# in ``fake_domino_legacy``), never schema-checked, and listed in ``FakeDomino.legacy_calls``.
_PROJECT = r"/v1/projects/(?P<o>[^/]+)/(?P<p>[^/]+)"

# (method, path pattern, route name, why the fake serves it although it is not published)
LEGACY_ROUTES: list[tuple[str, re.Pattern[str], str, str]] = [
    (m, re.compile(p), n, why)
    for m, p, n, why in [
        (
            "GET",
            r"^/version$",
            "version",
            "python-domino's Domino() constructor reads the deployment version before anything "
            "else",
        ),
        ("GET", r"^/v1/environments$", "environments_v1", "python-domino's environments_list()"),
        ("GET", rf"^{_PROJECT}/commits$", "commits_v1", "python-domino's commits_list()"),
        ("GET", rf"^{_PROJECT}/runs$", "runs_v1", "python-domino's runs_list()"),
        (
            "GET",
            rf"^{_PROJECT}/run/(?P<job>[^/]+)/stdout$",
            "stdout_v1",
            "python-domino's runs_stdout() and get_run_log()",
        ),
        (
            "GET",
            rf"^{_PROJECT}/files/(?P<commit>[^/]+)(?:/(?P<path>.*))?$",
            "files_list_v1",
            "python-domino's files_list()",
        ),
        ("PUT", rf"^{_PROJECT}/(?P<path>.+)$", "upload_v1", "python-domino's files_upload()"),
    ]
]


def match_legacy(method: str, path: str) -> tuple[str, dict[str, str]] | None:
    for route_method, pattern, name, _why in LEGACY_ROUTES:
        found = pattern.match(path)
        if route_method == method and found:
            return name, {k: v for k, v in found.groupdict().items() if v is not None}
    return None


@dataclass(frozen=True)
class Operation:
    """One published operation: method, full path template, its OpenAPI object and spec."""

    method: str
    template: str
    pattern: re.Pattern[str]
    operation: dict[str, Any]
    spec: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.operation.get("operationId") or f"{self.method} {self.template}")


def _compile(template: str) -> re.Pattern[str]:
    # Path parameters are one raw segment: a path inside the project travels URL-encoded (%2F).
    regex = re.sub(r"\\\{([A-Za-z0-9_]+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(f"^{regex}$")


@cache
def load_specs() -> tuple[dict[str, Any], ...]:
    folder = resources.files("domino_flows.testing") / "schemas"
    return tuple(json.loads((folder / name).read_text("utf-8")) for name in SPEC_FILES)


@cache
def operations() -> tuple[Operation, ...]:
    found = []
    for spec, prefix in zip(load_specs(), SPEC_FILES.values(), strict=True):
        for path, item in spec["paths"].items():
            for method, operation in item.items():
                if method in ("get", "put", "post", "delete", "patch"):
                    template = prefix + path
                    found.append(
                        Operation(method.upper(), template, _compile(template), operation, spec)
                    )
    # A literal segment wins over a parameter (commits/head/... before commits/{commitId}/...).
    found.sort(key=lambda op: op.template.count("{"))
    return tuple(found)


def match(method: str, raw_path: str) -> tuple[Operation, dict[str, str]] | None:
    """The published operation serving ``method raw_path`` and its decoded path parameters."""
    for operation in operations():
        if operation.method != method:
            continue
        found = operation.pattern.match(raw_path)
        if found:
            return operation, {k: unquote(v) for k, v in found.groupdict().items()}
    return None


def _resolve(spec: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in item:
        node: Any = spec
        for part in item["$ref"].lstrip("#/").split("/"):
            node = node[part]
        item = node
    return item


def _validator(spec: dict[str, Any], schema: dict[str, Any]) -> OAS30Validator:
    return OAS30Validator({**schema, "components": spec["components"]})


def _errors(spec: dict[str, Any], schema: dict[str, Any], value: Any, where: str) -> list[str]:
    return [
        f"{where}{''.join(f'[{p!r}]' for p in error.absolute_path)}: {error.message}"
        for error in _validator(spec, schema).iter_errors(value)
    ]


def _coerce(value: str, schema: dict[str, Any]) -> Any:
    """A query or path string as the declared type (left a string when it is not one)."""
    kind = schema.get("type")
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        return value
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


def check_request(
    operation: Operation,
    params: dict[str, str],
    query: dict[str, str],
    content_type: str,
    body: bytes,
) -> list[str]:
    """What is wrong with a request, one line each (empty when it matches the description)."""
    spec = operation.spec
    problems: list[str] = []
    declared = [_resolve(spec, p) for p in operation.operation.get("parameters", [])]
    known_query = {p["name"] for p in declared if p.get("in") == "query"}
    for parameter in declared:
        where, name = parameter.get("in"), parameter["name"]
        values = params if where == "path" else query if where == "query" else None
        if values is None:
            continue
        if name not in values:
            if parameter.get("required"):
                problems.append(f"{where} parameter {name!r} is required")
            continue
        schema = parameter.get("schema", {})
        problems += _errors(spec, schema, _coerce(values[name], schema), f"{where} {name}")
    problems += [
        f"query parameter {name!r} is not one Domino reads"
        for name in sorted(set(query) - known_query)
    ]
    problems += _check_body(operation, content_type, body)
    return problems


def _check_body(operation: Operation, content_type: str, body: bytes) -> list[str]:
    spec = operation.spec
    request_body = operation.operation.get("requestBody")
    if request_body is None:
        return ["a body was sent, but this operation takes none"] if body else []
    content = _resolve(spec, request_body).get("content", {})
    media = content_type.split(";")[0].strip().lower()
    if media not in content:
        return [f"the body is {media or 'untyped'}; Domino reads {', '.join(content)}"]
    schema = content[media].get("schema", {})
    if media == "application/json":
        try:
            value = json.loads(body or b"null")
        except ValueError as error:
            return [f"the body is not JSON ({error})"]
        if value is None and request_body.get("required"):
            return ["the body is required"]
        return _errors(spec, schema, value, "body")
    if media == "multipart/form-data":
        fields = set(re.findall(rb'name="([^"]+)"', body))
        wanted = {name.encode() for name in _resolve(spec, schema).get("properties", {})}
        missing = wanted - fields
        return [f"multipart field {m.decode()!r} is missing" for m in sorted(missing)]
    return []


def check_response(operation: Operation, status: int, body: bytes) -> list[str]:
    """What is wrong with an answer: a JSON body must match the status's published schema."""
    spec = operation.spec
    responses = operation.operation.get("responses", {})
    declared = responses.get(str(status))
    if declared is None:
        return [f"status {status} is not one this operation answers ({', '.join(responses)})"]
    content = _resolve(spec, declared).get("content", {})
    if "application/json" not in content or status >= 300:
        return []
    try:
        value = json.loads(body)
    except ValueError as error:
        return [f"the answer is not JSON ({error})"]
    return _errors(spec, content["application/json"].get("schema", {}), value, "answer")


def check_schema(name: str, value: Any) -> list[str]:
    """What is wrong with ``value`` as the published schema ``name`` (one of the descriptions'
    ``components.schemas``), one line each; empty when it matches."""
    for spec in load_specs():
        schemas = spec["components"]["schemas"]
        if name in schemas:
            return _errors(spec, {"$ref": f"#/components/schemas/{name}"}, value, name)
    raise KeyError(f"no published schema named {name!r}")
