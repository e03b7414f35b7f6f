"""Helpers for the submit tests: flow projects in temporary folders and git repositories with a
bare remote."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

GOOD_FLOW = """
from flytekit import CronSchedule, LaunchPlan, workflow

from domino_flows import DominoJobConfig, DominoJobTask

step = DominoJobTask(
    name="step",
    domino_job_config=DominoJobConfig(
        Command="PYTHONPATH=/mnt/code python step.py",
        EnvironmentName="Python 3.11",
        HardwareTierName="Small",
    ),
    inputs={"n": int},
    outputs={"total": int},
    retries=2,
)


@workflow
def flow(n: int = 1) -> int:
    return step(n=n)


nightly = LaunchPlan.get_or_create(
    flow, name="nightly", schedule=CronSchedule(schedule="0 3 * * *"), default_inputs={"n": 3}
)
"""


def write_flow(root: Path, source: str, name: str = "flow.py") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    if not (root / "pyproject.toml").exists():
        (root / "pyproject.toml").write_text('[project]\nname = "flows"\n')
    path = root / name
    path.write_text(textwrap.dedent(source).lstrip())
    return path


def git(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(folder), *args], capture_output=True, text=True, check=True
    )
    return done.stdout


def pushed_repo(tmp_path: Path, source: str = GOOD_FLOW) -> Path:
    """A project committed and pushed to a bare remote; returns the flow file."""
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    project = tmp_path / "project"
    flow = write_flow(project, source)
    git(project, "init", "-q", "-b", "main")
    git(project, "remote", "add", "origin", str(remote))
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "flow")
    git(project, "push", "-q", "-u", "origin", "main")
    return flow
