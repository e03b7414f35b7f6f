"""``domino-flows port``: official-plugin flows rewritten to the kit, and an official-style flow
whose stage scripts stay as Domino's docs write them, run after porting."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from domino_flows.backends.local_mounts import namespace_problem
from domino_flows.cli import main
from domino_flows.onboarding.port import port_source

BIN = Path(sys.executable).parent

OFFICIAL_FLOW = '''\
"""Prepare data, then train, as Domino's documentation writes a flow."""

from typing import TypeVar

from flytekit import workflow
from flytekit.types.file import FlyteFile
from flytekitplugins.domino.artifact import Artifact, REPORT
from flytekitplugins.domino.helpers import Input, Output, run_domino_job_task
from flytekitplugins.domino.task import DominoJobConfig, DominoJobTask

Report = Artifact("Rows report", REPORT)


@workflow
def training_workflow(rows: int = 5) -> Report.File(name="report.txt"):
    prep = run_domino_job_task(
        flyte_task_name="Prepare data",
        command="python /mnt/code/scripts/prep_data.py",
        inputs=[Input(name="rows", type=int, value=rows)],
        output_specs=[Output(name="processed_data", type=FlyteFile[TypeVar("csv")])],
        use_project_defaults_for_omitted=True,
    )
    train = DominoJobTask(
        name="Train model",
        domino_job_config=DominoJobConfig(
            Command="python /mnt/code/scripts/train.py",
            ApiKey="never-in-code",
        ),
        inputs={"processed_data": FlyteFile[TypeVar("csv")]},
        outputs={"report": Report.File(name="report.txt")},
        use_latest=True,
    )
    return train(processed_data=prep["processed_data"])
'''

# Stage scripts exactly as Domino's docs write them: fixed paths, open(), no kit import.
PREP = """\
with open("/workflow/inputs/rows") as f:
    rows = int(f.read())
with open("/workflow/outputs/processed_data", "w") as f:
    f.write("x\\n" + "".join(f"{n}\\n" for n in range(rows)))
"""
TRAIN = """\
with open("/workflow/inputs/processed_data") as f:
    lines = f.read().splitlines()[1:]
with open("/workflow/outputs/report", "w") as f:
    f.write(f"{len(lines)} rows\\n")
"""


def official_project(root: Path, settings: str = "") -> Path:
    (root / "scripts").mkdir(parents=True)
    (root / "scripts" / "prep_data.py").write_text(PREP)
    (root / "scripts" / "train.py").write_text(TRAIN)
    (root / "flow.py").write_text(OFFICIAL_FLOW)
    (root / "pyproject.toml").write_text(f'[project]\nname = "official"\n{settings}')
    return root


def test_imports_become_the_kits_and_meaning_stays() -> None:
    ported, notes, unported = port_source(OFFICIAL_FLOW)
    assert "flytekitplugins" not in ported
    assert "from domino_flows import Artifact, REPORT\n" in ported
    assert "from domino_flows import Input, Output, run_domino_job_task\n" in ported
    assert "from domino_flows import DominoJobConfig, DominoJobTask\n" in ported
    assert "ApiKey" not in ported and "never-in-code" not in ported
    assert notes == [
        "line 27: removed ApiKey=: credentials come from the environment "
        "(DOMINO_USER_API_KEY), never from code"
    ]
    assert unported == []
    # everything else is the same code, line for line
    before = [line for line in OFFICIAL_FLOW.splitlines() if "flytekitplugins" not in line]
    after = [line for line in ported.splitlines() if "domino_flows" not in line]
    assert [line for line in before if "ApiKey" not in line] == after
    ast.parse(ported)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("X(Command='a', ApiKey=k)\n", "X(Command='a')\n"),
        ("X(ApiKey=k, Command='a')\n", "X(Command='a')\n"),
        ("X(Command='a', ApiKey=k, OwnerName='o')\n", "X(Command='a')\n"),
        ("X(ApiKey=k)\n", "X()\n"),
        ("X(\n    Command='a',\n    ApiKey=k,\n)\n", "X(\n    Command='a',\n)\n"),
        ("X(\n    ApiKey=k,\n    Command='a',\n)\n", "X(\n    Command='a',\n)\n"),
    ],
)
def test_dropped_arguments_leave_tidy_calls(source: str, expected: str) -> None:
    header = "from flytekitplugins.domino.task import DominoJobConfig as X\n"
    ported, _, _ = port_source(header + source)
    assert ported == "from domino_flows import DominoJobConfig as X\n" + expected


def test_what_the_kit_lacks_is_kept_and_listed() -> None:
    source = textwrap.dedent(
        """\
        from flytekitplugins.domino.artifact import ArtifactGroup, REPORT
        import flytekitplugins.domino.helpers as h
        import flytekitplugins.domino.task

        h.run_domino_job_task("t", "echo", netapp_volume_snapshots=[h.NetAppVolumeSnapshot("v", 1)])
        """
    )
    ported, _, unported = port_source(source)
    assert ported.splitlines()[:3] == [
        "from domino_flows import REPORT",
        "from flytekitplugins.domino.artifact import ArtifactGroup",
        "import domino_flows as h",
    ]
    assert [line.split(":")[0] for line in unported] == ["line 1", "line 3"]
    assert "ArtifactGroup (from flytekitplugins.domino.artifact) has no equivalent" in unported[0]
    assert "netapp_volume_snapshots" in ported  # the kit takes it as the plugin does


def test_plugin_submodules_become_the_kit_module() -> None:
    source = "from flytekitplugins.domino import helpers as h, task\nh.Input(name='a')\n"
    ported, _, unported = port_source(source)
    assert ported == ("import domino_flows as h\nimport domino_flows as task\nh.Input(name='a')\n")
    assert unported == []


def test_files_without_the_official_plugin_are_left_alone() -> None:
    source = "from domino_flows import DominoJobTask\nfrom flytekitplugins.other import X\n"
    assert port_source(source) == (source, [], [])


def test_command_prints_a_diff_and_writes_only_when_asked(tmp_path: Path) -> None:
    project = official_project(tmp_path / "p")
    runner = CliRunner()
    shown = runner.invoke(main, ["port", str(project)])
    assert shown.exit_code == 0, shown.output
    assert f"--- a/{project / 'flow.py'}" in shown.output
    assert "+from domino_flows import Input, Output, run_domino_job_task" in shown.output
    assert "would port 1 of 3 file(s); run again with --write" in shown.output
    assert (project / "flow.py").read_text() == OFFICIAL_FLOW
    written = runner.invoke(main, ["port", "--write", str(project / "flow.py")])
    assert written.exit_code == 0, written.output
    assert "flytekitplugins" not in (project / "flow.py").read_text()
    assert (project / "scripts" / "prep_data.py").read_text() == PREP  # scripts stay as they are
    again = runner.invoke(main, ["port", str(project)])
    assert again.exit_code == 0 and "would port 0 of 3 file(s)." in again.output


def test_command_exits_1_when_something_was_not_ported(tmp_path: Path) -> None:
    flow = tmp_path / "flow.py"
    flow.write_text("from flytekitplugins.domino.artifact import create_artifact\n")
    result = CliRunner().invoke(main, ["port", str(flow)])
    assert result.exit_code == 1
    assert f"{flow}: not ported: line 1: create_artifact" in result.output


def test_command_bad_paths_are_usage_errors(tmp_path: Path):
    result = CliRunner().invoke(main, ["port", str(tmp_path / "flow.py")])
    flat = re.sub(r"[\s│╭╮╰╯─]+", " ", result.output)  # the usage box wraps long lines
    assert result.exit_code == 2 and "does not exist" in flat


def test_a_file_that_does_not_parse_is_listed_and_the_others_ported(tmp_path: Path):
    (tmp_path / "broken.py").write_text("def broken(:\n")
    (tmp_path / "flow.py").write_text("from flytekitplugins.domino.task import DominoJobTask\n")
    result = CliRunner().invoke(main, ["port", "--write", str(tmp_path)])
    assert result.exit_code == 1
    assert (
        f"{tmp_path / 'broken.py'}: not ported: skipped, left as it is: line 1: not valid Python"
        in result.output
    )
    assert (tmp_path / "broken.py").read_text() == "def broken(:\n"
    assert (tmp_path / "flow.py").read_text() == "from domino_flows import DominoJobTask\n"
    assert "ported 1 of 2 file(s)" in result.output


def test_every_public_plugin_module_is_known_and_an_unknown_one_listed() -> None:
    ported, _, unported = port_source(
        "from flytekitplugins.domino.file import PathConfig, DominoFile\n"
        "import flytekitplugins.domino.file as f\n"
        "from flytekitplugins.domino.agent import Something\n"
    )
    assert ported.splitlines()[:2] == [
        "from domino_flows import PathConfig, DominoFile",
        "import domino_flows as f",
    ]
    assert unported == [
        "line 3: flytekitplugins.domino.agent is not a module of Domino's plugin that "
        "domino_flows knows (flytekitplugins.domino, flytekitplugins.domino.task, "
        "flytekitplugins.domino.helpers, flytekitplugins.domino.artifact, "
        "flytekitplugins.domino.file, domino.flyte.task); it still needs the official plugin. "
        "Replace what it gives, or keep the official plugin."
    ]


def test_a_helper_calling_domino_while_the_flow_is_defined_gets_a_hint() -> None:
    _, notes, unported = port_source(
        "from domino import Domino\n"
        "import domino as d\n"
        "def start(cmd):\n"
        "    return Domino('me/p').job_start(cmd)\n"
        "client = d.Domino('me/p')\n"
    )
    assert unported == []
    assert [n.split(":")[0] for n in notes] == ["line 4", "line 5"]
    assert "needs a live Domino" in notes[0] and "run_domino_job_task(...)" in notes[0]


# --- end to end: port, then run with the stage scripts unchanged ---------------------------------


def run_flow(project: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DOMINO_"))}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(
        [str(BIN / "domino-flows"), "run", "flow.py", "training_workflow", "-i", "rows=4"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
@pytest.mark.skipif(namespace_problem() is not None, reason=f"{namespace_problem()}")
def test_an_official_flow_runs_after_port_write_only(tmp_path: Path) -> None:
    project = official_project(tmp_path / "p")
    ported = subprocess.run(
        [str(BIN / "domino-flows"), "port", "--write", "."], cwd=project, capture_output=True
    )
    assert ported.returncode == 0, ported.stderr
    done = run_flow(project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "succeeded" in done.stdout
    (report,) = project.glob(".domino-flows/jobs/*/*/1/outputs/report")
    assert report.read_text() == "4 rows\n"
    assert (project / "scripts" / "prep_data.py").read_text() == PREP


@pytest.mark.slow
def test_the_same_flow_on_the_plain_filesystem_fails_with_the_reason(tmp_path: Path) -> None:
    project = official_project(tmp_path / "p", '\n[tool.domino_flows]\nfilesystem = "plain"\n')
    subprocess.run([str(BIN / "domino-flows"), "port", "--write", "."], cwd=project, check=True)
    done = run_flow(project)
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "it uses /mnt/code/scripts/prep_data.py, which exists only in Domino's filesystem" in (
        output
    )
    assert 'because the project sets filesystem = "plain"' in output
    assert "Traceback" not in output


CANARY_FLOW = """\
from flytekitplugins.domino.task import DominoJobConfig

KEY = "canary-secret-456"
cfg = DominoJobConfig(Command="python a.py", ApiKey="canary-secret-123", OwnerName="me")
other = DominoJobConfig(Command="python b.py", ApiKey=KEY)
client = make_client(api_key="canary-secret-789")
"""


def test_the_diff_never_shows_a_credential(tmp_path: Path) -> None:
    flow = tmp_path / "flow.py"
    flow.write_text(CANARY_FLOW)
    shown = CliRunner().invoke(main, ["port", str(flow)])
    assert shown.exit_code == 0, shown.output
    assert "canary-secret" not in shown.output
    assert "ApiKey=<redacted>" in shown.output
    assert "-cfg = DominoJobConfig(" in shown.output  # the change itself is still shown
    written = CliRunner().invoke(main, ["port", "--write", str(flow)])
    assert written.exit_code == 0
    assert "canary-secret" not in written.output
    ported = flow.read_text()
    assert ported == port_source(CANARY_FLOW)[0]
    assert 'cfg = DominoJobConfig(Command="python a.py")' in ported
    assert "ApiKey" not in ported
