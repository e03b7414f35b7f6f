"""The export task's job: copy a run's artifact files to datasets, NetApp volumes and bundles.

Run as ``python -m domino_flows.export_job`` by the task ``run_launch_export_artifacts_task``
adds. It reads the plan (input ``export_plan``: JSON written at definition time) and the artifact
files (inputs ``file_0``, ``file_1`` ...), and copies each file to

- a dataset:       ``/domino/datasets/local/<dataset>/<target path>/<file>`` (or ``/mnt/data/...``)
- a NetApp volume: ``/mnt/netapp-volumes/<volume>/<target path>/<file>``
  (or ``/domino/netapp-volumes/...``)
- a bundle:        ``/domino-flows/bundles/<bundle>/<artifact>/<file>`` (the kit's own path; locally
  the folder of ``[tool.domino_flows.bundles]``)

Paths are taken under ``DOMINO_FLOWS_ROOT`` when it is set (the local backend's stand-in for
``/``). A target that is not mounted fails the task, naming it. Standard library only.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from domino_flows import job

COMMAND = "python -m domino_flows.export_job"
# Why this job runs only on the local backend: said by ``submit`` and by the domino backend.
NOT_ON_DOMINO = (
    "it is domino-flows' export job (run_launch_export_artifacts_task), which runs with "
    "`domino-flows run` on the local backend only. On Domino Flows, Domino performs the export "
    "itself when the run completes, and no published route lets the kit hand an export to it; "
    "as a plain job it would need domino-flows installed in the job's environment, it names "
    "datasets by id where Domino mounts them by name, and no published route attaches files to "
    "a governance bundle. Remove the export from the flow for Domino, or export with "
    "`domino-flows run`."
)

ROOTS = {
    "dataset": ("/domino/datasets/local", "/mnt/data"),
    "netapp_volume": ("/mnt/netapp-volumes", "/domino/netapp-volumes"),
    "bundle": ("/domino-flows/bundles",),
}
LABELS = {"dataset": "dataset", "netapp_volume": "NetApp volume", "bundle": "bundle"}
TABLES = {"dataset": "datasets", "netapp_volume": "netapp_volumes", "bundle": "bundles"}


def _mounted(kind: str, target: str, root: Path) -> Path:
    """The folder where ``target`` is mounted, or fail the task naming it."""
    candidates = [root / base.lstrip("/") / target for base in ROOTS[kind]]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    shown = ", ".join("/" + str(c.relative_to(root)) for c in candidates)
    job.fail(
        f"export: {LABELS[kind]} {target!r} is not mounted in this job (looked at {shown}). "
        f"On Domino, mount it read-write in the project; locally, add "
        f'[tool.domino_flows.{TABLES[kind]}] "{target}" = "<folder>" to pyproject.toml.'
    )


def export(plan: dict[str, Any], files: dict[str, Path], root: Path) -> list[Path]:
    """Copy every planned file; returns the paths written."""
    written = []
    for entry in plan.get("exports", []):
        kind = entry["kind"]
        for target in entry["targets"]:
            base = _mounted(kind, target, root)
            for item in entry["files"]:
                source = files.get(item["input"])
                if source is None:
                    job.fail(f"export: input {item['input']!r} ({item['file']}) is missing.")
                folder = base / entry.get("path", "") if entry.get("path") else base
                if kind == "bundle":
                    folder = base / item["artifact"].replace("/", "_")
                folder.mkdir(parents=True, exist_ok=True)
                destination = folder / item["file"]
                if source.is_dir():
                    shutil.copytree(source, destination, dirs_exist_ok=True)
                else:
                    shutil.copyfile(source, destination)
                print(f"exported {item['artifact']} / {item['file']} to {LABELS[kind]} {target}")
                written.append(destination)
    return written


def main() -> None:
    plan = json.loads(job.read_input("export_plan", str))
    files = {name: path for name, path in job.inputs().items() if name.startswith("file_")}
    root = Path(os.environ.get("DOMINO_FLOWS_ROOT") or "/")
    export(plan, files, root)


if __name__ == "__main__":
    main()
