"""Rules about how tasks and workflows are declared and called (DF001, DF004, DF005, DF013, DF014).

These catch, before registration, what would otherwise fail on Domino: tasks Domino Flows cannot
run, calls bound by position, interfaces flytekit cannot build, and caches that never invalidate.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from domino_flows.lint.context import Issue, ModuleContext, issue
from domino_flows.lint.syntax import (
    const_str,
    find_keyword,
    is_true,
    keyword_value,
    returns_value,
    short,
)

_FIX_TASK = (
    "decorate it with `@domino_task(environment=..., hardware_tier=...)` from domino_flows, "
    "or define it as a `DominoJobTask`"
)


def check_native_tasks(ctx: ModuleContext) -> Iterator[Issue]:
    """DF001 (native @task) and DF013 (map_task, @dynamic, @eager) in flow files."""
    if not ctx.is_flow_file:
        return
    for fn in ctx.functions:
        if fn.kind == "flyte_task":
            yield issue(
                "DF001",
                fn.decorator,
                f"`{fn.name}` is a native flytekit @task; Domino Flows runs only Domino Job tasks, "
                f"so it cannot run there. To fix, {_FIX_TASK}.",
            )
        elif fn.kind in ("dynamic", "eager"):
            yield issue(
                "DF013",
                fn.decorator,
                f"`{fn.name}` is a flytekit @{fn.kind} workflow, which Domino Flows does not run. "
                "Write it as a @workflow with a fixed shape, or do the looping inside one "
                "@domino_task (for one job per item with `domino-flows run`, domino_flows' "
                "fan_out(task); Domino Flows does not run that either).",
            )
    for node in ctx.calls:
        symbol = ctx.call_symbol(node)
        if symbol == ("flytekit", "map_task"):
            yield issue(
                "DF013",
                node,
                f"`{short(node)}` uses flytekit map_task, which Domino Flows does not run. "
                "Loop over the items inside one @domino_task, or call the task once per item "
                "in the @workflow. domino_flows' fan_out(task) runs one job per item with "
                "`domino-flows run` (Domino Flows does not run it either).",
            )
        elif symbol == ("flytekit", "task") and node.args and isinstance(node.args[0], ast.Name):
            yield issue(
                "DF001",
                node,
                f"`{node.args[0].id}` is wrapped with flytekit task(); Domino Flows runs only "
                f"Domino Job tasks. To fix, {_FIX_TASK}.",
            )


def check_positional_calls(ctx: ModuleContext) -> Iterator[Issue]:
    """DF004: positional arguments to tasks, workflows and launch plans inside a workflow."""
    for wf in ctx.workflows():
        for node in ctx.scope(wf.node):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            entity = ctx.callee_entity(node.func)
            if entity is None:
                continue
            callee = short(node.func)
            hint = f"`{callee}(name=value, ...)`"
            if entity.inputs and len(node.args) <= len(entity.inputs):
                parts = [
                    f"{name}={short(arg, 20)}"
                    for name, arg in zip(entity.inputs, node.args, strict=False)
                    if not isinstance(arg, ast.Starred)
                ]
                parts += [f"{kw.arg}={short(kw.value, 20)}" for kw in node.keywords if kw.arg]
                if len(parts) < len(entity.inputs):
                    parts.append("...")
                hint = f"`{callee}({', '.join(parts)})`"
            count = len(node.args)
            yield issue(
                "DF004",
                node,
                f"`{callee}` is called with {count} positional argument{'s' if count > 1 else ''} "
                f"in {wf.label}. Task, workflow and launch-plan inputs are matched by name; "
                f"positional values are bound by declaration order, which silently changes when "
                f"inputs are added or reordered. Pass every input by keyword, e.g. {hint}.",
            )


def check_annotations(ctx: ModuleContext) -> Iterator[Issue]:
    """DF005: every input needs a type; a function that returns a value needs a return type.

    ``-> None`` is not required when nothing is returned: flytekit reads a missing return
    annotation as "no outputs", which is then correct.
    """
    for fn in ctx.functions:
        args = fn.node.args
        params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        params += [a for a in (args.vararg, args.kwarg) if a is not None]
        for param in params:
            if param.annotation is None:
                yield issue(
                    "DF005",
                    param,
                    f"parameter `{param.arg}` of {fn.label} has no type annotation; Domino Flows "
                    f"builds the {fn.label.split()[0]}'s typed inputs from annotations and cannot "
                    f"pass an untyped value between jobs. Annotate it, e.g. `{param.arg}: int` or "
                    f"`{param.arg}: FlyteFile`.",
                )
        if fn.node.returns is None and returns_value(fn.node, ctx.scope(fn.node)):
            yield issue(
                "DF005",
                fn.node,
                f"{fn.label} returns a value but has no return annotation, so flytekit declares "
                "no outputs and the value is dropped. Add the type it returns, e.g. "
                "`-> FlyteFile` or `-> int`.",
            )


def check_cache_version(ctx: ModuleContext) -> Iterator[Issue]:
    """DF014: ``cache=True`` without ``cache_version`` on Domino tasks.

    ``DominoJobTask`` rejects this when the module is imported; catching it here saves a
    registration round trip. A job's code is a shell command, so there is no function body to
    hash: the version is the only thing that invalidates stale results.
    """
    for node in ctx.calls:
        symbol = ctx.call_symbol(node)
        if symbol not in (
            ("domino", "domino_task"),
            ("domino", "DominoJobTask"),
            ("domino", "run_domino_job_task"),
        ):
            continue
        cache = find_keyword(node, "cache")
        version = keyword_value(node, "cache_version")
        if cache is None or not is_true(cache.value):
            continue
        if version is not None and const_str(version) != "":
            continue  # given, or computed (a variable): only a missing or empty version is wrong
        yield issue(
            "DF014",
            cache,
            f"`{symbol[1]}` sets cache=True without a cache_version; Domino cannot tell when "
            "cached results are stale (and DominoJobTask refuses it). Add "
            '`cache_version="1"` and bump it whenever the task\'s code or data changes.',
        )
