"""Rules about @workflow bodies (DF002, DF003).

A workflow body is not run when the flow runs: flytekit calls it once, at compile time, with
*promises* (placeholders for values that will only exist when the jobs have run) and records the
graph of task calls. Python control flow on a promise is decided at that moment, once, on a
placeholder; a random number or a timestamp is taken at that moment and then frozen into the
registered workflow.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from domino_flows.lint.context import Issue, ModuleContext, TaskFunction, issue
from domino_flows.lint.syntax import short, walk

_FIX_FLOW = (
    'use `conditional("name").if_(...).then(...).else_().then(...)` from flytekit, '
    "or move the logic into a task"
)
_CONDITION_METHODS = frozenset({"if_", "elif_"})
_LITERALS = (ast.List, ast.Tuple, ast.Set)


def check_promise_control_flow(ctx: ModuleContext) -> Iterator[Issue]:
    """DF002: ``if``/``while``/``for``/``and``/``or``/``not``/comparisons/``bool()`` on promises."""
    for wf in ctx.workflows():
        yield from _PromiseFlow(ctx, wf).run()


class _PromiseFlow:
    """Walks one workflow body in statement order, tracking which local names hold promises."""

    def __init__(self, ctx: ModuleContext, wf: TaskFunction) -> None:
        self.ctx = ctx
        self.wf = wf
        args = wf.node.args
        params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        self.promises: set[str] = {a.arg for a in params}
        self.issues: list[Issue] = []

    def run(self) -> list[Issue]:
        self.block(self.wf.node.body)
        return self.issues

    # -- statements ------------------------------------------------------------------------

    def block(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.statement(stmt)

    def statement(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, (ast.If, ast.While)):
            keyword = "if" if isinstance(stmt, ast.If) else "while"
            self.test(stmt.test, keyword)
            self.block(stmt.body)
            self.block(stmt.orelse)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            if isinstance(stmt.iter, _LITERALS):  # `for p in [a, b]` unrolls at compile time
                self.expression(stmt.iter, in_condition=False)
            else:
                self.test(stmt.iter, "for")
            self.block(stmt.body)
            self.block(stmt.orelse)
        elif isinstance(stmt, ast.Assert):
            self.test(stmt.test, "assert")
        elif isinstance(stmt, ast.Match):
            self.test(stmt.subject, "match")
            for case in stmt.cases:
                self.block(case.body)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            self.block(stmt.body)
        elif isinstance(stmt, ast.Try):
            for block in (stmt.body, *(h.body for h in stmt.handlers), stmt.orelse):
                self.block(block)
            self.block(stmt.finalbody)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return
        else:
            for child in ast.iter_child_nodes(stmt):
                if isinstance(child, ast.expr):
                    self.expression(child, in_condition=False)
            self.bind(stmt)

    def bind(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        else:
            return
        promise = self.is_promise(value)
        for name in _bound_names(targets):
            if promise:
                self.promises.add(name)
            else:
                self.promises.discard(name)

    # -- expressions -----------------------------------------------------------------------

    def is_promise(self, node: ast.AST) -> bool:
        """Whether ``node`` evaluates to a promise (or a node output) at compile time."""
        if isinstance(node, ast.Name):
            return node.id in self.promises
        if isinstance(node, (ast.Attribute, ast.Subscript)):
            return self.is_promise(node.value)
        if isinstance(node, ast.NamedExpr):
            return self.is_promise(node.value)
        if isinstance(node, ast.Call):
            func = node.func
            if self.ctx.callee_entity(func) is not None:
                return True
            if self.ctx.call_symbol(node) in (
                ("domino", "run_domino_job_task"),
                ("flytekit", "conditional"),
            ):
                return True
            if isinstance(func, ast.Attribute):  # t(x=1).with_overrides(...), conditional chains
                return self.is_promise(func.value)
            if isinstance(func, ast.Call):  # map_task(t)(x=...)
                return self.is_promise(func)
        return False

    def involved(self, node: ast.AST) -> list[str]:
        """Promise names (or calls) a test reads, for the message; empty if it reads none.

        ``isinstance(p, T)``, ``hasattr(p, "x")`` and the like look at the promise object's
        type, which is known at compile time, so they do not count.
        """
        found: list[str] = []
        stack: list[ast.AST] = [node]
        while stack:
            sub = stack.pop()
            if isinstance(sub, ast.Name) and sub.id in self.promises:
                label = sub.id
            elif isinstance(sub, ast.Call) and self.is_promise(sub):
                label = short(sub.func) + "(...)"
            else:
                if not _inspects_type(sub):
                    stack.extend(ast.iter_child_nodes(sub))
                continue
            if label not in found:
                found.append(label)
        return found

    def test(self, node: ast.expr, keyword: str) -> None:
        names = self.involved(node)
        if not names:
            self.expression(node, in_condition=False)
            return
        self.report(node, "`for` over" if keyword == "for" else f"`{keyword}` on", names)

    def report(self, node: ast.AST, what: str, names: list[str], extra: str = "") -> None:
        listed = ", ".join(f"`{n}`" for n in names[:3])
        verb = (
            "is a promise (a placeholder for a value that exists only when the flow runs)"
            if len(names) == 1
            else "are promises (placeholders for values that exist only when the flow runs)"
        )
        self.issues.append(
            issue(
                "DF002",
                node,
                f"{what} {listed} in {self.wf.label}: {listed} {verb}, so Python decides this "
                f"once, when the workflow is compiled, not on each run. {extra}To fix, "
                f"{_FIX_FLOW}.",
            )
        )

    def expression(self, node: ast.expr, in_condition: bool) -> None:
        """Report and/or/not, comparisons, ternaries, ``bool()`` and comprehensions on promises.

        Inside ``conditional(...).if_(...)`` comparisons are what flytekit expects; only
        ``and``/``or``/``not`` (use ``&``, ``|``) and ``is``/``in`` are still wrong there.
        """
        if isinstance(node, ast.BoolOp):
            names = self.involved(node)
            if names:
                op = "`and`" if isinstance(node.op, ast.And) else "`or`"
                extra = "In conditional(...) combine with `&` and `|`. " if in_condition else ""
                self.report(node, f"{op} on", names, extra)
                return
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            names = self.involved(node)
            if names:
                self.report(node, "`not` on", names)
                return
        elif isinstance(node, ast.Compare):
            identity = any(isinstance(o, (ast.Is, ast.IsNot, ast.In, ast.NotIn)) for o in node.ops)
            names = self.involved(node)
            if names and (identity or not in_condition):
                self.report(node, f"comparison `{short(node)}` on", names)
                return
        elif isinstance(node, ast.IfExp):
            names = self.involved(node.test)
            if names:
                self.report(node, "conditional expression on", names)
                return
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id == "bool" and node.args:
                names = self.involved(node.args[0])
                if names:
                    self.report(node, "`bool()` on", names)
                    return
            if isinstance(node.func, ast.Attribute) and node.func.attr in _CONDITION_METHODS:
                self.expression(node.func, in_condition)
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    self.expression(arg, in_condition=True)
                return
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            for generator in node.generators:
                if isinstance(generator.iter, _LITERALS):
                    continue
                names = self.involved(generator.iter)
                if names:
                    self.report(generator.iter, "`for` over", names)
                    return
        elif isinstance(node, ast.Lambda):
            return
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.expression(child, in_condition)


def _bound_names(targets: list[ast.expr]) -> Iterator[str]:
    for target in targets:
        if isinstance(target, ast.Name):
            yield target.id
        elif isinstance(target, (ast.Tuple, ast.List)):
            yield from _bound_names(target.elts)
        elif isinstance(target, ast.Starred):
            yield from _bound_names([target.value])


_TYPE_INSPECTION = frozenset({"isinstance", "issubclass", "hasattr", "callable", "type", "id"})


def _inspects_type(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _TYPE_INSPECTION
    )


_NONDETERMINISTIC_PREFIXES = ("random.", "secrets.", "numpy.random.")
_NONDETERMINISTIC = frozenset(
    {
        "time.time",
        "time.time_ns",
        "time.monotonic",
        "time.monotonic_ns",
        "time.perf_counter",
        "time.perf_counter_ns",
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "datetime.datetime.today",
        "datetime.date.today",
        "uuid.uuid1",
        "uuid.uuid4",
        "os.urandom",
        "os.getrandom",
        "pandas.Timestamp.now",
        "pandas.Timestamp.utcnow",
        "pandas.Timestamp.today",
    }
)


def check_nondeterminism(ctx: ModuleContext) -> Iterator[Issue]:
    """DF003: random numbers, clocks and uuids taken in a workflow body or its defaults."""
    for wf in ctx.workflows():
        args = wf.node.args
        defaults = [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
        # Defaults are evaluated once too, when the module is imported for registration.
        nodes = [*ctx.scope(wf.node), *defaults, *(n for d in defaults for n in walk(d))]
        for node in nodes:
            if isinstance(node, ast.Call):
                qual = ctx.qualname(node.func)
                if qual is None or not (
                    qual in _NONDETERMINISTIC or qual.startswith(_NONDETERMINISTIC_PREFIXES)
                ):
                    continue
                yield issue(
                    "DF003",
                    node,
                    f"`{short(node.func)}()` in {wf.label} is evaluated once, when the workflow "
                    "is compiled for registration, not on each run: every execution reuses that "
                    "one value (and cached tasks never see a new one). Pass it in as a workflow "
                    "input, or compute it inside a task.",
                )
