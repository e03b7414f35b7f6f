"""One owner per concept: each claim below names the module that owns a name or a piece of
knowledge, and fails when another module spells it again."""

from __future__ import annotations

import ast
import collections
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import domino_flows
from domino_flows.core.errors import DominoFlowsError

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "domino_flows"
SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if "templates" not in p.parts)


def _name(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def _docstrings(tree: ast.AST) -> set[int]:
    nodes = [tree, *ast.walk(tree)]
    found = set()
    for node in nodes:
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.add(id(value))
    return found


def _strings(path: Path) -> list[str]:
    """The string constants of a module's code (docstrings left out: prose may name anything)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
    ]


def _spelt_outside(owners: set[str], matches) -> list[str]:
    return [
        f"{_name(path)}: {text!r}"
        for path in SOURCES
        if _name(path) not in owners
        for text in _strings(path)
        if matches(text)
    ]


def test_the_state_folder_is_named_in_paths_only() -> None:
    owners = {
        "domino_flows/core/paths.py",
        # runs inside Domino jobs on the job's interpreter, without the kit: it mirrors the name,
        # and test_the_bootstrap_stages_where_the_backend_uploads keeps the two equal.
        "domino_flows/backends/domino_bootstrap.py",
    }
    assert _spelt_outside(owners, lambda text: ".domino-flows" in text) == []


def test_the_bootstrap_stages_where_the_backend_uploads() -> None:
    from domino_flows.backends import domino_bootstrap, domino_jobs
    from domino_flows.core.paths import STATE_DIR

    assert domino_bootstrap.STAGING_ROOT == domino_jobs.STAGING_ROOT == f"{STATE_DIR}/staging"


def test_git_head_is_read_in_git_state_only() -> None:
    # the working tree's commit (runner, lineage) and what is pushed (submit's checks)
    owners = {"domino_flows/core/git_state.py", "domino_flows/submit/git_state.py"}
    assert _spelt_outside(owners, lambda text: text in ("ref: ", "packed-refs", "HEAD")) == [], (
        "read the commit through domino_flows.core.git_state (head_commit, commit_and_dirty)"
    )


def test_credential_variables_are_named_in_redaction_only() -> None:
    from domino_flows.contract import tracking_job
    from domino_flows.core.redaction import CREDENTIAL_VARIABLES, TOKEN_FILE_VARIABLE

    # tracking_job runs inside Domino jobs where the kit may not be installed: it mirrors the
    # names, kept equal here
    owners = {"domino_flows/core/redaction.py", "domino_flows/contract/tracking_job.py"}
    assert _spelt_outside(owners, CREDENTIAL_VARIABLES.__contains__) == []
    assert tracking_job.CREDENTIAL_VARIABLES == CREDENTIAL_VARIABLES
    assert tracking_job.TOKEN_FILE_VARIABLE == TOKEN_FILE_VARIABLE


def test_a_process_of_the_kit_ends_through_exiting_only() -> None:
    """``os._exit`` skips what an exiting interpreter does (threads, ``atexit``, streams):
    ``core/exiting.leave`` does that first, and is the one way out. The runner's second Ctrl-C
    leaves at once on purpose, after writing what it must."""
    owners = {"domino_flows/core/exiting.py", "domino_flows/runner/interrupts.py"}
    shortcuts = {"_exit", "_run_exitfuncs", "_shutdown"}
    found = []
    for path in SOURCES:
        if _name(path) in owners:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in shortcuts:
                found.append(f"{_name(path)}:{node.lineno} {node.attr}")
    assert found == [], "end the process with domino_flows.core.exiting.leave"


def test_backend_names_are_listed_in_one_place() -> None:
    from domino_flows.backends.domino import DominoBackend
    from domino_flows.backends.local import LocalBackend
    from domino_flows.core.project import BACKEND_NAMES

    assert (LocalBackend.name, DominoBackend.name) == BACKEND_NAMES
    listed = []
    for path in SOURCES:
        if _name(path) == "domino_flows/core/project.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Tuple | ast.List | ast.Set):
                values = {e.value for e in node.elts if isinstance(e, ast.Constant)}
                if set(BACKEND_NAMES) <= values:
                    listed.append(f"{_name(path)}:{node.lineno}")
            if isinstance(node, ast.Compare) and any(
                isinstance(c, ast.Constant) and c.value in BACKEND_NAMES for c in node.comparators
            ):
                left = ast.unparse(node.left)
                if "backend" in left or "chosen" in left:
                    listed.append(f"{_name(path)}:{node.lineno} {ast.unparse(node)}")
    assert listed == [], (
        "use domino_flows.core.project.BACKEND_NAMES / LOCAL_BACKEND / DOMINO_BACKEND"
    )


def _modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(domino_flows.__path__, "domino_flows."):
        if ".templates" in info.name or info.name.endswith("__main__"):
            continue
        names.append(info.name)
    return names


@pytest.mark.parametrize("module", _modules())
def test_every_error_the_kit_defines_is_a_domino_flows_error(module: str) -> None:
    loaded = importlib.import_module(module)
    outside = [
        name
        for name, value in vars(loaded).items()
        if inspect.isclass(value)
        and issubclass(value, Exception)
        and value.__module__ == module
        and not issubclass(value, DominoFlowsError)
        # in-job code that runs without the kit: its errors never reach the runner's user
        and module
        not in ("domino_flows.backends.domino_bootstrap", "domino_flows.contract.tracking_job")
    ]
    assert outside == [], f"{module}: make these DominoFlowsError subclasses (errors.py)"


def test_ci_runs_the_readme_quick_start_and_test_command_as_written() -> None:
    readme = (REPO / "README.md").read_text()
    block = re.search(r"## Quick start.*?```bash\n(.*?)```", readme, re.S)
    assert block is not None
    install, tests = (line.split("#")[0].strip() for line in block.group(1).strip().splitlines())
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    assert install.startswith('pip install -e ".[test]" && python examples/ml_pipeline.py')
    assert 'python -m pip install --quiet -e ".[test]"' in ci
    assert "python examples/ml_pipeline.py" in ci
    assert tests in ci, f"CI must run the README's test command {tests!r} as written"
    assert tests == "python -m pytest -q -n 2"


def test_every_function_has_a_caller() -> None:
    """A module-level function nothing calls (the package, its tests, examples or benchmarks) is
    dead weight for the next reader. Decorated ones (commands, fixtures) are called by name."""
    others = [*REPO.joinpath("tests").rglob("*.py"), *REPO.joinpath("examples").rglob("*.py")]
    others += REPO.joinpath("benchmarks").rglob("*.py")
    text = "\n".join(p.read_text(encoding="utf-8") for p in [*SOURCES, *others])
    # each whole word counted once (a function's name is one word): the same as a \bname\b
    # search per function, without reading the whole tree once per function
    words = collections.Counter(re.findall(r"\w+", text))
    unused = [
        f"{_name(path)}: {node.name}"
        for path in SOURCES
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if isinstance(node, ast.FunctionDef)
        and not node.decorator_list
        and not node.name.startswith("__")
        and words[node.name] < 2
    ]
    assert unused == []
