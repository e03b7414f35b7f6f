"""Helpers shared by the runner tests."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from domino_flows.cli import main


def marks(root: Path) -> list[str]:
    return [line.split()[0] for line in (root / "marks.txt").read_text().splitlines()]


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def run_json(*args: str):
    result = cli("run", *args, "--json")
    return result, json.loads(result.stdout) if result.stdout.strip().startswith("{") else None


def env_with(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    return env


def process_running(pid: int) -> bool:
    """Whether ``pid`` is a live process. A zombie is not: it has ended and only waits for its
    parent (or, once orphaned, the machine's init) to collect its exit status, which can take a
    moment after the job was stopped."""
    try:
        data = Path(f"/proc/{pid}/stat").read_bytes()
    except FileNotFoundError:
        return False
    return data[data.rfind(b")") + 2 :].split()[0] != b"Z"


def start_chain(project: Path, *args: str, own_group: bool = False, **env: str):
    """``domino-flows run fanin.py chain`` as a separate process (``own_group``: in its own
    process group, as a shell starts a foreground job)."""
    return subprocess.Popen(
        [sys.executable, "-m", "domino_flows.cli", "run", "fanin.py", "chain", *args],
        cwd=project,
        env=env_with(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=own_group,
    )


def wait_for(path: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} never appeared")
        time.sleep(0.05)


def domino_project(domino_env, root: Path, name: str, flow: str, monkeypatch) -> Path:
    """``root`` made a project named ``name`` holding ``flow.py``, committed to the fake Domino
    of ``domino_env`` (the fixture of ``domino_flows.testing.fixtures``) and the working folder."""
    root.mkdir()
    (root / "pyproject.toml").write_text(f'[project]\nname = "{name}"\n')
    (root / "flow.py").write_text(flow)
    domino_env.add_tree(root)
    monkeypatch.chdir(root)
    return root
