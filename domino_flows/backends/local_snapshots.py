"""Dataset snapshots on the local backend: ``Artifact(name, DATA, register="features")``.

A dataset is the folder ``[tool.domino_flows.datasets]`` maps its name to (relative paths from the
project root). Each snapshot is a new numbered folder in it, ``snapshots/<version>/``, holding the
files the task wrote; versions count from 1 as Domino's do. The files are copied into a hidden
folder first and renamed into place, so a failed copy leaves no partial snapshot.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from domino_flows.core.errors import ConfigurationError
from domino_flows.core.project import ProjectSettings, did_you_mean

SNAPSHOTS = "snapshots"


def dataset_folder(settings: ProjectSettings, project_root: Path, task: str, name: str) -> Path:
    """The folder of dataset ``name``, or a ConfigurationError naming the setting."""
    folder = settings.datasets.get(name)
    if folder is None:
        known = sorted(settings.datasets)
        where = settings.pyproject or project_root / "pyproject.toml"
        raise ConfigurationError(
            f"task {task!r}: a DATA artifact is registered to dataset {name!r}, which "
            f"[tool.domino_flows.datasets] in {where} does not name"
            + (f" (it names {', '.join(map(repr, known))})" if known else "")
            + "."
            + did_you_mean(name, known)
            + f' Add {name} = "<folder>" there, or fix register= on the Artifact.'
        )
    return folder if folder.is_absolute() else project_root / folder


def new_snapshot(folder: Path, files: list[tuple[Path, str]]) -> dict[str, Any]:
    """Copy ``files`` into the dataset's next snapshot folder; its version and path."""
    if not files:
        raise ConfigurationError(f"no files to snapshot into dataset folder {folder}")
    root = folder / SNAPSHOTS
    root.mkdir(parents=True, exist_ok=True)
    taken = [int(p.name) for p in root.iterdir() if p.name.isdigit()]
    version = max(taken, default=0) + 1
    pending = root / f".{version}.pending"
    shutil.rmtree(pending, ignore_errors=True)
    pending.mkdir()
    try:
        for path, file_name in files:
            shutil.copy2(path, pending / file_name)
        pending.rename(root / str(version))
    except OSError as error:
        shutil.rmtree(pending, ignore_errors=True)
        raise ConfigurationError(
            f"snapshot {version} of dataset folder {folder} could not be written: {error}"
        ) from None
    return {"snapshot": str(root / str(version)), "version": version}
