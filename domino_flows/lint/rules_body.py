"""Rules about what task bodies do (DF009, DF010, DF011).

A task body runs inside its own Domino Job: a fresh process in a fresh container. Only its
declared inputs come in and only its declared outputs go out; files it leaves behind, module
globals it changes and environment variables it reads are invisible to the rest of the flow, to
caching and to lineage.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from domino_flows.lint.context import Issue, ModuleContext, TaskFunction, issue
from domino_flows.lint.syntax import const_str, returns_value, short, walk

# -- DF009 -------------------------------------------------------------------------------------

_WRITE_METHODS = frozenset(
    [
        "to_csv",
        "to_parquet",
        "to_excel",
        "to_feather",
        "to_pickle",
        "to_hdf",
        "to_json",
        "to_html",
        "to_markdown",
        "to_xml",
        "savefig",
        "write_text",
        "write_bytes",
        "save_pretrained",
        "save_model",
    ]
)
# pandas methods that return a string (and write nothing) when given no path.
_WRITE_NEEDS_PATH = frozenset(
    ["to_csv", "to_json", "to_html", "to_markdown", "to_xml", "to_parquet"]
)
_WRITE_FUNCTIONS = frozenset(
    [
        "pickle.dump",
        "joblib.dump",
        "shutil.copy",
        "shutil.copy2",
        "shutil.copyfile",
        "shutil.copytree",
        "shutil.move",
        "numpy.save",
        "numpy.savez",
        "numpy.savez_compressed",
        "numpy.savetxt",
        "torch.save",
    ]
)
# Writes here persist after the job: Domino datasets and external volumes.
_PERSISTENT_PREFIXES = ("/domino/datasets", "/mnt/data", "/mnt/imported/data", "/domino/netapp")


def _has_outputs(ctx: ModuleContext, fn: TaskFunction) -> bool:
    returns = fn.node.returns
    if returns is None:
        return returns_value(fn.node, ctx.scope(fn.node))
    return not (isinstance(returns, ast.Constant) and returns.value is None)


def _open_mode(ctx: ModuleContext, call: ast.Call) -> str | None:
    func = call.func
    mode_kw = next((k.value for k in call.keywords if k.arg == "mode"), None)
    if (
        isinstance(func, ast.Name) and func.id == "open" and "open" not in ctx.imports
    ) or ctx.qualname(func) in ("io.open", "codecs.open"):
        index = 1
    elif isinstance(func, ast.Attribute) and func.attr == "open" and ctx.qualname(func) is None:
        index = 0  # Path(...).open("w")
    else:
        return None
    mode = (
        mode_kw if mode_kw is not None else (call.args[index] if len(call.args) > index else None)
    )
    return const_str(mode) or ""


def _persistent(call: ast.Call) -> bool:
    for node in (call, *walk(call)):
        text = const_str(node)
        if text and text.startswith(_PERSISTENT_PREFIXES):
            return True
    return False


def _is_write(ctx: ModuleContext, call: ast.Call) -> bool:
    mode = _open_mode(ctx, call)
    if mode is not None:
        return any(flag in mode for flag in "wax+")
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in _WRITE_METHODS:
        if ctx.qualname(func) is not None:  # a module function, e.g. some_module.to_json(...)
            return False
        if func.attr in _WRITE_NEEDS_PATH:
            return bool(call.args) or any(
                k.arg in ("path", "path_or_buf", "buf") for k in call.keywords
            )
        return True
    return ctx.qualname(func) in _WRITE_FUNCTIONS


def check_file_writes(ctx: ModuleContext) -> Iterator[Issue]:
    """DF009: a task writes a file but has no outputs to hand it on."""
    for fn in ctx.task_functions():
        if _has_outputs(ctx, fn):
            continue
        writes = [
            node
            for node in walk(fn.node)
            if isinstance(node, ast.Call) and _is_write(ctx, node) and not _persistent(node)
        ]
        if not writes:
            continue
        first = min(writes, key=lambda n: (n.lineno, n.col_offset))
        yield issue(
            "DF009",
            first,
            f"{fn.label} writes a file (`{short(first)}`) but declares no outputs; the job's "
            "files are discarded when the Domino Job ends, so nothing downstream can read it. "
            "Declare it as an output: annotate `-> FlyteFile` and `return FlyteFile(path)` "
            "(or write to a Domino dataset if it must persist outside the flow).",
        )


# -- DF010 -------------------------------------------------------------------------------------

_MUTATORS = frozenset(
    [
        "append",
        "extend",
        "insert",
        "update",
        "add",
        "pop",
        "remove",
        "clear",
        "setdefault",
        "discard",
        "popitem",
        "appendleft",
        "extendleft",
        "sort",
        "reverse",
        "difference_update",
        "intersection_update",
        "symmetric_difference_update",
    ]
)


_MUTATING_NODES = (ast.Global, ast.Call, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)


def _local_names(fn: ast.FunctionDef | ast.AsyncFunctionDef, nodes: list[ast.AST]) -> set[str]:
    args = fn.args
    names = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
    names |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    for node in nodes:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def check_module_state(ctx: ModuleContext) -> Iterator[Issue]:
    """DF010: ``global x``, ``X.append(...)``, ``X[k] = v`` on module-level names in tasks."""
    for fn in ctx.task_functions():
        declared: set[str] = set()
        nodes = [n for n in ctx.scope(fn.node) if isinstance(n, _MUTATING_NODES)]
        for node in nodes:
            if isinstance(node, ast.Global):
                declared.update(node.names)
                yield _state_issue(
                    fn, node, ", ".join(node.names), f"global {', '.join(node.names)}"
                )
        shared = ctx.module_names - _local_names(fn.node, ctx.scope(fn.node)) - declared
        for node in nodes:
            target = _mutated_name(node)
            if target is not None and target[0] in shared:
                yield _state_issue(fn, node, target[0], target[1])


def _mutated_name(node: ast.AST) -> tuple[str, str] | None:
    """(name, what) if ``node`` mutates the object a plain name refers to."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        owner = node.func.value
        if isinstance(owner, ast.Name) and node.func.attr in _MUTATORS:
            return owner.id, f"{owner.id}.{node.func.attr}(...)"
    targets: list[ast.expr] = []
    if isinstance(node, (ast.Assign, ast.Delete)):
        targets = list(node.targets)
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        targets = [node.target]
    for target in targets:
        if isinstance(target, (ast.Subscript, ast.Attribute)) and isinstance(
            target.value, ast.Name
        ):
            return target.value.id, short(target) + " = ..."
    return None


def _state_issue(fn: TaskFunction, node: ast.AST, name: str, what: str) -> Issue:
    return issue(
        "DF010",
        node,
        f"{fn.label} mutates module-level `{name}` (`{what}`): each task runs as its own Domino "
        "Job in a fresh process, so other tasks never see the change and it is lost when the "
        "job ends. Pass the value in as a task input and return the new value as an output.",
    )


# -- DF011 -------------------------------------------------------------------------------------

_ENV_CALLS = frozenset({"os.getenv", "os.environ.get", "os.environ.__getitem__"})


def _env_read(ctx: ModuleContext, node: ast.AST, tainted: dict[str, str]) -> str | None:
    """A description of the environment variable ``node`` reads, or None if it reads none."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id in tainted:
            return tainted[sub.id]
        if isinstance(sub, ast.Subscript) and ctx.qualname(sub.value) == "os.environ":
            return _var(sub.slice)
        if isinstance(sub, ast.Call) and ctx.qualname(sub.func) in _ENV_CALLS:
            return _var(sub.args[0] if sub.args else None)
        if isinstance(sub, ast.Compare) and any(
            ctx.qualname(c) == "os.environ" for c in sub.comparators
        ):
            return _var(sub.left)
    return None


def _mentions_environment(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr in ("environ", "getenv")
    return isinstance(node, ast.Name) and node.id in ("environ", "getenv")


def _var(node: ast.AST | None) -> str:
    name = const_str(node)
    return f"environment variable `{name}`" if name else "an environment variable"


def check_env_branching(ctx: ModuleContext) -> Iterator[Issue]:
    """DF011: ``if``/``while``/ternary/``match`` on environment variables inside a task."""
    for fn in ctx.task_functions():
        if not any(_mentions_environment(node) for node in ctx.scope(fn.node)):
            continue  # the common case: no os.environ / getenv in the task at all
        tainted: dict[str, str] = {}
        assigns = sorted(
            (n for n in ctx.scope(fn.node) if isinstance(n, (ast.Assign, ast.AnnAssign))),
            key=lambda n: n.lineno,
        )
        for node in assigns:
            source = _env_read(ctx, node.value, tainted) if node.value is not None else None
            if source is None:
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    tainted[target.id] = source
        for scoped in ctx.scope(fn.node):
            if isinstance(scoped, (ast.If, ast.While, ast.IfExp)):
                test: ast.expr = scoped.test
            elif isinstance(scoped, ast.Match):
                test = scoped.subject
            else:
                continue
            source = _env_read(ctx, test, tainted)
            if source is None:
                continue
            yield issue(
                "DF011",
                test,
                f"{fn.label} branches on {source} (`{short(test)}`): it comes from the job's "
                "environment, not from the task's inputs, so caching and lineage cannot see it "
                "and runs differ between your machine and Domino. Make it a task input (with a "
                "default in the workflow or launch plan).",
            )
