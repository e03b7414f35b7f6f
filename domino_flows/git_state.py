"""The project's git state: the one place that asks git about the working tree.

Standard library only. The runner records a run's commit and whether the tree was dirty; submit
checks that the code Domino jobs will run (the pushed commit) is the code in the working tree.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

GIT_TIMEOUT_SECONDS = 10


def git(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``git -C folder args...``; a missing git or a hung call reads as a failed command."""
    try:
        return subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=GIT_TIMEOUT_SECONDS,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return subprocess.CompletedProcess(["git", *args], 127, "", str(error))


def commit_and_dirty(root: Path) -> tuple[str | None, bool | None]:
    """(commit, dirty) of the checkout holding ``root``, or (None, None) outside git."""
    commit = git(root, "rev-parse", "HEAD")
    if commit.returncode != 0:
        return None, None
    status = git(root, "status", "--porcelain", "--untracked-files=no")
    return commit.stdout.strip(), bool(status.stdout.strip())
