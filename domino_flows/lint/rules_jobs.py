"""Rules about how Domino Jobs are configured and what they return (DF007, DF008, DF015).

Each task runs as a separate Domino Job. Its settings decide what it runs on, its command decides
what Python can import, and its outputs travel through Domino, which stores primitive values
(``str``, ``bytes``, numbers) in flow metadata capped at 1024 bytes each.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import lru_cache

from domino_flows.lint.context import Issue, ModuleContext, TaskFunction, issue, namedtuple_fields
from domino_flows.lint.syntax import const_str, is_true, keyword_value, name_tokens

_UNPINNED = {
    "use_latest": (
        "resolves the project's latest environment revision and settings at every run, so a "
        "change to the project silently changes what runs. Pin the environment and hardware "
        "tier in DominoJobConfig and set use_latest=False"
    ),
    "use_project_defaults_for_omitted": (
        "fills every setting you did not give from the project's current defaults at every "
        "run, so changing those defaults silently changes what runs. Give environment_name, "
        "hardware_tier_name (and any dataset snapshots) explicitly and drop the flag"
    ),
}
# the same settings as DominoJobConfig fields
_UNPINNED["UseLatest"] = _UNPINNED["use_latest"]
_UNPINNED["UseProjectDefaultsForOmitted"] = _UNPINNED["use_project_defaults_for_omitted"]


def check_unpinned(ctx: ModuleContext) -> Iterator[Issue]:
    """DF007 in production flows, DF015 (opt-in warning) elsewhere."""
    rule = "DF007" if ctx.production else "DF015"
    where = "a production flow" if ctx.production else "this flow"
    for node in ctx.calls:
        symbol = ctx.call_symbol(node)
        if symbol is None or symbol[0] != "domino":
            continue
        for kw in node.keywords:
            if kw.arg in _UNPINNED and is_true(kw.value):
                task = const_str(keyword_value(node, "name")) or const_str(
                    keyword_value(node, "flyte_task_name")
                )
                label = f"task `{task}`" if task else f"`{symbol[1]}`"
                yield issue(
                    rule,
                    kw,
                    f"`{kw.arg}=True` on {label} in {where}: it {_UNPINNED[kw.arg]}.",
                )


# -- DF008 -------------------------------------------------------------------------------------

_DATA_WORDS = frozenset(
    [
        "data",
        "df",
        "dataframe",
        "frame",
        "csv",
        "tsv",
        "json",
        "jsonl",
        "contents",
        "content",
        "table",
        "records",
        "rows",
        "dataset",
        "payload",
        "blob",
        "parquet",
        "html",
        "xml",
    ]
)
_REFERENCE_WORDS = frozenset(
    [
        "name",
        "names",
        "path",
        "paths",
        "uri",
        "url",
        "id",
        "key",
        "type",
        "format",
        "version",
        "hash",
        "sha",
        "column",
        "columns",
        "col",
        "dir",
        "file",
        "filename",
        "location",
        "prefix",
        "suffix",
        "schema",
        "size",
        "count",
        "len",
        "length",
        "shape",
    ]
)
_DATA_METHODS = frozenset(
    [
        "to_csv",
        "to_json",
        "to_string",
        "to_html",
        "to_markdown",
        "to_parquet",
        "to_xml",
        "read",
        "read_text",
        "read_bytes",
        "getvalue",
        "tobytes",
    ]
)
_DATA_FUNCTIONS = frozenset(
    {"json.dumps", "pickle.dumps", "yaml.dump", "yaml.safe_dump", "base64.b64encode"}
)
_TEXT_TYPES = frozenset({"str", "bytes", "Text"})


@lru_cache(maxsize=4096)
def is_data_name(name: str) -> bool:
    """``data``, ``raw_df``, ``csvContents``: yes. ``table_name``, ``data_path``: no."""
    tokens = name_tokens(name)
    return bool(tokens) and tokens[-1] not in _REFERENCE_WORDS and bool(_DATA_WORDS & set(tokens))


def is_text_type(node: ast.AST | None) -> bool:
    """``str``, ``bytes``, ``typing.Text``, ``Optional[str]``, ``str | None``, ``"str"``."""
    if isinstance(node, ast.Name):
        return node.id in _TEXT_TYPES
    if isinstance(node, ast.Attribute):
        return node.attr in _TEXT_TYPES
    if isinstance(node, ast.Constant):
        return node.value in _TEXT_TYPES
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return is_text_type(node.left) or is_text_type(node.right)
    if isinstance(node, ast.Subscript) and _subscript_name(node) in ("Optional", "Union"):
        return any(is_text_type(e) for e in _elements(node.slice))
    return False


def _subscript_name(node: ast.Subscript) -> str | None:
    value = node.value
    if isinstance(value, ast.Name):
        return value.id
    return value.attr if isinstance(value, ast.Attribute) else None


def _elements(node: ast.expr) -> list[ast.expr]:
    return list(node.elts) if isinstance(node, ast.Tuple) else [node]


def _produces_data(ctx: ModuleContext, node: ast.AST | None, local: dict[str, ast.expr]) -> bool:
    if isinstance(node, ast.Name):
        return is_data_name(node.id) or (
            node.id in local and _produces_data(ctx, local.pop(node.id), local)
        )
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in ("decode", "encode"):
        return _produces_data(ctx, func.value, local)
    if isinstance(func, ast.Attribute) and func.attr in _DATA_METHODS:
        return True
    return ctx.qualname(func) in _DATA_FUNCTIONS


_PRIMITIVE_CAP = (
    "Domino keeps primitive outputs in flow metadata and caps each at 1024 bytes, so larger "
    "data fails the run. Return a `FlyteFile` (or `FlyteDirectory`) and write the data to it"
)


def check_primitive_outputs(ctx: ModuleContext) -> Iterator[Issue]:
    """DF008: data-like values declared as ``str``/``bytes`` outputs."""
    for fn in ctx.task_functions():
        yield from _function_outputs(ctx, fn)
    for node in ctx.calls:
        symbol = ctx.call_symbol(node)
        if symbol == ("domino", "DominoJobTask"):
            outputs = keyword_value(node, "outputs")
            if isinstance(outputs, ast.Dict):
                for key, value in zip(outputs.keys, outputs.values, strict=True):
                    name = const_str(key)
                    if key is not None and name and is_data_name(name) and is_text_type(value):
                        yield issue(
                            "DF008",
                            key,
                            f"output `{name}` of DominoJobTask is declared `{ast.unparse(value)}` "
                            f"but its name says it carries data. {_PRIMITIVE_CAP}.",
                        )
        elif symbol == ("domino", "Output"):
            name = const_str(keyword_value(node, "name"))
            kind = keyword_value(node, "type")
            if name and kind is not None and is_data_name(name) and is_text_type(kind):
                yield issue(
                    "DF008",
                    node,
                    f"Output `{name}` is declared `{ast.unparse(kind)}` but its name says it "
                    f"carries data. {_PRIMITIVE_CAP}.",
                )


def _function_outputs(ctx: ModuleContext, fn: TaskFunction) -> Iterator[Issue]:
    returns = fn.node.returns
    if returns is None:
        return
    fields = namedtuple_fields(ctx, returns)
    if fields is not None:
        for name, kind, _where in fields:
            if is_text_type(kind) and is_data_name(name):
                yield issue(
                    "DF008",
                    returns,
                    f"output `{name}` of {fn.label} is declared `{ast.unparse(kind)}` but its "
                    f"name says it carries data. {_PRIMITIVE_CAP}.",
                )
        return
    is_tuple = isinstance(returns, ast.Subscript) and _subscript_name(returns) in ("Tuple", "tuple")
    if not is_tuple and not is_text_type(returns):
        return
    local = {
        target.id: node.value
        for node in ctx.scope(fn.node)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    values = [n.value for n in ctx.scope(fn.node) if isinstance(n, ast.Return) and n.value]
    if is_text_type(returns):
        if any(_produces_data(ctx, value, dict(local)) for value in values):
            yield issue(
                "DF008",
                returns,
                f"{fn.label} returns serialized data as `{ast.unparse(returns)}`. "
                f"{_PRIMITIVE_CAP}.",
            )
        return
    if isinstance(returns, ast.Subscript) and _subscript_name(returns) in ("Tuple", "tuple"):
        kinds = _elements(returns.slice)
        for value in values:
            if not isinstance(value, ast.Tuple) or len(value.elts) != len(kinds):
                continue
            for index, (kind, element) in enumerate(zip(kinds, value.elts, strict=True)):
                if is_text_type(kind) and _produces_data(ctx, element, dict(local)):
                    yield issue(
                        "DF008",
                        returns,
                        f"output o{index} of {fn.label} returns serialized data as "
                        f"`{ast.unparse(kind)}`. {_PRIMITIVE_CAP}.",
                    )
                    return
