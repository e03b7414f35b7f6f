"""The Python code in SKILL.md and README.md compiles, lints clean and runs.

Every ```python block is compiled. The HTML comment on the line before a block (the markers are
listed at the top of SKILL.md) says what else is done with it:

- no marker: a complete module. Linted (no findings), imported in a temporary project, and its
  workflows and launch plans serialized as for registration with Domino Flows.
- ``fragment``: compiled; not linted on its own (``domino-flows lint`` over the file's code still
  has to find nothing).
- ``anti-pattern: DF001[, DF004]``: compiled; lint must report each named rule.
- ``stage-script[: name=value ...]``: a job's own script. Run in a subprocess with the contract
  directories set through ``DOMINO_FLOWS_INPUTS_DIR`` / ``DOMINO_FLOWS_OUTPUTS_DIR``; the inputs
  it reads are made up from their types unless given, and every output it writes must appear.
  A block with no marker that reads or writes the contract at module level is taken as one.
- ``run: WORKFLOW [name=value ...] [=> {"o0": ...}]``: a complete flow, run for real with
  ``domino-flows run``; its outputs are compared when given.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from domino_flows.cli import COMMANDS, main
from domino_flows.lint import RULES, lint_file, lint_source

REPO = Path(__file__).resolve().parents[1]
DOCS = ("SKILL.md", "README.md")
MARKER = re.compile(r"^<!--\s*(.*?)\s*-->\s*$")
FENCE = re.compile(r"^```(\w*)\s*$")
PYPROJECT = '[project]\nname = "docs-flows"\nversion = "0"\n'


@dataclass(frozen=True)
class Block:
    doc: str
    line: int  # of the block's first code line, 1-based
    language: str
    code: str
    marker: str  # the HTML comment on the line before the fence, or ""

    @property
    def kind(self) -> str:
        kind = self.marker.split(":", 1)[0].strip()
        if kind in ("fragment", "anti-pattern", "stage-script", "run"):
            return kind
        if self.language == "python" and uses_contract_at_module_level(self.code):
            return "stage-script"
        return "module"

    @property
    def argument(self) -> str:
        return self.marker.split(":", 1)[1].strip() if ":" in self.marker else ""

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}"


def blocks(doc: str) -> list[Block]:
    lines = (REPO / doc).read_text(encoding="utf-8").splitlines()
    found, index = [], 0
    while index < len(lines):
        fence = FENCE.match(lines[index])
        if not fence:
            index += 1
            continue
        previous = lines[index - 1] if index else ""
        marker = MARKER.match(previous)
        end = index + 1
        while end < len(lines) and lines[end].rstrip() != "```":
            end += 1
        code = "\n".join(lines[index + 1 : end]) + "\n"
        found.append(Block(doc, index + 2, fence.group(1), code, marker.group(1) if marker else ""))
        index = end + 1
    return found


def python_blocks(*docs: str) -> list[Block]:
    return [b for doc in docs for b in blocks(doc) if b.language == "python"]


def uses_contract_at_module_level(code: str) -> bool:
    """A stage script: calls ``job.read_input``/``job.write_output`` outside any function."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    return any(
        isinstance(node, ast.Call) and contract_call(node) for node in module_level_nodes(tree)
    )


def module_level_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        yield node
        yield from module_level_nodes(node)


def contract_call(call: ast.Call) -> str | None:
    function = call.func
    if (
        isinstance(function, ast.Attribute)
        and isinstance(function.value, ast.Name)
        and function.value.id == "job"
        and function.attr in ("read_input", "write_output")
    ):
        return function.attr
    return None


ALL = python_blocks(*DOCS)
SKILL = python_blocks("SKILL.md")


def by_kind(*kinds: str, source: list[Block] = ALL) -> list[Block]:
    return [b for b in source if b.kind in kinds]


def ids(items: list[Block]) -> list[str]:
    return [b.id for b in items]


# --- SKILL.md as a document ----------------------------------------------------------------


def test_skill_has_frontmatter_with_name_and_description() -> None:
    text = (REPO / "SKILL.md").read_text(encoding="utf-8")
    match = re.match(r"---\n(.*?)\n---\n", text, flags=re.DOTALL)
    assert match, "SKILL.md starts with YAML frontmatter between --- lines"
    import yaml

    front = yaml.safe_load(match.group(1))
    assert front["name"] == "domino-flows"
    assert "Use when" in front["description"]
    assert len(front["description"]) < 1024


def test_skill_documents_the_markers_this_test_honours() -> None:
    text = (REPO / "SKILL.md").read_text(encoding="utf-8")
    head = text[: text.index("\n# ")]
    for marker in ("fragment", "anti-pattern: DF", "stage-script", "run: "):
        assert marker in head, marker


def test_skill_has_runnable_blocks_of_every_kind() -> None:
    kinds = {b.kind for b in SKILL}
    assert kinds >= {"module", "fragment", "anti-pattern", "stage-script", "run"}
    unknown = [b.id for b in SKILL if b.marker and b.kind == "module"]
    assert unknown == [], "markers this test does not know"


def test_lint_rules_named_in_skill_exist() -> None:
    text = (REPO / "SKILL.md").read_text(encoding="utf-8")
    named = set(re.findall(r"\bDF\d{3}\b", text))
    assert named <= set(RULES)
    assert named >= set(RULES) - {"DF000"}, "every rule is mapped to a pitfall"


def test_commands_shown_in_skill_exist() -> None:
    shown = set()
    for block in blocks("SKILL.md"):
        if block.language in ("bash", "console", "shell"):
            shown |= set(re.findall(r"domino-flows ([a-z]+)", block.code))
    assert shown, "SKILL.md shows the command line"
    assert shown <= set(COMMANDS)


def test_files_named_in_skill_exist() -> None:
    text = (REPO / "SKILL.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:examples|docs)/[\w./-]+)`", text))
    listing = text.partition("See `examples/` for runnable flows")[2]
    assert listing, "SKILL.md points to the runnable examples"
    named |= {f"examples/{name}" for name in re.findall(r"`(\w+\.py)`", listing)}
    missing = sorted(name for name in named if not (REPO / name).exists())
    assert missing == []
    examples = {p.name for p in (REPO / "examples").glob("*.py")}
    assert examples <= {name.split("/")[-1] for name in named}, "every example is listed"


def test_toml_blocks_parse() -> None:
    import tomllib

    toml = [b for doc in DOCS for b in blocks(doc) if b.language == "toml"]
    for block in toml:
        tomllib.loads(block.code)


# --- every block ---------------------------------------------------------------------------


@pytest.mark.parametrize("block", ALL, ids=ids(ALL))
def test_block_compiles(block: Block) -> None:
    compile(block.code, block.id, "exec")


LINTED = by_kind("module", "run", "stage-script")
SCRIPT_NAME = re.compile(r"`((?:[\w.-]+/)+[\w.-]+\.py)`")


def named_scripts() -> dict[str, str]:
    """Stage-script blocks by the path the text just before them gives them (``scripts/x.py``):
    the files the documented commands run, so lint can read them as it reads a project's."""
    named = {}
    for doc in DOCS:
        lines = (REPO / doc).read_text(encoding="utf-8").splitlines()
        for block in python_blocks(doc):
            if block.kind in ("stage-script", "fragment"):
                before = " ".join(lines[max(0, block.line - 6) : block.line - 2])
                found = SCRIPT_NAME.findall(before)
                if found:
                    named[found[-1]] = block.code
    return named


def docs_project(root: Path) -> Path:
    """A project holding the documented stage scripts where the text puts them."""
    root.mkdir(exist_ok=True)
    (root / "pyproject.toml").write_text(PYPROJECT)
    for name, code in named_scripts().items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(code)
    return root


def test_the_documented_stage_scripts_are_found() -> None:
    assert {"scripts/summarize.py", "scripts/prep_data.py"} <= set(named_scripts())


@pytest.mark.parametrize("block", LINTED, ids=ids(LINTED))
def test_block_is_lint_clean(block: Block, tmp_path: Path) -> None:
    flow = docs_project(tmp_path) / f"{block.doc.lower()}_block.py"
    flow.write_text(block.code)
    assert lint_file(flow) == []


ANTI = by_kind("anti-pattern")


@pytest.mark.parametrize("block", ANTI, ids=ids(ANTI))
def test_anti_pattern_is_reported_by_its_rule(block: Block) -> None:
    named = {r.strip() for r in block.argument.split(",") if r.strip()}
    assert named, f"{block.id}: name the rule, e.g. <!-- anti-pattern: DF001 -->"
    found = {f.rule for f in lint_source(block.code, "anti_pattern.py")}
    assert named <= found, f"{block.id}: lint found {sorted(found)}"


def test_domino_flows_lint_finds_nothing_in_skill_code(tmp_path: Path) -> None:
    """The command, over every block that is not an anti-pattern, fragments included."""
    docs_project(tmp_path)
    for number, block in enumerate(b for b in SKILL if b.kind != "anti-pattern"):
        (tmp_path / f"skill_block_{number:02d}.py").write_text(block.code)
    result = CliRunner().invoke(main, ["lint", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "No problems found" in result.output, result.output


# --- running blocks ------------------------------------------------------------------------


@pytest.fixture
def project_files() -> dict[str, str]:
    """The blocks run in the ``project`` fixture (tests/conftest.py) with this configuration."""
    return {"pyproject.toml": PYPROJECT}


MODULES = by_kind("module")


@pytest.mark.parametrize("block", MODULES, ids=ids(MODULES))
def test_module_block_imports_and_serializes(block: Block, project: Path) -> None:
    from flytekit.core.launch_plan import LaunchPlan
    from flytekit.core.workflow import WorkflowBase

    from domino_flows.authoring import serialize
    from domino_flows.authoring.loading import FlowLoadError, load_module

    name = f"{block.doc.split('.')[0].lower()}_line_{block.line}"
    path = project / f"{name}.py"
    path.write_text(block.code)
    try:
        module = load_module(path)
    except FlowLoadError as error:
        raise AssertionError(
            f"{block.id} cannot be imported ({error}); give its functions bodies, or mark it as "
            "compiled only with <!-- fragment --> on the line before the ```python"
        ) from None
    entities = [
        value
        for value in vars(module).values()
        if (isinstance(value, WorkflowBase) and value.name.startswith(name + "."))
        or (isinstance(value, LaunchPlan) and value.workflow.name.startswith(name + "."))
    ]
    for entity in entities:
        templates = serialize.task_templates(serialize.serialize(entity))
        assert all(t.type in ("domino_job", "domino_fan_out") for t in templates), entity


def made_up_input(type_node: ast.AST | None) -> str:
    """A value of the type a stage script asks for, in the contract's text form."""
    name = ast.unparse(type_node) if type_node is not None else "str"
    return {"int": "3", "float": "0.5", "bool": "true", "Path": "x,y\n1,2\n3,5\n"}.get(
        name, "some text"
    )


STAGE = by_kind("stage-script")


@pytest.mark.parametrize("block", STAGE, ids=ids(STAGE))
def test_stage_script_block_runs_against_the_contract(block: Block, tmp_path: Path) -> None:
    given = dict(item.split("=", 1) for item in block.argument.split())
    inputs, outputs, work = tmp_path / "inputs", tmp_path / "outputs", tmp_path / "work"
    for directory in (inputs, outputs, work):
        directory.mkdir()
    written = []
    for node in ast.walk(ast.parse(block.code)):
        if not isinstance(node, ast.Call) or not contract_call(node):
            continue
        name = node.args[0].value  # type: ignore[attr-defined]
        if contract_call(node) == "read_input":
            kind = node.args[1] if len(node.args) > 1 else None
            (inputs / name).write_text(given.get(name, made_up_input(kind)))
        else:
            written.append(name)
            value = node.args[1]
            # job.write_output("model", Path("model.pkl")): the script made that file before
            if (
                isinstance(value, ast.Call)
                and ast.unparse(value.func) == "Path"
                and isinstance(value.args[0], ast.Constant)
            ):
                (work / value.args[0].value).write_text("made by an earlier step")
    script = tmp_path / "script.py"
    script.write_text(block.code)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOMINO_FLOWS_")}
    env.update(DOMINO_FLOWS_INPUTS_DIR=str(inputs), DOMINO_FLOWS_OUTPUTS_DIR=str(outputs))
    result = subprocess.run(
        [sys.executable, str(script)], cwd=work, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert not (outputs / "_ERROR").exists()
    assert written and all((outputs / name).exists() for name in written), sorted(
        p.name for p in outputs.iterdir()
    )


RUNS = by_kind("run")


def run_arguments(block: Block) -> tuple[list[str], dict[str, object] | None]:
    command, _, expected = block.argument.partition("=>")
    workflow, *assignments = command.split()
    args = [workflow]
    for assignment in assignments:
        args += ["--input", assignment]
    return args, json.loads(expected) if expected.strip() else None


@pytest.mark.slow
@pytest.mark.parametrize("block", RUNS, ids=ids(RUNS))
def test_flow_block_runs_with_domino_flows_run(block: Block, project: Path) -> None:
    (project / "flow.py").write_text(block.code)
    args, expected = run_arguments(block)
    result = CliRunner().invoke(main, ["run", "flow.py", *args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output[-3000:]
    document = json.loads(result.stdout)
    assert document["success"], document["error"]
    if expected is not None:
        assert document["outputs"] == expected


# --- the debugging walk-through, as SKILL.md tells it ---------------------------------------

BROKEN_FLOW = """
from flytekit import workflow

from domino_flows import domino_task


@domino_task(environment="Python 3.11", hardware_tier="Small")
def prepare(rows: int) -> int:
    return rows * 2


@domino_task(environment="Python 3.11", hardware_tier="Small")
def report(rows: int) -> str:
    return "rows: " + rows  # the bug: str + int


@workflow
def pipeline(rows: int = 5) -> str:
    return report(rows=prepare(rows=rows))
"""


@pytest.mark.slow
def test_debugging_a_failed_run_as_documented(project: Path) -> None:
    def cli(*args: str):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    (project / "flow.py").write_text(BROKEN_FLOW)
    failed = cli("run", "flow.py", "pipeline", "--json")
    assert failed.exit_code == 1
    run_id = json.loads(failed.stdout)["run_id"]

    assert run_id in cli("runs").output
    shown = cli("show", run_id).output
    assert "flow.report" in shown and "_ERROR: TypeError" in shown and "(at " in shown
    log = cli("logs", run_id, "flow.report").output
    assert "Traceback" in log and 'return "rows: " + rows' in log

    # Fix the task's code (not the workflow's definition) and resume.
    (project / "flow.py").write_text(BROKEN_FLOW.replace('"rows: " + rows', 'f"rows: {rows}"'))
    resumed = cli("resume", run_id, "--json")
    assert resumed.exit_code == 0, resumed.output
    document = json.loads(resumed.stdout)
    assert document["outputs"] == {"o0": "rows: 10"}
    from domino_flows.records.store import RunStore

    attempts = [a.task for a in RunStore.for_project(project).attempts(run_id)]
    assert attempts.count("flow.prepare") == 1  # finished tasks are not run again
    assert "flow.report" in cli("lineage", run_id).output
