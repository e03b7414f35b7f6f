"""Small helpers over ``ast`` nodes that several rules share.

They answer purely syntactic questions (the value of a keyword argument, the names a target
binds, whether a function returns a value) and know nothing about flytekit or Domino.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator


def keyword_value(call: ast.Call, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def find_keyword(call: ast.Call, name: str) -> ast.keyword | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw
    return None


def const_str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def is_true(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def short(node: ast.AST, limit: int = 40) -> str:
    """Source text of ``node`` for a message, shortened; never used for secret values."""
    text = ast.unparse(node)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def name_tokens(name: str) -> list[str]:
    """``"rawDataCsv"`` -> ``["raw", "data", "csv"]``; ``"X-Domino-Api-Key"`` -> 4 tokens."""
    return [t for t in re.split(r"[^a-z0-9]+", _CAMEL.sub("_", name).lower()) if t]


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def walk(node: ast.AST, nested_scopes: bool = True) -> list[ast.AST]:
    """Every node below ``node`` (not ``node`` itself), parents before children.

    A plain loop over ``_fields`` that skips the ``ctx`` (Load/Store) markers: several times
    faster than ``ast.walk``, which matters because the rules look at every node of every file.
    With ``nested_scopes=False`` nested functions, classes and lambdas are listed but not
    entered, so a function's own statements are not mixed with those of its inner helpers.
    """
    queue: list[ast.AST] = [node]
    index = 0
    while index < len(queue):
        current = queue[index]
        index += 1
        if index > 1 and not nested_scopes and isinstance(current, _SCOPES):
            continue
        for name in current._fields:
            if name == "ctx":
                continue
            value = getattr(current, name, None)
            if isinstance(value, ast.AST):
                queue.append(value)
            elif isinstance(value, list):
                queue.extend(item for item in value if isinstance(item, ast.AST))
    return queue[1:]


def scope_walk(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
    """The nodes of a function's body, without entering nested functions or classes.

    Decorators, parameter defaults and annotations are left out: they run when the function is
    defined, in the enclosing scope, not when it is called.
    """
    nodes: list[ast.AST] = []
    for stmt in fn.body:
        nodes.append(stmt)
        if not isinstance(stmt, _SCOPES):
            nodes.extend(walk(stmt, nested_scopes=False))
    return nodes


def returns_value(
    fn: ast.FunctionDef | ast.AsyncFunctionDef, nodes: list[ast.AST] | None = None
) -> bool:
    """True if the function has a ``return <expr>`` other than ``return None``.

    ``nodes`` is the function's :func:`scope_walk`, when the caller already has it.
    """
    for node in nodes if nodes is not None else scope_walk(fn):
        if (
            isinstance(node, ast.Return)
            and node.value is not None
            and not (isinstance(node.value, ast.Constant) and node.value.value is None)
        ):
            return True
    return False


def param_names(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, ...]:
    args = fn.args
    return tuple(a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs])


def dict_keys(node: ast.expr | None) -> tuple[str, ...] | None:
    if not isinstance(node, ast.Dict):
        return None
    keys = [const_str(k) for k in node.keys]
    return tuple(k for k in keys if k is not None)


def target_names(target: ast.expr) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from target_names(element)


def blocks(stmt: ast.If | ast.Try | ast.With) -> list[list[ast.stmt]]:
    if isinstance(stmt, ast.If):
        return [stmt.body, stmt.orelse]
    if isinstance(stmt, ast.With):
        return [stmt.body]
    return [stmt.body, *(h.body for h in stmt.handlers), stmt.orelse, stmt.finalbody]
