"""In a Domino job: copy the task's ``Artifact(..., DATA, register=...)`` files into datasets.

Domino snapshots files already in a dataset's read-write folder, so the job puts them there and
the runner then asks for the snapshot (``domino_records``). Carried in the attempt's ``job.pyz``
as ``domino_flows_datasets.py`` and run by the bootstrap once the task succeeded; standard library
only, like the bootstrap.

The manifest's ``datasets`` maps each such output to ``{dataset, folders, target, file}``: the
dataset's name, where the job may find its read-write folder (``$DOMINO_DATASETS_DIR/<name>``
first, where Domino sets it), the folder unique to the attempt inside it, and the file's name.
Each dataset's files are copied into a hidden folder beside the target first and renamed into
place, so a failed copy leaves nothing behind. What was written, or why not, goes back to the
runner in ``_DATASETS.json`` among the outputs: ``{dataset: {target, files}}`` or
``{dataset: {target, error}}``.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DATASETS_DIR_VARIABLE = "DOMINO_DATASETS_DIR"  # set by Domino: where datasets are mounted
REPORT = "_DATASETS.json"


def read_write_folder(name: str, folders: list[str], env: Mapping[str, str]) -> Path | None:
    """Dataset ``name``'s read-write folder as this job sees it, or None when it is not mounted."""
    base = env.get(DATASETS_DIR_VARIABLE)
    for candidate in ([f"{base}/{name}"] if base else []) + list(folders):
        if os.path.isdir(candidate):
            return Path(candidate)
    return None


def _copy(outputs: Path, root: Path, target: str, files: list[tuple[str, str]]) -> list[str]:
    """Copy ``(output, file name)`` pairs into ``root/target``; their paths relative to root."""
    final = root / target
    pending = final.parent / f".{final.name}.pending"
    shutil.rmtree(pending, ignore_errors=True)
    pending.mkdir(parents=True)
    try:
        for output, file_name in files:
            shutil.copyfile(outputs / output, pending / file_name)
        shutil.rmtree(final, ignore_errors=True)  # an earlier try of this very attempt
        pending.rename(final)
    except OSError:
        shutil.rmtree(pending, ignore_errors=True)
        raise
    return [f"{target}/{file_name}" for _, file_name in files]


def write(outputs: Path, wanted: dict[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """Copy every wanted output into its dataset; the report (also left in ``outputs``)."""
    by_dataset: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for output, want in sorted(wanted.items()):
        by_dataset.setdefault(want["dataset"], []).append((output, want))
    report: dict[str, Any] = {}
    for name, items in sorted(by_dataset.items()):
        target = items[0][1]["target"]
        folders = list(items[0][1].get("folders", []))
        root = read_write_folder(name, folders, env)
        if root is None:
            looked = [f"${DATASETS_DIR_VARIABLE}/{name}", *folders]
            report[name] = {
                "target": target,
                "error": f"dataset {name!r} is not mounted in this job (looked at "
                f"{', '.join(looked)}); mount it in the project, or check its name",
            }
            continue
        files = [(output, want["file"]) for output, want in items]
        try:
            report[name] = {"target": target, "files": _copy(outputs, root, target, files)}
        except OSError as error:
            report[name] = {
                "target": target,
                "error": f"the files could not be written to dataset {name!r} at {root}: {error}",
            }
    for name, done in report.items():  # in the job's log
        said = done.get("error") or f"wrote {', '.join(done['files'])}"
        print(f"[domino-flows] dataset {name!r}: {said}", file=sys.stderr, flush=True)
    if report:
        (outputs / REPORT).write_text(json.dumps(report, sort_keys=True), encoding="utf-8")
    return report
