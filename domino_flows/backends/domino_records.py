"""What a run on the domino backend leaves for Domino's users besides its jobs: job tags,
registered model versions and dataset snapshots (a mixin of ``DominoBackend``; the MLflow runs are
written by the jobs themselves, see ``contract/tracking_job.py``).

A DATA artifact with ``register=`` becomes a dataset snapshot the way Domino makes them, from
files in the dataset's read-write folder:

1. before any job starts, the dataset's name is resolved through
   ``GET /api/datasetrw/v1/datasets?projectId=...`` (:meth:`check_dataset`; an unknown name is
   refused, listing the project's datasets, closest name first);
2. the attempt's manifest names, per such output, the dataset, where a job finds its read-write
   folder and a folder unique to the run, task and attempt inside it (:func:`dataset_outputs`):
   ``domino-flows/<run>/<task>/attempt-<n>/``. The job copies the files there once the task
   succeeded (``domino_job_datasets.py``) and reports their paths in its ``outputs.zip``;
3. the runner then asks ``POST /api/datasetrw/v1/datasets/{datasetId}/snapshots``
   (``NewSnapshotV1 {relativeFilePaths}``) for exactly those files; the snapshot's version is
   its position among the dataset's ``snapshotIds`` (Domino numbers snapshots from 1 and mounts
   snapshot N at ``/domino/datasets/local/snapshots/<name>/N``).

Where a job finds a dataset's read-write folder: ``$DOMINO_DATASETS_DIR/<name>`` where Domino sets
that variable; else ``/domino/datasets/local/<name>`` in a DFS project and ``/mnt/data/<name>`` in
a git-based one, each tried after the other (Domino's "file location of datasets" rules).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from domino_flows.authoring.artifacts import artifact_of
from domino_flows.backends.base import JobHandle, JobSpec
from domino_flows.backends.domino_api import DominoRoutes
from domino_flows.backends.domino_files import datasets_report_of, tracking_report_of
from domino_flows.backends.domino_jobs import slug
from domino_flows.backends.domino_names import DominoNames
from domino_flows.core.errors import ConfigurationError, DominoFlowsError

DATASETS_FOLDER = "domino-flows"  # inside a dataset: the files of each attempt that wrote to it
DFS_DATASETS = "/domino/datasets/local"
GIT_DATASETS = "/mnt/data"


class SnapshotError(DominoFlowsError):
    """A dataset snapshot a task asked for was not made (what was written is said)."""


def dataset_folders(project_type: str, name: str) -> list[str]:
    """Where a job may find dataset ``name``'s read-write folder, the project type's first."""
    dfs, git = f"{DFS_DATASETS}/{name}", f"{GIT_DATASETS}/{name}"
    return [git, dfs] if project_type == "git" else [dfs, git]


def attempt_folder(run_id: str, task: str, attempt: int) -> str:
    """The folder, inside a dataset, holding what one attempt wrote to it."""
    return f"{DATASETS_FOLDER}/{slug(run_id, 48)}/{slug(task, 60)}/attempt-{attempt}"


def dataset_outputs(spec: JobSpec, project_type: str) -> dict[str, dict[str, Any]]:
    """The manifest's ``datasets``: each registered DATA output's dataset, folders, file."""
    wanted = {}
    for output, python_type in sorted(spec.output_types.items()):
        artifact = artifact_of(python_type) or {}
        if artifact.get("dataset"):
            wanted[output] = {
                "dataset": artifact["dataset"],
                "folders": dataset_folders(project_type, artifact["dataset"]),
                "target": attempt_folder(spec.run_id, spec.task, spec.attempt),
                "file": artifact.get("file") or output,
            }
    return wanted


def closest_first(name: str, known: list[str]) -> list[str]:
    return sorted(known, key=lambda k: (-difflib.SequenceMatcher(None, name, k).ratio(), k))


class DominoRecords:
    """Job tags, model versions and dataset snapshots; a mixin of ``DominoBackend``."""

    routes: DominoRoutes
    project: str
    _names: DominoNames

    @property
    def project_id(self) -> str:
        raise NotImplementedError

    def _finished_outputs(self, handle: JobHandle) -> bytes | None:
        raise NotImplementedError

    def records_in_job(self) -> bool:
        return True  # Domino links an MLflow run to the job that wrote it

    def tag_job(self, handle: JobHandle, tags: list[str]) -> None:
        for tag in tags:
            self.routes.tag_job(handle.job_id, self.project_id, tag)

    def register_model(
        self,
        handle: JobHandle,
        name: str,
        mlflow_run_id: str,
        artifact_path: str,
        store: str | None,
    ) -> str:
        description = f"task {handle.task} of run {handle.run_id} (job {handle.job_id})"
        version = self.routes.register_model_version(
            self.project_id, name, mlflow_run_id, artifact_path, description
        )
        return str(version)

    def job_records(self, handle: JobHandle) -> dict[str, str]:
        data = self._finished_outputs(handle)
        return tracking_report_of(data) if data else {}

    def check_dataset(self, task: str, name: str) -> None:
        known = self._names.dataset_ids()
        if name in known:
            return
        listed = ", ".join(repr(n) for n in closest_first(name, list(known))) or "(none)"
        raise ConfigurationError(
            f"task {task!r}: a DATA artifact is registered to dataset {name!r} (register=), which "
            f"Domino project {self.project} does not have. Its datasets, closest first: {listed}. "
            "Fix register= on the Artifact, or create the dataset in the project (Data > "
            "Domino Datasets)."
        )

    def snapshot_dataset(
        self, handle: JobHandle, name: str, files: list[tuple[Path, str]]
    ) -> dict[str, Any]:
        """Snapshot the files the attempt's job wrote into dataset ``name`` (``files`` are the
        runner's copies: Domino snapshots what is in the dataset, so they are not sent)."""
        data = self._finished_outputs(handle)
        written = datasets_report_of(data).get(name) if data else None
        if not isinstance(written, dict) or not written.get("files"):
            why = (written or {}).get("error") if isinstance(written, dict) else None
            raise SnapshotError(
                f"job {handle.job_id} wrote no files to dataset {name!r}"
                + (f": {why}" if why else " (its outputs do not say it did)")
            )
        paths = [str(p) for p in written["files"]]
        where = f"the files are in the dataset at {written.get('target', '')}/"
        self.check_dataset(handle.task, name)
        dataset_id = self._names.dataset_ids()[name]
        try:
            snapshot = self.routes.create_snapshot(dataset_id, paths)
        except DominoFlowsError as error:
            raise SnapshotError(f"Domino refused the snapshot: {error}; {where}") from None
        snapshot_id = str(snapshot["id"])
        return {
            "dataset": name,
            "dataset_id": dataset_id,
            "snapshot": snapshot_id,
            "version": self._snapshot_version(dataset_id, snapshot_id),
            "status": str(snapshot.get("status", "")),
            "files": paths,
        }

    def _snapshot_version(self, dataset_id: str, snapshot_id: str) -> int | None:
        """The snapshot's number: its position among the dataset's snapshots (None if the
        listing does not show it, rather than a guess)."""
        try:
            datasets = self.routes.datasets(self.project_id)
        except DominoFlowsError:
            return None
        for dataset in datasets:
            ids = [str(i) for i in dataset.get("snapshotIds") or []]
            if dataset.get("id") == dataset_id and snapshot_id in ids:
                return ids.index(snapshot_id) + 1
        return None
