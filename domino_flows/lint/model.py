"""The lint data model: rule metadata and findings.

Kept free of any checking logic so that the command line, the config loader and the report
formatters can list rules and build findings without loading the checks themselves.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning")


@dataclass(frozen=True)
class Finding:
    """One problem at one place. ``line`` and ``column`` are 1-based, as editors show them."""

    path: str
    line: int
    column: int
    rule: str
    name: str
    severity: Severity
    message: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.rule)


@dataclass(frozen=True)
class RuleInfo:
    """A rule's stable id, short name, default severity and one-line summary.

    ``default_enabled`` is False for rules that are opt-in (``enable = [...]`` in the config).
    """

    id: str
    name: str
    severity: Severity
    summary: str
    default_enabled: bool = True


_RULE_LIST: tuple[RuleInfo, ...] = (
    RuleInfo("DF000", "syntax-error", "error", "The file cannot be read or parsed as Python."),
    RuleInfo(
        "DF001",
        "native-flytekit-task",
        "error",
        "A native flytekit @task in a Domino flow; Domino Flows runs only Domino Job tasks.",
    ),
    RuleInfo(
        "DF002",
        "promise-control-flow",
        "error",
        "Python if/while/for/and/or/not/comparison on a promise inside a @workflow body.",
    ),
    RuleInfo(
        "DF003",
        "nondeterministic-workflow",
        "error",
        "random/time/uuid/datetime.now in a @workflow body runs once, at compile time.",
    ),
    RuleInfo(
        "DF004",
        "positional-task-arguments",
        "error",
        "A task, workflow or launch plan is called with positional arguments.",
    ),
    RuleInfo(
        "DF005",
        "missing-type-annotation",
        "error",
        "A task or workflow parameter, or a returned value, has no type annotation.",
    ),
    RuleInfo(
        "DF006",
        "hardcoded-credential",
        "error",
        "An API key, token or password is written into the source.",
    ),
    RuleInfo(
        "DF007",
        "unpinned-in-production",
        "error",
        "use_latest=True or use_project_defaults_for_omitted=True in a production flow.",
    ),
    RuleInfo(
        "DF008",
        "data-in-primitive-output",
        "warning",
        "Data passed through a str/bytes output; Domino caps primitive outputs at 1024 bytes.",
    ),
    RuleInfo(
        "DF009",
        "undeclared-file-output",
        "warning",
        "A task writes files but declares no output, so the files are lost with the job.",
    ),
    RuleInfo(
        "DF010",
        "module-state-mutation",
        "warning",
        "A task mutates module-level state, which other tasks (other jobs) never see.",
    ),
    RuleInfo(
        "DF011",
        "environment-branching",
        "warning",
        "A task branches on os.environ/os.getenv instead of on an input.",
    ),
    RuleInfo(
        "DF012",
        "command-without-pythonpath",
        "warning",
        "A job command's script imports repository code that is not on its path.",
    ),
    RuleInfo(
        "DF013",
        "unsupported-flytekit-construct",
        "error",
        "map_task, @dynamic or @eager, which Domino Flows does not run.",
    ),
    RuleInfo(
        "DF014",
        "cache-without-version",
        "error",
        "cache=True without cache_version on a Domino task.",
    ),
    RuleInfo(
        "DF015",
        "unpinned-job-settings",
        "warning",
        "use_latest=True or use_project_defaults_for_omitted=True outside production (opt-in).",
        default_enabled=False,
    ),
    RuleInfo(
        "DF016",
        "unknown-job-type",
        "warning",
        "A job command starts with a script whose extension Domino has no job type for.",
    ),
    RuleInfo(
        "DF017",
        "unknown-keyword",
        "error",
        "A keyword the kit's function does not take: the flow fails when it loads.",
    ),
    RuleInfo(
        "DF018",
        "unsupported-output-type",
        "error",
        "A job output declared as a list, dict or other type a job cannot write.",
    ),
)

RULES: dict[str, RuleInfo] = {rule.id: rule for rule in _RULE_LIST}
RULES_BY_NAME: dict[str, RuleInfo] = {rule.name: rule for rule in _RULE_LIST}


def resolve_rule(token: str) -> RuleInfo | None:
    """Look a rule up by id (``DF004``, any case) or short name (``positional-task-arguments``)."""
    token = token.strip()
    return RULES.get(token.upper()) or RULES_BY_NAME.get(token.lower())
