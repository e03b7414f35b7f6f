"""The git state of the flow's repository: is the code Domino jobs will run the code here?

A Domino job runs the commit pushed to the project's repository, not the working tree. So
uncommitted changes to tracked files, a flow file that is not committed, commits not pushed to the
upstream branch, a branch without upstream or remote, and a detached HEAD that no remote branch
contains are errors, each saying which git command fixes it; ``--allow-dirty`` turns them into
warnings. Untracked files and a flow outside any repository are warnings. Nothing is fetched: the
comparison is with the local copy of the upstream branch.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from domino_flows.core.git_state import git as _git
from domino_flows.core.paths import STATE_DIR
from domino_flows.submit.preflight import Check

STATE_FOLDER = f"{STATE_DIR}/"


def _listed(paths: list[str], limit: int = 5) -> str:
    shown = ", ".join(paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")


def git_checks(flow_file: Path, allow_dirty: bool = False) -> list[Check]:
    """Is the code Domino jobs will run (the pushed commit) the code in this working tree?"""
    folder = flow_file.resolve().parent
    if shutil.which("git") is None:
        return [
            Check(
                "warning",
                "git",
                "git is not installed, so submit cannot check that your code is committed and "
                "pushed; Domino jobs run the project's pushed commit.",
            )
        ]
    top = _git(folder, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        return [
            Check(
                "warning",
                "git",
                f"{flow_file} is not in a git repository, so submit cannot check that the code "
                "is committed and pushed; Domino jobs run the project's pushed commit.",
            )
        ]
    root = Path(top.stdout.strip())
    problems: list[str] = []
    notes: list[str] = []
    if _git(root, "rev-parse", "--verify", "--quiet", "HEAD").returncode != 0:
        problems.append(
            "the repository has no commits yet; Domino jobs run the pushed commit. Commit and "
            "push the flow: git add -A && git commit -m '...' && git push -u origin HEAD"
        )
        return _git_result(problems, notes, allow_dirty)
    status = _git(root, "status", "--porcelain=v1", "--untracked-files=all")
    changed, untracked = [], []
    for line in status.stdout.splitlines():
        code, path = line[:2], line[3:].strip('"')
        if code == "??":
            if not path.startswith(STATE_FOLDER):
                untracked.append(path)
        else:
            changed.append(path.split(" -> ")[-1])
    flow_relative = str(flow_file.resolve().relative_to(root.resolve()))
    if flow_relative in untracked:
        problems.append(
            f"the flow file {flow_relative} is not committed, so Domino jobs would not find it. "
            f"Commit and push it: git add {flow_relative} && git commit -m '...' && git push"
        )
        untracked.remove(flow_relative)
    if changed:
        problems.append(
            f"{len(changed)} file(s) have uncommitted changes ({_listed(changed)}); Domino jobs "
            "run the pushed commit, not your working tree. Commit and push them: "
            "git add <files> && git commit -m '...' && git push"
        )
    if untracked:
        notes.append(
            f"untracked files are not in the commit Domino jobs run: {_listed(untracked)}. "
            "If the flow needs them, git add, commit and push them."
        )
    problems.extend(_push_problems(root))
    return _git_result(problems, notes, allow_dirty)


def _push_problems(root: Path) -> list[str]:
    branch = _git(root, "rev-parse", "--abbrev-ref", "HEAD").stdout.strip()
    upstream = _git(root, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{u}")
    if upstream.returncode != 0:
        if branch == "HEAD":  # detached: fine if some remote branch has this commit
            if _git(root, "branch", "-r", "--contains", "HEAD").stdout.strip():
                return []
            return [
                "HEAD is detached at a commit no remote branch contains, so Domino cannot run "
                "it. Push it to a branch: git push origin HEAD:<branch>"
            ]
        if not _git(root, "remote").stdout.strip():
            return [
                f"branch {branch} has no remote to push to; Domino jobs run the commit pushed "
                "to the project's repository. Add it and push: git remote add origin <url> && "
                f"git push -u origin {branch}"
            ]
        return [
            f"branch {branch} has no upstream branch, so its commits are not pushed where "
            f"Domino jobs run them. Push it: git push -u origin {branch}"
        ]
    name = upstream.stdout.strip()
    ahead = _git(root, "rev-list", "--count", f"{name}..HEAD").stdout.strip()
    count = int(ahead) if ahead.isdigit() else 0
    if count:
        return [
            f"{count} commit(s) on branch {branch} are not pushed to {name}; Domino jobs run "
            "the pushed commit, so they would run older code. Push them: git push"
        ]
    return []


def _git_result(problems: list[str], notes: list[str], allow_dirty: bool) -> list[Check]:
    out = [Check("warning", "git", note) for note in notes]
    for problem in problems:
        if allow_dirty:
            out.append(
                Check(
                    "warning",
                    "git",
                    f"{problem} (--allow-dirty: launching anyway; the jobs run the pushed "
                    "commit, without these changes)",
                )
            )
        else:
            out.append(Check("error", "git", f"{problem} (or pass --allow-dirty to launch anyway)"))
    return out
