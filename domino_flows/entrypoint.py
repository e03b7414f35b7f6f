"""What a ``@domino_task`` job runs.

``python -m domino_flows.entrypoint <file.py|module>:<function>``

It imports the function, reads the job's inputs as the function's annotated types, calls it and
writes its outputs, all through ``contract/values.py``. A failure in the function is reported
through ``_ERROR`` (its type, message and the line it was raised at) so the run summary shows it,
and the full traceback goes to the job's log.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import traceback
from pathlib import Path
from typing import Any

from domino_flows.contract import formats
from domino_flows.contract import values as contract
from domino_flows.core.errors import ContractError

USAGE = "usage: python -m domino_flows.entrypoint <file.py|module>:<function>"


def load_target(target: str) -> Any:
    """The decorated task named by ``target`` (``path/to/file.py:name`` or ``pkg.mod:name``)."""
    location, _, attribute = target.rpartition(":")
    if not location or not attribute:
        raise ContractError(f"entrypoint target {target!r} must look like file.py:function")
    if location.endswith(".py"):
        module = _import_file(Path(location))
    else:
        module = importlib.import_module(location)
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ContractError(f"{location} has no function {attribute!r}") from None


def _import_file(path: Path) -> Any:
    if not path.is_file():
        raise ContractError(
            f"{path} not found from {os.getcwd()}; the job runs from the project root, so the "
            "code must be committed there (and pushed, on Domino)."
        )
    # Inside a package (an __init__.py beside it), import it by its dotted name so relative
    # imports work; otherwise load it as a script would run, with its folder on sys.path.
    parts = list(path.with_suffix("").parts)
    package_depth = 0
    folder = path.parent
    while (folder / "__init__.py").is_file():
        package_depth += 1
        folder = folder.parent
    if package_depth:
        sys.path.insert(0, str(folder.resolve()))
        return importlib.import_module(".".join(parts[-(package_depth + 1) :]))
    sys.path.insert(0, str(path.parent.resolve()))
    name = ".".join(parts)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def outputs_by_name(result: Any, names: list[str], task: str = "") -> dict[str, Any]:
    """The function's result by output name, as flytekit reads it: one output is the value
    itself; several are the returned tuple's items in declared order (a NamedTuple's fields
    are in that order too). A result of the wrong shape is refused rather than guessed at."""
    if not names:
        return {}
    if len(names) == 1:
        return {names[0]: result}
    where = f"task {task!r}" if task else "the task"
    declared = ", ".join(names)
    if not isinstance(result, (tuple, list)):
        raise ContractError(
            f"{where} declares {len(names)} outputs ({declared}) but its function returned "
            f"one value of type {type(result).__name__}; "
            f"return a tuple of {len(names)} values in that order"
        )
    if len(result) != len(names):
        raise ContractError(
            f"{where} declares {len(names)} outputs ({declared}) but its function returned "
            f"{len(result)} values; return exactly one value per output, in that order"
        )
    return dict(zip(names, result, strict=True))


def run(target: str) -> int:
    outputs_dir = formats.outputs_dir()
    try:
        task = load_target(target)
        function = getattr(task, "python_function", task)
        interface = task.python_interface
        values = contract.read_inputs(formats.inputs_dir(), dict(interface.inputs), task.name)
    except ContractError as error:
        return _fail(outputs_dir, str(error))
    try:
        result = function(**values)
    except Exception as error:
        traceback.print_exc()
        return _fail(outputs_dir, _describe(error))
    try:
        names = list(interface.outputs)
        contract.write_outputs(
            outputs_dir,
            outputs_by_name(result, names, task.name),
            dict(interface.outputs),
            task.name,
        )
    except ContractError as error:
        return _fail(outputs_dir, str(error))
    return 0


def _describe(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    where = f" (at {frames[-1].filename}:{frames[-1].lineno})" if frames else ""
    return f"{type(error).__name__}: {error}{where}"


def _fail(outputs_dir: Path, message: str) -> int:
    outputs_dir.mkdir(parents=True, exist_ok=True)
    (outputs_dir / formats.ERROR_FILE).write_text(message, encoding="utf-8")
    print(f"task failed: {message}", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(
            "usage: python -m domino_flows.entrypoint <file.py|module>:<function>", file=sys.stderr
        )
        return 2
    sys.path.insert(0, os.getcwd())
    return run(args[0])


if __name__ == "__main__":
    raise SystemExit(main())
