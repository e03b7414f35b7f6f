"""Where a project is and where the kit keeps its state: one owner for both.

Standard library only: the command line, the in-job entrypoint and the run store all ask here.
"""

from __future__ import annotations

import errno
import functools
import os
from pathlib import Path

PROJECT_ROOT_VARIABLE = "DOMINO_FLOWS_PROJECT_ROOT"
# Files that mark a project's root (task commands and job folders are relative to it).
PROJECT_MARKERS = ("pyproject.toml", ".git", "setup.py", "setup.cfg")
STATE_DIR = ".domino-flows"
STORE_FILE = "runs.sqlite"


def project_root(start: Path) -> Path | None:
    """``DOMINO_FLOWS_PROJECT_ROOT``, else the nearest directory at or above ``start`` holding a
    project marker, else None."""
    override = os.environ.get(PROJECT_ROOT_VARIABLE)
    if override:
        return Path(override).resolve()
    for directory in (start, *start.parents):
        if any((directory / marker).exists() for marker in PROJECT_MARKERS):
            return directory
    return None


def default_project_root() -> Path:
    """The project of the current directory (or ``DOMINO_FLOWS_PROJECT_ROOT``), else the current
    directory itself."""
    cwd = Path.cwd()
    return project_root(cwd) or cwd


def project_of_file(file: str | Path) -> Path:
    """The project holding a flow file: jobs run from there, wherever the command was typed."""
    return (project_root(Path(file).resolve().parent) or default_project_root()).resolve()


def use_project(folder: str | Path) -> None:
    """``domino-flows --project DIR``: DIR is the project of every command of this process and
    of the jobs it starts (as ``DOMINO_FLOWS_PROJECT_ROOT`` makes it)."""
    os.environ[PROJECT_ROOT_VARIABLE] = str(Path(folder).resolve())


@functools.lru_cache(maxsize=64)
def state_dir(root: Path) -> Path:
    """The kit's own folder in a project: run store, job folders, artifacts, cached data.
    (Asked for about 16 times per task of a run: made once per project folder.)"""
    return root / STATE_DIR


def folder_problem(folder: Path, error: OSError) -> str:
    """Why ``folder`` could not be created, and what to do, for a one-line error. A file where a
    folder must be (``.domino-flows`` created as a file) is named: making it writable, the
    advice for a read-only project, would not help."""
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            if not candidate.is_dir():
                return (
                    f"{candidate} is a file, not a folder, so {folder} cannot be created. Move "
                    f"it aside (mv {candidate} {candidate}.old) and run again."
                )
            break
    if is_disk_full(error):  # not a permissions problem: no mode or copy would help
        return f"cannot create {folder}: {disk_full_problem(error)}"
    return (
        f"cannot create {folder}: {error.strerror}. Make the project folder writable, or work "
        "in a copy of the project."
    )


# A disk with no space left, or a quota used up: the same to the user, who must free space.
_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


def is_disk_full(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in _DISK_FULL


def disk_full_problem(error: OSError) -> str:
    """What a full disk means, in one sentence that names the file being written when known."""
    where = f" while writing {error.filename}" if error.filename else ""
    return f"the disk is full ({error.strerror}{where}). Free space on it"
