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


def scope_walk(node: ast.AST) -> Iterator[ast.AST]:
    """Like ``ast.walk`` over a function body, without entering nested functions or classes."""
    stack = list(ast.iter_child_nodes(node))
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(ast.iter_child_nodes(current))


def returns_value(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """True if the function has a ``return <expr>`` other than ``return None``."""
    for node in scope_walk(fn):
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
