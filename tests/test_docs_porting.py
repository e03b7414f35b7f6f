"""SKILL.md's porting guidance and example pyproject work as written: the official-style flow and
stage script it shows, in a project configured with its pyproject block, are ported and run by its
own commands, with the script unchanged."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from test_docs import blocks, named_scripts

from domino_flows.backends.local_mounts import namespace_problem

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
SECTION = "## Porting a flow written for Domino's plugin"


def skill_pyproject() -> str:
    (block,) = [
        b for b in blocks("SKILL.md") if b.language == "toml" and 'environments."*"' in b.code
    ]
    return block.code


def porting_blocks() -> tuple[str, list[str]]:
    """The official flow and the shell commands of SKILL.md's porting section."""
    text = (Path(__file__).resolve().parents[1] / "SKILL.md").read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.index("\n## ", start + len(SECTION))
    section = text[start:end]
    flow = re.search(r"```python\n(.*?)```", section, flags=re.DOTALL)
    commands = re.search(r"```bash\n(.*?)```", section, flags=re.DOTALL)
    assert flow and commands
    lines = [line.split("#")[0].strip() for line in commands.group(1).splitlines()]
    return flow.group(1), [line for line in lines if line]


def project_with_skill_pyproject(root: Path) -> Path:
    """A project configured by SKILL.md's example, whose .venv interpreter has domino-flows."""
    (root / "scripts").mkdir(parents=True)
    (root / "flows").mkdir()
    (root / "pyproject.toml").write_text(f'[project]\nname = "ported"\n\n{skill_pyproject()}')
    venv = root / ".venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "python").write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} "$@"\n')
    (venv / "python").chmod(0o755)
    return root


def shell(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DOMINO_"))}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = "200"
    return subprocess.run(
        command, shell=True, cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.skipif(namespace_problem() is not None, reason=f"{namespace_problem()}")
def test_the_porting_section_works_as_written(tmp_path: Path) -> None:
    project = project_with_skill_pyproject(tmp_path / "p")
    flow, commands = porting_blocks()
    script = named_scripts()["scripts/prep_data.py"]
    (project / "flows" / "train.py").write_text(flow)
    (project / "scripts" / "prep_data.py").write_text(script)
    assert [c.split()[:2] for c in commands] == [
        ["domino-flows", "port"],
        ["domino-flows", "port"],
        ["domino-flows", "run"],
    ]
    for command in commands:
        done = shell(command, project)
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    assert "flytekitplugins" not in (project / "flows" / "train.py").read_text()
    assert (project / "scripts" / "prep_data.py").read_text() == script
    (output,) = project.glob(".domino-flows/jobs/*/*/1/outputs/processed_data")
    assert output.read_text() == "n\n0\n1\n2\n"


def test_the_example_pyproject_runs_every_name_skill_uses(tmp_path: Path) -> None:
    text = (Path(__file__).resolve().parents[1] / "SKILL.md").read_text(encoding="utf-8")
    names = re.findall(r'(environment|hardware_tier)(?:_name)?="([^"]+)"', text)
    names += re.findall(r'(Environment|HardwareTier)Name="([^"]+)"', text)
    environments = sorted({v for k, v in names if k.lower().startswith("environment")})
    tiers = sorted({v for k, v in names if k.lower().startswith("hardware")})
    assert "Python 3.11" in environments and "Large" in tiers
    project = project_with_skill_pyproject(tmp_path / "p")
    tasks, calls = [], []
    # each environment and each tier in at least one task, with as few jobs as that takes
    count = max(len(environments), len(tiers))
    pairs = [(environments[i % len(environments)], tiers[i % len(tiers)]) for i in range(count)]
    assert {e for e, _ in pairs} == set(environments) and {t for _, t in pairs} == set(tiers)
    for index, (environment, tier) in enumerate(pairs):
        tasks.append(
            f"@domino_task(environment={environment!r}, hardware_tier={tier!r})\n"
            f"def step{index}(x: int) -> int:\n    return x + 1\n"
        )
        calls.append(f"x = step{index}(x=x)")
    body = "\n    ".join(calls)
    (project / "flows" / "names.py").write_text(
        "from flytekit import workflow\n\nfrom domino_flows import domino_task\n\n\n"
        + "\n\n".join(tasks)
        + f"\n\n@workflow\ndef every_name(x: int = 0) -> int:\n    {body}\n    return x\n"
    )
    done = shell("domino-flows run flows/names.py every_name", project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"o0 = {len(calls)}" in done.stdout
