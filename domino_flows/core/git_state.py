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


def head_commit(root: Path) -> str | None:
    """The commit checked out in ``root/.git``, read from the files (no subprocess: lineage asks
    for every task attempt), or None when there is none to read."""
    git_dir = root / ".git"
    try:
        text = (git_dir / "HEAD").read_text().strip()
        if not text.startswith("ref: "):
            return text or None  # a detached HEAD names the commit itself
        ref = text[len("ref: ") :]
        if (git_dir / ref).is_file():
            return (git_dir / ref).read_text().strip()
        packed = git_dir / "packed-refs"
        for line in packed.read_text().splitlines() if packed.is_file() else []:
            if line.endswith(" " + ref):
                return line.split()[0]
        return None
    except OSError:
        return None
