"""Preflight checks: refuse the launches that would fail on Domino Flows or lose reproducibility.

Every check returns :class:`Check` items instead of raising, so one ``submit`` shows every problem
at once. Errors block a launch (and a dry run); warnings are shown and the launch goes ahead.

- lint: ``domino-flows lint`` errors in the flow file.
- git (``git_state``): Domino jobs run the project's pushed commit, so uncommitted changes,
  commits not pushed to the upstream branch and a branch without upstream block (``--allow-dirty``
  makes them warnings).
- tasks: plain flytekit ``@task`` and ``fan_out`` nodes do not run on Domino Flows; ``use_latest``
  and ``use_project_defaults_for_omitted`` make runs non-reproducible.
- serialization: each ``domino_job`` template's ``custom`` survives the protobuf round trip through
  :meth:`DominoJobConfig.from_custom`, carries ids rather than names, and no entity carries a
  credential (the values of :data:`~domino_flows.core.redaction.CREDENTIAL_VARIABLES`, API key
  headers, bearer tokens).
"""

from __future__ import annotations

import contextlib
import inspect
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from domino_flows.authoring import custom_keys
from domino_flows.authoring.config import (
    FAN_OUT_TASK_TYPE,
    TASK_TYPE,
    USE_LATEST,
    USE_PROJECT_DEFAULTS,
)
from domino_flows.core.redaction import CREDENTIAL_VARIABLES, TOKEN_FILE_VARIABLE

# "pending": what Domino fills in at submit (names, project defaults) when a dry run cannot ask
# it: not a defect of the flow.
Level = Literal["error", "warning", "pending"]
LEVEL_LABELS = {"error": "error", "warning": "warning", "pending": "resolved at submit"}

# The domino-flows additions: submit resolves them into Domino's fields (or refuses). Custom
# input and output paths are not among them: they ride in the typed interface (domino_flows.file).
DROPPED_ADDITIONS = custom_keys.ADDITIONS
ADDITIONS = custom_keys.ADDITIONS
NAME_KEYS = custom_keys.NAME_KEYS
# Additions that say how omitted fields are filled: a resolved task has them filled instead.
FILLING_KEYS = (USE_LATEST, USE_PROJECT_DEFAULTS)
INTERFACE_KEYS = custom_keys.INTERFACE_KEYS

# Text that means a credential was serialized, whatever its value.
CREDENTIAL_PATTERNS = (
    ("an X-Domino-Api-Key header", re.compile(rb"x-domino-api-key", re.IGNORECASE)),
    ("a bearer token", re.compile(rb"\bbearer\s+[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)),
    ("an Authorization header", re.compile(rb"\bauthorization\s*[:=]", re.IGNORECASE)),
)


@dataclass(frozen=True)
class Check:
    level: Level
    topic: str  # lint, git, task, names, serialization, credentials, inputs, flow
    message: str
    task: str = ""  # the task it is about: checks that differ only in it are shown together

    def __str__(self) -> str:
        return render(self.level, self.topic, self.message, [self.task] if self.task else [])


def render(level: Level, topic: str, message: str, tasks: list[str]) -> str:
    about = ""
    if tasks:
        about = ("tasks " if len(tasks) > 1 else "task ") + ", ".join(repr(t) for t in tasks)
        about += ": "
    return f"{LEVEL_LABELS[level]}: [{topic}] {about}{message}"


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)

    def add(self, check: Check) -> None:
        if check not in self.checks:  # e.g. one unreachable Domino, asked once per task
            self.checks.append(check)

    def error(self, topic: str, message: str) -> None:
        self.add(Check("error", topic, message))

    def warning(self, topic: str, message: str) -> None:
        self.add(Check("warning", topic, message))

    def extend(self, checks: Iterable[Check]) -> None:
        for check in checks:
            self.add(check)

    @property
    def errors(self) -> list[Check]:
        return [c for c in self.checks if c.level == "error"]

    @property
    def warnings(self) -> list[Check]:
        return [c for c in self.checks if c.level == "warning"]

    @property
    def pending(self) -> list[Check]:
        return [c for c in self.checks if c.level == "pending"]

    def lines(self) -> list[tuple[Level, str]]:
        """Every check once, those that differ only in their task as one line naming them all,
        in the order they were found."""
        groups: dict[tuple[Level, str, str], list[str]] = {}
        for check in self.checks:
            tasks = groups.setdefault((check.level, check.topic, check.message), [])
            if check.task and check.task not in tasks:
                tasks.append(check.task)
        return [
            (level, render(level, topic, message, tasks))
            for (level, topic, message), tasks in groups.items()
        ]

    @property
    def ok(self) -> bool:
        return not self.errors


# --- lint -----------------------------------------------------------------------------------------


def lint_checks(flow_file: Path) -> list[Check]:
    """``domino-flows lint`` on the flow file: its errors block, its warnings are shown."""
    from domino_flows.lint import lint_paths

    out = []
    for finding in lint_paths([flow_file]):
        text = (
            f"{finding.path}:{finding.line}:{finding.column}: {finding.rule} {finding.name}: "
            f"{finding.message}"
        )
        if finding.severity == "error":
            text += " (fix it, or see `domino-flows lint` and docs/lint-rules.md)"
        out.append(Check(finding.severity, "lint", text))
    return out


# --- tasks ----------------------------------------------------------------------------------------


def where_defined(entity: Any, fallback: str = "") -> str:
    """``file:line`` of a task's function or of the wrapped task, for messages."""
    target = getattr(entity, "task", None) or entity  # a fan_out's job task
    function = getattr(target, "task_function", None) or getattr(target, "_function", None)
    if function is not None:
        try:
            lines = inspect.getsourcelines(function)
            path = inspect.getsourcefile(function) or ""
        except (OSError, TypeError):
            return fallback
        with contextlib.suppress(ValueError):  # another drive on Windows
            path = os.path.relpath(path)
        return f"{path}:{lines[1]}"
    return fallback


def task_checks(pairs: Iterable[tuple[Any, Any]], flow_file: str = "") -> list[Check]:
    """Checks on every task the workflow uses: ``(python entity, TaskSpec)`` pairs."""
    from flytekit.core.python_function_task import PythonFunctionTask

    out = []
    for entity, spec in pairs:
        template = spec.template
        name = template.id.name
        where = where_defined(entity, flow_file)
        prefix = f"{where}: " if where else ""
        if template.type == FAN_OUT_TASK_TYPE:
            out.append(
                Check(
                    "error",
                    "task",
                    f"{prefix}task {name!r} is a fan_out: Domino Flows does not run fan-outs "
                    "(map tasks). Call the job task once per item in the workflow, or run this "
                    "flow with domino-flows run.",
                )
            )
        elif template.type == TASK_TYPE:
            out.extend(_config_checks(prefix, name, template.custom or {}))
        elif isinstance(entity, PythonFunctionTask):
            mode = entity.execution_mode
            kind = (
                "a plain flytekit @task"
                if mode == PythonFunctionTask.ExecutionBehavior.DEFAULT
                else f"a @{mode.name.lower()} task"
            )
            out.append(
                Check(
                    "error",
                    "task",
                    f"{prefix}task {name!r} is {kind}: Domino Flows runs only Domino job tasks, "
                    "so it would not run. Make it a @domino_task (from domino_flows import "
                    "domino_task) or a DominoJobTask.",
                )
            )
        else:
            out.append(
                Check(
                    "error",
                    "task",
                    f"{prefix}task {name!r} is a {type(entity).__name__} (task type "
                    f"{template.type!r}): Domino Flows runs only domino_job tasks. Use "
                    "@domino_task or DominoJobTask.",
                )
            )
    return out


def _config_checks(prefix: str, name: str, custom: Mapping[str, Any]) -> list[Check]:
    from domino_flows.export_job import COMMAND, NOT_ON_DOMINO

    out = []
    if custom.get("command") == COMMAND:
        out.append(Check("error", "task", f"{prefix}task {name!r}: {NOT_ON_DOMINO}"))
    if custom.get("useLatest"):
        out.append(
            Check(
                "warning",
                "task",
                f"{prefix}task {name!r} uses use_latest=True: its environment, hardware tier and "
                "other settings are whatever the project's latest are at launch, so runs are "
                "not reproducible. Pin them (environment=..., hardware_tier=...) for production.",
            )
        )
    if custom.get("useProjectDefaultsForOmitted"):
        out.append(
            Check(
                "warning",
                "task",
                f"{prefix}task {name!r} uses use_project_defaults_for_omitted=True: omitted "
                "settings take the project's defaults at launch, so runs are not reproducible. "
                "Pin them for production.",
            )
        )
    return out


# --- serialization --------------------------------------------------------------------------------


def domino_templates(entities: Iterable[Any]) -> list[Any]:
    from flytekit.models.task import TaskSpec

    return [
        e.template for e in entities if isinstance(e, TaskSpec) and e.template.type == TASK_TYPE
    ]


def custom_as_registered(template: Any) -> dict[str, Any]:
    """``custom`` as Domino Flows reads it: through protobuf's Struct (ints become floats)."""
    from google.protobuf.json_format import MessageToDict

    return MessageToDict(template.to_flyte_idl().custom)


def validate_templates(entities: Iterable[Any], require_ids: bool) -> list[Check]:
    """Each domino_job template rebuilds the same DominoJobConfig from its registered form."""
    from domino_flows.authoring.config import DominoJobConfig
    from domino_flows.core.errors import TaskDefinitionError

    out = []
    for template in domino_templates(entities):
        name = template.id.name
        custom = custom_as_registered(template)
        try:
            config = DominoJobConfig.from_custom(custom)
            config.validate(name)
        except (TaskDefinitionError, KeyError, ValueError, TypeError) as error:
            out.append(
                Check(
                    "error",
                    "serialization",
                    f"task {name!r}: its serialized job config does not read back: {error}",
                )
            )
            continue
        # an empty list (no datasets, no volumes: what a resolved task registers) reads back as
        # an unset field
        expected = {k: v for k, v in custom.items() if k not in INTERFACE_KEYS and v != []}
        if config.to_custom() != expected:
            keys = sorted(
                k
                for k in set(expected) | set(config.to_custom())
                if expected.get(k) != config.to_custom().get(k)
            )
            out.append(
                Check(
                    "error",
                    "serialization",
                    f"task {name!r}: job config field(s) {', '.join(keys)} change in the protobuf "
                    "round trip, so Domino Flows would run something else; report this with the "
                    "task's definition.",
                )
            )
        left = [k for k in NAME_KEYS if k in custom]
        if require_ids and left:
            names = ", ".join(f"{k} {custom[k]!r}" for k in left)
            out.append(
                Check(
                    "error",
                    "serialization",
                    f"task {name!r} still names its {names}: Domino Flows needs ids. Set "
                    "DOMINO_API_HOST and a credential (DOMINO_USER_API_KEY, DOMINO_TOKEN_FILE or "
                    "DOMINO_API_PROXY) and the project (DOMINO_PROJECT_OWNER/DOMINO_PROJECT_NAME "
                    "or [tool.domino_flows.domino] project) so submit can resolve them, or give "
                    "EnvironmentId / HardwareTierId.",
                )
            )
        if require_ids:
            stray = [k for k in FILLING_KEYS if k in custom]
            if stray:
                out.append(
                    Check(
                        "error",
                        "serialization",
                        f"task {name!r} still carries {', '.join(stray)}, which Domino Flows "
                        "does not read; report this with the task's definition.",
                    )
                )
    return out


def credential_values(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """What must never be serialized: credential variables' values, and a token file's content."""
    env = os.environ if environ is None else environ
    out = {}
    for variable in CREDENTIAL_VARIABLES:
        value = env.get(variable)
        if value and len(value) >= 4:
            out[variable] = value
    token_file = env.get(TOKEN_FILE_VARIABLE)
    if token_file and os.path.isfile(token_file):
        try:
            token = Path(token_file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            token = ""
        if len(token) >= 4:
            out["the token in DOMINO_TOKEN_FILE"] = token
    return out


def entity_label(entity: Any) -> str:
    from flytekit.models.launch_plan import LaunchPlan
    from flytekit.models.task import TaskSpec

    if isinstance(entity, TaskSpec):
        return f"task {entity.template.id.name!r}"
    if isinstance(entity, LaunchPlan):
        return f"launch plan {entity.id.name!r}"
    return f"workflow {entity.template.id.name!r}"


# The same patterns as text, with the part to mask: the credential after the header or keyword.
_TEXT_PATTERNS = (
    re.compile(r"(x-domino-api-key\s*[:=]?\s*)\S+", re.IGNORECASE),
    re.compile(r"(\bbearer\s+)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE),
    re.compile(r"(\bauthorization\s*[:=]\s*)\S+", re.IGNORECASE),
)


def redact_plan(line: str, environ: Mapping[str, str] | None = None) -> str:
    """A plan line with every credential masked: credential variables' values, the token in
    ``DOMINO_TOKEN_FILE``, and API key headers or bearer tokens written into the flow."""
    for source, value in credential_values(environ).items():
        line = line.replace(value, f"<{source} redacted>")
    for pattern in _TEXT_PATTERNS:
        line = pattern.sub(lambda match: f"{match.group(1)}<redacted>", line)
    return line


def scan_bytes(data: bytes, label: str, secrets: Mapping[str, str]) -> list[Check]:
    out = []
    for source, value in secrets.items():
        if value.encode() in data:
            out.append(
                Check(
                    "error",
                    "credentials",
                    f"{label} contains the value of {source}: it would be stored in Flyte for "
                    "anyone with access to read. Remove it from the flow; jobs get credentials "
                    "from their environment at run time.",
                )
            )
    for what, pattern in CREDENTIAL_PATTERNS:
        if pattern.search(data):
            out.append(
                Check(
                    "error",
                    "credentials",
                    f"{label} contains {what}: a credential must not be serialized into a "
                    "flow. Remove it; jobs get credentials from their environment at run time.",
                )
            )
    return out


def scan_credentials(
    entities: Iterable[Any], environ: Mapping[str, str] | None = None
) -> list[Check]:
    """Scan every entity's serialized protobuf for credentials."""
    secrets = credential_values(environ)
    out = []
    for entity in entities:
        data = entity.to_flyte_idl().SerializeToString()
        out.extend(scan_bytes(data, entity_label(entity), secrets))
    return out
