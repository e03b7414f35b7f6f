"""``@domino_task``: a typed Python function that runs as a Domino Job.

Domino Flows runs job definitions (a shell command), not native flytekit ``@task`` functions, so a
Python function has to be wrapped in a stage script that reads ``/workflow/inputs`` and writes
``/workflow/outputs``. The decorator writes that script for you: the job command is
``python -m domino_flows.entrypoint <file>:<function>``, which reads the inputs, converts them to
the annotated types, calls the function and writes its outputs. Called outside a workflow, the task
is still the plain function, so unit tests call it directly.
"""

from __future__ import annotations

import ast
import functools
import inspect
import os
import shlex
import sys
import textwrap
import typing
from pathlib import Path
from typing import Any

from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.interface import transform_function_to_interface

from domino_flows.authoring.config import task_arguments
from domino_flows.authoring.task import DominoJobTask
from domino_flows.core.errors import TaskDefinitionError
from domino_flows.core.paths import PROJECT_ROOT_VARIABLE, project_root

ENTRYPOINT = "python -m domino_flows.entrypoint"


class DominoFunctionTask(DominoJobTask):
    """A Domino job task whose command runs a Python function through the entrypoint."""

    def __init__(self, function: typing.Callable[..., Any], target: str, **kwargs: Any) -> None:
        self._function = function
        self._target = target
        super().__init__(**kwargs)
        functools.update_wrapper(self, function)

    @property
    def python_function(self) -> typing.Callable[..., Any]:
        return self._function

    @property
    def target(self) -> str:
        """``file.py:function`` or ``module:function``: what the entrypoint loads in the job."""
        return self._target

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        ctx = FlyteContextManager.current_context()
        in_workflow = ctx.compilation_state is not None or (
            ctx.execution_state is not None and ctx.execution_state.mode is not None
        )
        if not in_workflow:
            return self._function(*args, **kwargs)
        return super().__call__(*args, **kwargs)


def domino_task(
    _function: typing.Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    **settings: Any,
) -> Any:
    """Turn a typed function into a Domino job task.

    Task options as ``DominoJobTask`` takes them: ``cache``, ``cache_version``,
    ``cache_serialize``, ``cache_ignore_input_vars``, ``retries``, ``timeout`` (3 hours unless
    given). The job settings are keywords of the one vocabulary ``run_domino_job_task`` shares
    (``domino_flows.contract.job_settings``): ``environment`` and ``hardware_tier`` name a Domino
    environment and hardware tier, resolved when the task runs (``environment_id`` /
    ``hardware_tier_id`` pin ids instead); ``title``, ``commit_id``, ``git_ref``,
    ``environment_revision``, ``volume_size_gib``, ``compute_cluster``, ``dataset_snapshots``,
    ``external_data_volumes`` (``ExternalDataVolume(Name=...)``; ids:
    ``external_volume_mount_ids``), fixed ``netapp_volume_snapshots``, and ``use_latest`` /
    ``use_project_defaults_for_omitted`` (omitted fields from the project's job defaults,
    resolved when the task runs or is submitted). The official helper's
    spellings (``hardware_tier_name=``, ``environment_name=``, ``dfs_repo_commit_id=`` ...) are
    accepted too.
    """

    def wrap(function: typing.Callable[..., Any]) -> DominoFunctionTask:
        module_name, target = job_target(function)
        task_name = name or f"{module_name}.{function.__name__}"
        _require_annotations(task_name, function)
        _require_return_annotation(task_name, function)
        interface = transform_function_to_interface(function)
        config, options = task_arguments(
            task_name,
            "@domino_task",
            # quoted, so a project path with a space stays one argument in the job's shell
            f"{ENTRYPOINT} {shlex.quote(target)}",
            settings,
        )
        return DominoFunctionTask(
            function,
            target,
            name=task_name,
            domino_job_config=config,
            inputs=_with_defaults(function, interface.inputs),
            outputs=dict(interface.outputs),
            docs=None,
            **options,
        )

    if _function is not None:
        return wrap(_function)
    return wrap


def _require_annotations(task_name: str, function: typing.Callable[..., Any]) -> None:
    signature = inspect.signature(function)
    for parameter in signature.parameters.values():
        if parameter.annotation is inspect.Parameter.empty:
            raise TaskDefinitionError(
                f"task {task_name!r}: input {parameter.name!r} has no type annotation; the job "
                f"needs it to read the input, e.g. def {function.__name__}({parameter.name}: int)."
            )
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise TaskDefinitionError(
                f"task {task_name!r}: *{parameter.name} cannot be a task input; name each input."
            )


def _require_return_annotation(task_name: str, function: typing.Callable[..., Any]) -> None:
    """No return annotation means "no outputs" to flytekit; a function that nevertheless returns
    a value would lose it, and the workflow using it fails to compile with a long flytekit
    traceback. Say so where the task is defined."""
    if "return" in getattr(function, "__annotations__", {}):
        return
    try:
        source = textwrap.dedent(inspect.getsource(function))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError):  # no source (a notebook, a C function): trust it
        return
    definition = tree.body[0] if tree.body else None
    if not isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return
    returned = _value_return(definition)
    if returned is None:
        return
    line = function.__code__.co_firstlineno + returned.lineno - 1  # source starts there
    raise TaskDefinitionError(
        f"task {task_name!r} ({inspect.getsourcefile(function)}:{line}) returns a value but has "
        f"no return annotation, so it would have no outputs; declare what it returns, e.g. "
        f"def {function.__name__}(...) -> int, or a NamedTuple to name several outputs."
    )


def _value_return(definition: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.Return | None:
    """The first ``return <value>`` of the function itself (nested functions are their own)."""
    pending: list[ast.AST] = list(definition.body)
    while pending:
        node = pending.pop(0)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        value = node.value if isinstance(node, ast.Return) else None
        if value is not None and not (isinstance(value, ast.Constant) and value.value is None):
            return node  # type: ignore[return-value]
        pending.extend(ast.iter_child_nodes(node))
    return None


def _with_defaults(function: typing.Callable[..., Any], inputs: dict[str, Any]) -> dict[str, Any]:
    # Interface takes (type, default) pairs for inputs that have defaults.
    parameters = inspect.signature(function).parameters
    out: dict[str, Any] = {}
    for name, python_type in inputs.items():
        default = parameters[name].default
        out[name] = python_type if default is inspect.Parameter.empty else (python_type, default)
    return out


def job_target(function: typing.Callable[..., Any]) -> tuple[str, str]:
    """Where the job finds the function: (dotted module name, entrypoint target).

    A file inside the project is addressed by its path from the project root (the job runs from
    there), which works for scripts run as ``__main__`` and for test modules alike. Code outside the
    project (an installed package) is addressed by its module name.
    """
    if "<locals>" in function.__qualname__:
        raise TaskDefinitionError(
            f"@domino_task {function.__qualname__!r} is defined inside another function; define "
            "it at module level so the job can import it."
        )
    source = inspect.getsourcefile(function)
    module = function.__module__
    place = _place_in_project(source, os.environ.get(PROJECT_ROOT_VARIABLE)) if source else None
    if place is not None:
        dotted, relative = place
        return dotted, f"{relative}:{function.__name__}"
    if module == "__main__":
        raise TaskDefinitionError(
            f"@domino_task {function.__name__!r} is in a script outside any project (no "
            "pyproject.toml or .git above it); put the flow in a project so the job can find it."
        )
    return module, f"{module}:{function.__name__}"


@functools.lru_cache(maxsize=1024)
def _place_in_project(source: str, root_override: str | None) -> tuple[str, str] | None:
    """(dotted module name, path from the project root) of a source file in the user's project,
    else None. Remembered per file (and project-root setting): a flow file's tasks all ask, and
    every job asks again for each task while importing its flow file."""
    path = Path(source).resolve()
    if _is_installed(path):
        return None
    root = project_root(path.parent)
    if root is None or not path.is_relative_to(root):
        return None
    relative = path.relative_to(root)
    return ".".join(relative.with_suffix("").parts), relative.as_posix()


def _is_installed(path: Path) -> bool:
    """Code from the interpreter's library or an installed package, not the user's project."""
    if {"site-packages", "dist-packages"} & set(path.parts):
        return True
    return any(path.is_relative_to(prefix) for prefix in _interpreter_prefixes())


@functools.cache
def _interpreter_prefixes() -> frozenset[Path]:
    return frozenset(Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix))
