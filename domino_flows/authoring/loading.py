"""Load a workflow (or launch plan, or task) from a flow file, as ``pyflyte run FILE NAME`` does."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

from domino_flows.core.errors import DominoFlowsError


class FlowLoadError(DominoFlowsError):
    """The flow file or the entity named in it cannot be loaded."""


def module_name_for(path: Path) -> str:
    from domino_flows.core.paths import project_root

    root = project_root(path.parent)
    if root is not None and path.is_relative_to(root):
        return ".".join(path.relative_to(root).with_suffix("").parts)
    return path.stem


def load_module(file: str | Path) -> Any:
    path = Path(file).resolve()
    if not path.is_file():
        raise FlowLoadError(f"flow file {file} not found; give the path of a .py file.")
    name = module_name_for(path)
    _forget_launch_plans(name)
    # Like running the file as a script: its folder is importable, so are its siblings; and, as
    # in the job (which runs from the project root), so is the project's own package.
    from domino_flows.core.paths import project_root

    for folder in (project_root(path.parent), path.parent):
        if folder is not None and str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise FlowLoadError(f"{file} cannot be imported as a Python module.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except DominoFlowsError:
        del sys.modules[name]
        raise
    except SyntaxError as error:
        del sys.modules[name]
        where = _shown(error.filename, file, path)
        at = f":{error.lineno}" if error.lineno else ""
        raise FlowLoadError(f"{where}{at}: syntax error: {error.msg}") from None
    except Exception as error:
        del sys.modules[name]
        line = _line_in(error, path)
        where = f"{file}:{line}" if line else str(file)
        raise FlowLoadError(
            f"{where}: loading the flow failed: {type(error).__name__}: {error}"
        ) from None
    return module


def _shown(filename: str | None, file: str | Path, path: Path) -> str:
    """How to name the file a syntax error is in: the flow file as the user gave it, or the
    module the flow imports (relative to the working folder when it is under it)."""
    if not filename or Path(filename).resolve() == path:
        return str(file)
    return shown_path(filename)


def shown_path(filename: str) -> str:
    """``filename`` relative to the working folder when it is under it, else as it is."""
    resolved = Path(filename).resolve()
    try:
        return str(resolved.relative_to(Path.cwd()))
    except ValueError:
        return filename


def _line_in(error: BaseException, path: Path) -> int | None:
    """The last line of ``path`` in the error's traceback: where the user's code failed."""
    import traceback

    lines = [f.lineno for f in traceback.extract_tb(error.__traceback__) if f.filename == str(path)]
    return lines[-1] if lines else None


def compile_workflow(workflow: Any) -> None:
    """Compile the workflow (flytekit runs its body once, with promises for its inputs). A body
    that fails doing so, say adding a number to an input, becomes one line naming the line."""
    from flytekit.exceptions.base import FlyteException

    from domino_flows.authoring.compile_bindings import inline_promise_bindings
    from domino_flows.authoring.outputs import OutputAccessError

    try:
        with inline_promise_bindings():
            workflow.compile()
    except OutputAccessError as error:
        workflow.compiled = False
        raise OutputAccessError(f"{_user_frame(error)}{error}") from None
    except (FlyteException, DominoFlowsError):
        raise
    except Exception as error:
        # flytekit marks the workflow compiled before it runs the body: compile again next time
        workflow.compiled = False
        where = _user_frame(error)
        hint = (
            " A workflow body only wires tasks together: its inputs and task results are "
            "promises, not values; do arithmetic, formatting or comparisons inside a task."
            if "Promise" in str(error)
            else ""
        )
        raise FlowLoadError(
            f"{where}workflow {workflow.name!r} fails while flytekit compiles it: "
            f"{type(error).__name__}: {error}.{hint}"
        ) from None


def _user_frame(error: BaseException) -> str:
    """``file:line: `` of the last frame of the error's traceback outside flytekit and
    domino-flows: the line of the user's code that failed; empty if there is none."""
    import traceback

    import flytekit

    here = Path(__file__).resolve().parents[1]
    kits = [str(Path(flytekit.__file__ or "").resolve().parent), str(here)]
    frames = [
        f
        for f in traceback.extract_tb(error.__traceback__)
        if not any(str(Path(f.filename).resolve()).startswith(kit) for kit in kits)
    ]
    return f"{shown_path(frames[-1].filename)}:{frames[-1].lineno}: " if frames else ""


def _forget_launch_plans(module_name: str) -> None:
    """flytekit caches named launch plans by name for the life of the process; loading a flow
    file again (a resumed run, a test) would otherwise collide with its own earlier definition."""
    from flytekit.core.launch_plan import LaunchPlan

    for plan_name, plan in list(LaunchPlan.CACHE.items()):
        workflow_name = getattr(getattr(plan, "workflow", None), "name", "")
        if workflow_name.startswith(module_name + "."):
            del LaunchPlan.CACHE[plan_name]


def load_entity(file: str | Path, name: str) -> Any:
    """The workflow, launch plan or task called ``name`` in ``file``."""
    from flytekit.core.base_task import PythonTask
    from flytekit.core.launch_plan import LaunchPlan
    from flytekit.core.workflow import WorkflowBase

    module = load_module(file)
    kinds = (WorkflowBase, LaunchPlan, PythonTask)
    entity = getattr(module, name, None)
    if entity is None or not isinstance(entity, kinds):
        found = sorted(n for n, v in vars(module).items() if isinstance(v, kinds))
        raise FlowLoadError(
            f"{file} has no workflow, launch plan or task named {name!r}; "
            f"it defines: {', '.join(found) or 'none'}."
        )
    return entity
