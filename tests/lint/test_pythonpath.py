"""DF012 reads the script a job command runs: it fires only when that script imports repository
code the job cannot import, and the fix it suggests works locally (both filesystems) and on
Domino, where the job also starts at the project root."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from domino_flows.authoring.config import DominoJobConfig
from domino_flows.backends.base import JobSpec, JobState
from domino_flows.backends.local import LocalBackend
from domino_flows.backends.local_mounts import namespace_problem
from domino_flows.core.project import load_settings
from domino_flows.lint import LintConfig, lint_file
from domino_flows.lint.rules_pythonpath import problem

REPO = Path(__file__).resolve().parents[2]
FILES = {
    "pyproject.toml": '[project]\nname = "demo"\n',
    "pipeline/__init__.py": "",
    "pipeline/features.py": "VALUE = 41\n",
    "src/srcpkg/__init__.py": "",
    "src/srcpkg/main.py": "print('main')\n",
    "train.py": "from pipeline import features\n",
    "scripts/uses_pipeline.py": (
        "import json\nfrom pipeline import features\nprint(json.dumps(features.VALUE + 1))\n"
    ),
    "scripts/stdlib_and_kit.py": "import json\nfrom domino_flows import job\n",
    "scripts/helper.py": "X = 1\n",
    "scripts/sibling.py": "import helper\n",
    "scripts/third_party.py": "import yaml\nimport some_tool_of_the_environment\n",
    "scripts/broken.py": "def (:\n",
}


@pytest.fixture
def project_files() -> dict[str, str]:
    return FILES


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("python scripts/uses_pipeline.py", "imports `pipeline` from this repository"),
        ("python3 -u /mnt/code/scripts/uses_pipeline.py", "imports `pipeline`"),
        ("python /mnt/scripts/uses_pipeline.py", "imports `pipeline`"),  # a DFS project
        ("cd /mnt/code && python scripts/uses_pipeline.py", "imports `pipeline`"),
        ("python -m srcpkg.main", "`srcpkg` is in src/"),
        ("python scripts/missing.py --x 1", "which is not in this project"),
        ('PYTHONPATH="$PWD" python scripts/uses_pipeline.py', None),
        ("PYTHONPATH=/mnt/code python scripts/uses_pipeline.py", None),
        ("cd scripts && python uses_pipeline.py", None),
        ("python scripts/stdlib_and_kit.py", None),
        ("python scripts/sibling.py", None),
        ("python scripts/third_party.py", None),
        ("python scripts/broken.py", None),
        ("python train.py", None),
        ("python /mnt/code/train.py", None),
        ("python -m pipeline.features", None),
        ("python -m json.tool x.json", None),
        ("python -m domino_flows.entrypoint flow.py:f", None),
        ("python /opt/tools/run.py", None),
        ("python /mnt/data/sales/run.py", None),
        ("python /mnt/imported/code/lib/run.py", None),
        ("bash run.sh", None),
    ],
)
def test_fires_only_on_repository_imports_the_job_cannot_make(
    project: Path, command: str, words: str | None
) -> None:
    found = problem(command, project)
    if words is None:
        assert found is None
    else:
        assert found is not None and words in found


def test_message_names_the_fix_and_the_file(project: Path) -> None:
    found = problem("python scripts/uses_pipeline.py", project)
    assert found is not None
    assert '`PYTHONPATH="$PWD" python scripts/uses_pipeline.py`' in found
    assert "(scripts/uses_pipeline.py)" in found


def test_a_flow_file_is_checked_against_its_own_project(project: Path) -> None:
    flow = project / "flows" / "flow.py"
    flow.parent.mkdir()
    flow.write_text(
        textwrap.dedent(
            """\
            from domino_flows import DominoJobConfig

            ok = DominoJobConfig(Command="python scripts/stdlib_and_kit.py")
            bad = DominoJobConfig(Command="python /mnt/code/scripts/uses_pipeline.py")
            """
        )
    )
    findings = lint_file(flow, LintConfig())
    assert [(f.line, f.rule) for f in findings] == [(4, "DF012")]


@pytest.mark.parametrize("folder", ["examples", "cookiecutter-template"])
def test_silent_on_the_kits_examples_and_template(folder: str) -> None:
    flows = [p for p in (REPO / folder).rglob("*.py") if "anti_patterns" not in p.parts]
    assert flows
    findings = [f for path in flows for f in lint_file(path, LintConfig()) if f.rule == "DF012"]
    assert findings == []


def shell(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    return subprocess.run(
        ["/bin/sh", "-c", command], cwd=cwd, env=env, capture_output=True, text=True
    )


def test_the_suggested_fix_works_from_the_project_root(project: Path) -> None:
    broken = shell("python scripts/uses_pipeline.py", project)
    assert broken.returncode != 0 and "No module named 'pipeline'" in broken.stderr
    fixed = shell('PYTHONPATH="$PWD" python scripts/uses_pipeline.py', project)
    assert fixed.returncode == 0 and fixed.stdout.strip() == "42"


@pytest.mark.parametrize("filesystem", ["plain", "domino"])
def test_the_suggested_fix_works_in_local_jobs(project: Path, filesystem: str) -> None:
    if filesystem == "domino" and namespace_problem():
        pytest.skip(f"this machine cannot make mount namespaces: {namespace_problem()}")
    with (project / "pyproject.toml").open("a") as handle:
        handle.write(f'\n[tool.domino_flows]\nfilesystem = "{filesystem}"\n')
    backend = LocalBackend(project, load_settings(project))
    script = (
        "scripts/uses_pipeline.py"
        if filesystem == "plain"
        else "/mnt/code/scripts/uses_pipeline.py"
    )
    config = DominoJobConfig(Command=f'PYTHONPATH="$PWD" python {script}')
    spec = JobSpec(run_id="r", flow="demo", task="t", config=config)
    handle = backend.start(spec, backend.stage_inputs(spec, {}))
    status = backend.wait(handle, 60)
    assert status.state is JobState.SUCCEEDED, backend.logs(handle)
    assert backend.logs(handle).strip() == "42"


def test_without_a_project_marker_lint_takes_the_root_run_takes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from domino_flows.core.paths import project_of_file

    root = tmp_path / "plain"  # no pyproject.toml, .git, setup.py or setup.cfg anywhere above
    (root / "flows").mkdir(parents=True)
    (root / "scripts").mkdir()
    (root / "scripts" / "prep.py").write_text("print('prep')\n")
    flow = root / "flows" / "flow.py"
    flow.write_text(
        textwrap.dedent(
            """
            from domino_flows import run_domino_job_task


            def build():
                return run_domino_job_task(flyte_task_name="prep", command="python scripts/prep.py")
            """
        )
    )
    monkeypatch.chdir(root)
    monkeypatch.delenv("DOMINO_FLOWS_PROJECT_ROOT", raising=False)
    assert project_of_file(flow) == root.resolve()  # where `run` starts the jobs
    assert [f.rule for f in lint_file(flow) if f.rule == "DF012"] == []
