"""DF017 and DF018: calls of the kit's own functions that fail as soon as the flow loads.

- DF017 ``unknown-keyword``: a keyword the kit's function does not take (``enviroment_name=``,
  or an official-plugin argument the kit has no use for). Python refuses the call with a
  TypeError when the module is imported, before any task runs.
- DF018 ``unsupported-output-type``: an output declared as a list, dict, tuple, set, union,
  ``Any``, bytes or a dataframe. A Domino job's outputs are files read from
  ``/workflow/outputs``: only primitives, ``FlyteFile`` and ``FlyteDirectory`` can be one, and the
  task refuses anything else when it is defined.

The job settings' keywords are read from the one settings model
(``domino_flows.contract.job_settings``), the rest mirror the functions' signatures
(``tests/lint/test_kit_calls.py`` checks them against the real ones), so lint needs no import of
flytekit.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Iterator
from dataclasses import fields

from domino_flows.authoring.config import TASK_OPTIONS, DominoJobConfig
from domino_flows.contract import job_settings
from domino_flows.lint.context import Issue, ModuleContext, issue

# How to run a job task, beside its job settings (both functions take these).
_RUN_OPTIONS = frozenset(TASK_OPTIONS)
# The job settings, in every spelling the kit's functions take (the one model's keywords).
_JOB_SETTINGS = job_settings.keywords(DominoJobConfig)
KEYWORDS: dict[str, frozenset[str]] = {
    "run_domino_job_task": _RUN_OPTIONS
    | _JOB_SETTINGS
    | {"flyte_task_name", "command", "inputs", "output_specs"},
    "Input": frozenset({"name", "type", "value", "path"}),
    "Output": frozenset({"name", "type", "path"}),
    "DominoJobConfig": frozenset(f.name for f in fields(DominoJobConfig) if f.init),
    "domino_task": _RUN_OPTIONS | _JOB_SETTINGS | {"name"},
    "fan_out": frozenset({"task", "concurrency", "min_success_ratio"}),
}
# Heads of type expressions a job output cannot be.
_UNSUPPORTED = frozenset(
    [
        "list",
        "List",
        "dict",
        "Dict",
        "tuple",
        "Tuple",
        "set",
        "Set",
        "frozenset",
        "Union",
        "Optional",
        "Any",
        "bytes",
        "DataFrame",
        "StructuredDataset",
    ]
)


# Official arguments the kit drops on purpose (``domino-flows port`` removes them; DF006 is about
# the credential one): not reported as unknown.
_PORTED_AWAY = frozenset({"ApiKey", "OwnerName", "ProjectName"})


def _kit_call(ctx: ModuleContext, node: ast.Call) -> str | None:
    """The kit function a call names, when it is the kit's (not the official plugin's)."""
    symbol = ctx.call_symbol(node)
    qualified = ctx.qualname(node.func) or ""
    if symbol is None or symbol[0] != "domino" or not qualified.startswith("domino_flows"):
        return None
    return symbol[1]


def check_keywords(ctx: ModuleContext) -> Iterator[Issue]:
    """DF017 on keywords the kit's functions do not take."""
    for node in ctx.calls:
        name = _kit_call(ctx, node)
        known = KEYWORDS.get(name or "")
        if known is None:
            continue
        for keyword in node.keywords:
            if keyword.arg is None or keyword.arg in known or keyword.arg in _PORTED_AWAY:
                continue
            close = difflib.get_close_matches(keyword.arg, sorted(known), n=1)
            hint = f" Did you mean {close[0]}=?" if close else ""
            yield issue(
                "DF017",
                keyword.value,
                f"{name}() takes no keyword {keyword.arg}=: the flow fails with a TypeError "
                f"when it loads.{hint} It takes {', '.join(sorted(known))}.",
            )


def _head(node: ast.expr) -> str | None:
    if isinstance(node, ast.Subscript):
        return _head(node.value)
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return "Union"
    return None


def _output_types(ctx: ModuleContext, node: ast.Call, name: str) -> Iterator[tuple[str, ast.expr]]:
    if name == "Output":
        given = node.args[1] if len(node.args) > 1 else None
        given = next((k.value for k in node.keywords if k.arg == "type"), given)
        label = next((k.value for k in node.keywords if k.arg == "name"), None)
        label = label or (node.args[0] if node.args else None)
        if given is not None:
            text = label.value if isinstance(label, ast.Constant) else "?"
            yield str(text), given
    elif name == "DominoJobTask":
        outputs = next((k.value for k in node.keywords if k.arg == "outputs"), None)
        if isinstance(outputs, ast.Dict):
            for key, value in zip(outputs.keys, outputs.values, strict=True):
                if isinstance(key, ast.Constant):
                    yield str(key.value), value


def check_output_types(ctx: ModuleContext) -> Iterator[Issue]:
    """DF018 on outputs of job tasks declared with a type a job cannot write."""
    for node in ctx.calls:
        name = _kit_call(ctx, node)
        if name not in ("Output", "DominoJobTask"):
            continue
        for output, given in _output_types(ctx, node, name):
            head = _head(given)
            if head in _UNSUPPORTED:
                yield issue(
                    "DF018",
                    given,
                    f"output {output!r} is declared as {ast.unparse(given)}; a Domino job's "
                    "outputs can only be primitives (str, int, float, bool, datetime, "
                    "timedelta), FlyteFile or FlyteDirectory, so the task fails when the flow "
                    "loads. Write the data to a file (JSON for a dict or list, parquet for a "
                    "table) and declare the output as FlyteFile.",
                )
