"""What the rules need to know about one module, computed once per file.

The linter never imports user code, so every question ("is this name a task?", "is this call
``datetime.now``?") is answered from the syntax tree and the module's own import statements:
``from flytekit import task as flyte_task`` makes ``flyte_task`` resolve to ``flytekit.task``,
``import domino_flows as df`` makes ``df.domino_task`` resolve to ``domino_flows.domino_task``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from domino_flows.lint.syntax import (
    blocks,
    const_str,
    dict_keys,
    keyword_value,
    param_names,
    scope_walk,
    target_names,
    walk,
)

T = TypeVar("T", bound=ast.AST)

# Names domino_flows exports; used to resolve names brought in by ``from domino_flows import *``.
DOMINO_EXPORTS = frozenset(
    {
        "DominoJobConfig",
        "DominoJobTask",
        "domino_task",
        "run_domino_job_task",
        "Input",
        "Output",
        "Artifact",
        "MODEL",
        "REPORT",
        "DATA",
        "GitRef",
        "EnvironmentRevisionSpecification",
        "EnvironmentRevisionType",
        "DatasetSnapshot",
        "ClusterProperties",
    }
)

# Third-party packages whose functions are never tasks; anything else that is not the standard
# library, flytekit or domino_flows is taken to be the user's own code (tasks, workflows, helpers).
THIRD_PARTY = frozenset(
    [
        "attr",
        "attrs",
        "boto3",
        "click",
        "dask",
        "dataclasses_json",
        "datasets",
        "domino",
        "dominodatalab",
        "flytekitplugins",
        "great_expectations",
        "joblib",
        "keras",
        "lightgbm",
        "marshmallow",
        "mashumaro",
        "matplotlib",
        "mlflow",
        "numpy",
        "openlineage",
        "pandas",
        "pandera",
        "plotly",
        "polars",
        "pyarrow",
        "pydantic",
        "ray",
        "requests",
        "rich",
        "rich_click",
        "scipy",
        "seaborn",
        "sklearn",
        "statsmodels",
        "tensorflow",
        "torch",
        "tqdm",
        "transformers",
        "typing_extensions",
        "xgboost",
        "yaml",
    ]
)

# Decorator or call -> kind of task-like entity it makes.
_DECORATOR_KINDS: dict[tuple[str, str], str] = {
    ("flytekit", "task"): "flyte_task",
    ("flytekit", "workflow"): "workflow",
    ("domino", "workflow"): "workflow",
    ("flytekit", "dynamic"): "dynamic",
    ("flytekit", "eager"): "eager",
    ("domino", "domino_task"): "domino_task",
}
TASK_KINDS = frozenset({"flyte_task", "domino_task"})
_LAUNCH_PLAN_FACTORIES = frozenset({"create", "get_or_create", "get_default_launch_plan"})


@dataclass(frozen=True)
class Issue:
    """A rule's raw report; the engine turns it into a :class:`Finding` (severity, noqa, path)."""

    rule: str
    line: int
    column: int
    message: str


def issue(rule: str, node: ast.AST, message: str) -> Issue:
    return Issue(rule, getattr(node, "lineno", 1), getattr(node, "col_offset", 0), message)


def api_symbol(qualname: str | None) -> tuple[str, str] | None:
    """``("flytekit", last)`` or ``("domino", last)`` for a name from either package, else None.

    Matching on the package and the last component accepts every public spelling
    (``flytekit.task``, ``flytekit.core.task.task``,
    ``domino_flows.authoring.decorators.domino_task``).
    """
    if not qualname:
        return None
    parts = qualname.split(".")
    if parts[0] == "domino_flows" or parts[:2] == ["flytekitplugins", "domino"]:
        return ("domino", parts[-1])
    if parts[0] == "flytekit":
        return ("flytekit", parts[-1])
    return None


@dataclass
class TaskFunction:
    """A function decorated as a task, workflow, dynamic or eager workflow."""

    node: ast.FunctionDef | ast.AsyncFunctionDef
    kind: str
    decorator: ast.expr

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def label(self) -> str:
        noun = "workflow" if self.kind in ("workflow", "dynamic", "eager") else "task"
        return f"{noun} `{self.node.name}`"


@dataclass
class Entity:
    """A module-level name that is called like a task: its kind and, when known, input names."""

    name: str
    kind: str
    inputs: tuple[str, ...] | None = None


@dataclass
class ModuleContext:
    """Facts about one parsed module, shared by all rules."""

    tree: ast.Module
    path: str
    production: bool = False
    imports: dict[str, str] = field(default_factory=dict)
    first_party: set[str] = field(default_factory=set)
    star_modules: list[str] = field(default_factory=list)
    functions: list[TaskFunction] = field(default_factory=list)
    entities: dict[str, Entity] = field(default_factory=dict)
    module_names: set[str] = field(default_factory=set)
    module_strings: dict[str, str] = field(default_factory=dict)
    namedtuples: dict[str, list[tuple[str, ast.expr, ast.AST]]] = field(default_factory=dict)
    uses_domino: bool = False
    nodes: list[ast.AST] = field(default_factory=list)
    by_type: dict[type, list[ast.AST]] = field(default_factory=dict)
    _scopes: dict[int, list[ast.AST]] = field(default_factory=dict)

    @classmethod
    def build(cls, tree: ast.Module, path: str, production: bool = False) -> ModuleContext:
        ctx = cls(tree=tree, path=path, production=production)
        ctx.nodes = walk(tree)
        for node in ctx.nodes:
            ctx.by_type.setdefault(type(node), []).append(node)
        ctx._collect_imports()
        ctx._collect_functions()
        ctx._collect_module_level(tree.body)
        return ctx

    # -- node access: the tree is walked once, rules pick the node types they need ----------

    def of_type(self, *kinds: type[T]) -> list[T]:
        """All nodes of these types, each type in tree order (parents before children)."""
        found: list[Any] = []
        for kind in kinds:
            found.extend(self.by_type.get(kind, ()))
        return found

    @property
    def calls(self) -> list[ast.Call]:
        return self.of_type(ast.Call)

    def scope(self, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
        """The function's own nodes (:func:`scope_walk`), computed once per function."""
        if id(fn) not in self._scopes:
            self._scopes[id(fn)] = scope_walk(fn)
        return self._scopes[id(fn)]

    # -- name resolution -------------------------------------------------------------------

    def qualname(self, node: ast.AST) -> str | None:
        """The dotted name ``node`` refers to through the imports, or None if it is not imported."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        base = self.imports.get(node.id) or self._star_resolve(node.id)
        if base is None:
            return None
        return ".".join([base, *reversed(parts)])

    def symbol(self, node: ast.AST) -> tuple[str, str] | None:
        """The flytekit/domino_flows API symbol ``node`` names, e.g. ``("flytekit", "task")``."""
        return api_symbol(self.qualname(node))

    def call_symbol(self, node: ast.AST) -> tuple[str, str] | None:
        return self.symbol(node.func) if isinstance(node, ast.Call) else None

    def _star_resolve(self, name: str) -> str | None:
        for module in self.star_modules:
            symbol = api_symbol(module)
            if symbol and symbol[0] == "domino" and name in DOMINO_EXPORTS:
                return f"{module}.{name}"
        for module in self.star_modules:
            if module.split(".")[0] == "flytekit":
                return f"{module}.{name}"
        return None

    @property
    def has_workflow(self) -> bool:
        return any(fn.kind == "workflow" for fn in self.functions)

    @property
    def is_flow_file(self) -> bool:
        """A file that defines a workflow or uses domino_flows: native tasks are wrong here."""
        return self.has_workflow or self.uses_domino

    def task_functions(self) -> Iterator[TaskFunction]:
        return (fn for fn in self.functions if fn.kind in TASK_KINDS)

    def workflows(self) -> Iterator[TaskFunction]:
        return (fn for fn in self.functions if fn.kind == "workflow")

    def callee_entity(self, func: ast.expr) -> Entity | None:
        """The task/workflow/launch plan a call's callee names, if this module knows it is one.

        Names imported from the user's own modules (``from .tasks import train``,
        ``from myflows import tasks`` then ``tasks.train``) count as tasks when written in
        lower case: inside a workflow body they almost always are.
        """
        if isinstance(func, ast.Name) and func.id in self.entities:
            return self.entities[func.id]
        root = func
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name) and root.id in self.first_party:
            last = func.attr if isinstance(func, ast.Attribute) else root.id
            if last[:1].islower() or last[:1] == "_":
                return Entity(last, "imported")
        if self.call_symbol(func) == ("flytekit", "map_task"):
            return Entity("map_task", "map_task")
        return None

    # -- collection ------------------------------------------------------------------------

    def _collect_imports(self) -> None:
        for node in self.of_type(ast.Import, ast.ImportFrom):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    local = alias.asname or alias.name.split(".")[0]
                    target = alias.name if alias.asname else local
                    self.imports[local] = target
                    self._note_origin(local, alias.name, relative=False)
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                prefix = "." * node.level + module
                for alias in node.names:
                    if alias.name == "*":
                        self.star_modules.append(prefix)
                        self._note_origin("*", prefix, relative=node.level > 0)
                        continue
                    local = alias.asname or alias.name
                    joined = f"{prefix}.{alias.name}" if module else f"{prefix}{alias.name}"
                    self.imports[local] = joined
                    self._note_origin(local, prefix or alias.name, relative=node.level > 0)

    def _note_origin(self, local: str, module: str, relative: bool) -> None:
        symbol = api_symbol(module)
        if symbol is not None and symbol[0] == "domino":
            self.uses_domino = True
        if local == "*":
            return
        top = module.split(".")[0]
        if relative or not (
            top in sys.stdlib_module_names
            or top in THIRD_PARTY
            or top in ("flytekit", "domino_flows", "__future__")
        ):
            self.first_party.add(local)

    def _collect_functions(self) -> None:
        functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = [
            *self.of_type(ast.FunctionDef),
            *self.of_type(ast.AsyncFunctionDef),
        ]
        for node in functions:
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                kind = _DECORATOR_KINDS.get(self.symbol(target) or ("", ""))
                if kind:
                    self.functions.append(TaskFunction(node, kind, decorator))
                    self.entities[node.name] = Entity(node.name, kind, param_names(node))
                    break

    def _collect_module_level(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.If, ast.Try, ast.With)):
                for block in blocks(stmt):
                    self._collect_module_level(block)
                continue
            if isinstance(stmt, ast.ClassDef):
                fields = _namedtuple_class_fields(self, stmt)
                if fields is not None:
                    self.namedtuples[stmt.name] = fields
                continue
            targets: list[ast.expr] = []
            value: ast.expr | None = None
            if isinstance(stmt, ast.Assign):
                targets, value = stmt.targets, stmt.value
            elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
                targets, value = [stmt.target], stmt.value
            for target in targets:
                for name in target_names(target):
                    self.module_names.add(name)
            if len(targets) == 1 and isinstance(targets[0], ast.Name) and value is not None:
                self._classify_assignment(targets[0].id, value)

    def _classify_assignment(self, name: str, value: ast.expr) -> None:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            self.module_strings[name] = value.value
            return
        if not isinstance(value, ast.Call):
            return
        symbol = self.symbol(value.func)
        if symbol == ("domino", "DominoJobTask"):
            self.entities[name] = Entity(
                name, "job_task", dict_keys(keyword_value(value, "inputs"))
            )
        elif symbol == ("flytekit", "map_task"):
            self.entities[name] = Entity(name, "map_task")
        elif _is_namedtuple_call(self, value):
            self.namedtuples[name] = _namedtuple_call_fields(value)
        elif (
            isinstance(value.func, ast.Attribute)
            and value.func.attr in _LAUNCH_PLAN_FACTORIES
            and self.symbol(value.func.value) == ("flytekit", "LaunchPlan")
        ):
            self.entities[name] = Entity(name, "launch_plan")


def _is_namedtuple_ref(ctx: ModuleContext, node: ast.expr) -> bool:
    qual = ctx.qualname(node)
    return qual in ("typing.NamedTuple", "typing_extensions.NamedTuple") or (
        qual is None and isinstance(node, ast.Name) and node.id == "NamedTuple"
    )


def _is_namedtuple_call(ctx: ModuleContext, call: ast.Call) -> bool:
    return _is_namedtuple_ref(ctx, call.func)


def _namedtuple_class_fields(
    ctx: ModuleContext, cls: ast.ClassDef
) -> list[tuple[str, ast.expr, ast.AST]] | None:
    if not any(_is_namedtuple_ref(ctx, base) for base in cls.bases):
        return None
    return [
        (stmt.target.id, stmt.annotation, stmt)
        for stmt in cls.body
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
    ]


def _namedtuple_call_fields(call: ast.Call) -> list[tuple[str, ast.expr, ast.AST]]:
    """Fields of ``NamedTuple("N", [("a", str)])`` or ``NamedTuple("N", a=str)``."""
    fields: list[tuple[str, ast.expr, ast.AST]] = []
    if len(call.args) > 1 and isinstance(call.args[1], (ast.List, ast.Tuple)):
        for element in call.args[1].elts:
            if isinstance(element, ast.Tuple) and len(element.elts) == 2:
                name = const_str(element.elts[0])
                if name is not None:
                    fields.append((name, element.elts[1], element))
    for kw in call.keywords:
        if kw.arg is not None:
            fields.append((kw.arg, kw.value, kw))
    return fields


def namedtuple_fields(
    ctx: ModuleContext, annotation: ast.expr
) -> list[tuple[str, ast.expr, ast.AST]] | None:
    """The fields of a NamedTuple return annotation (by name or written inline), else None."""
    if isinstance(annotation, ast.Name) and annotation.id in ctx.namedtuples:
        return ctx.namedtuples[annotation.id]
    if isinstance(annotation, ast.Call) and _is_namedtuple_call(ctx, annotation):
        return _namedtuple_call_fields(annotation)
    return None
