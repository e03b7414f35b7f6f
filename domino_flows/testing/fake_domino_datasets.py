"""The fake Domino's datasets: read-write folders its jobs see, and the snapshots made of them.

- Each dataset added with ``add_dataset`` has a read-write folder (:meth:`dataset_folder`),
  which every job sees at ``$DOMINO_DATASETS_DIR/<name>`` (Domino sets that variable in jobs;
  on Domino it is a mount, ``/domino/datasets/local/<name>``; here a folder of the fake's work
  folder, given to the job's user like everything a job writes).
- ``GET /api/datasetrw/v1/datasets`` lists them (``DatasetRwDetailsV1``, with their
  ``snapshotIds`` oldest first).
- ``POST /api/datasetrw/v1/datasets/{datasetId}/snapshots`` (``NewSnapshotV1`` in,
  ``SnapshotEnvelopeV1`` out) copies the named files, relative to the read-write folder, into the
  next numbered snapshot folder, :meth:`snapshot_folder` (Domino's
  ``/domino/datasets/local/snapshots/<name>/<N>``), so a test reads back what the snapshot holds.
  A path that is absolute, climbs out of the dataset or names nothing is refused (400) and no
  snapshot is made. ``GET .../datasets/{datasetId}/snapshots`` and
  ``GET /api/datasetrw/v1/snapshots/{snapshotId}`` read them back.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path
from typing import Any

from domino_flows.testing import fake_domino_bodies as bodies
from domino_flows.testing.fake_domino_http import Response, error_response, json_response
from domino_flows.testing.fake_domino_jobs import new_id

DATASETS_FOLDER = "datasets"  # in the fake's work folder: local/<name>, local/snapshots/<name>/N
CREATOR_ID = "6231342b7a0af0281c01a69f"


class DatasetApi:
    """Datasets, their read-write folders and snapshots; a mixin of ``FakeDomino``."""

    workdir: Path
    project_id: str
    datasets: dict[str, str]  # name -> id
    _lock: threading.RLock

    @property
    def dataset_snapshots(self) -> dict[str, list[dict[str, Any]]]:
        """Dataset name -> its snapshots (``SnapshotDetailsV1`` bodies), oldest first."""
        if not hasattr(self, "_dataset_snapshots"):
            self._dataset_snapshots: dict[str, list[dict[str, Any]]] = {}
        return self._dataset_snapshots

    @property
    def datasets_root(self) -> Path:
        """What jobs see as ``$DOMINO_DATASETS_DIR``."""
        return self.workdir / DATASETS_FOLDER / "local"

    def dataset_folder(self, name: str) -> Path:
        """Dataset ``name``'s read-write folder."""
        return self.datasets_root / name

    def snapshot_folder(self, name: str, version: int) -> Path:
        """What snapshot ``version`` (from 1) of dataset ``name`` holds."""
        return self.datasets_root / "snapshots" / name / str(version)

    def datasets_environment(self) -> dict[str, str]:
        return {"DOMINO_DATASETS_DIR": str(self.datasets_root)}

    def _name_of(self, dataset_id: str) -> str | None:
        return next((n for n, i in self.datasets.items() if i == dataset_id), None)

    def _api_datasets(self, params: Any, query: dict[str, str], body: bytes) -> Response:
        offset, limit = int(query.get("offset", 0)), int(query.get("limit", 10))
        with self._lock:
            items = [
                bodies.dataset(
                    dataset_id,
                    name,
                    self.project_id,
                    [s["id"] for s in self.dataset_snapshots.get(name, [])],
                )
                for name, dataset_id in sorted(self.datasets.items())
            ]
        if query.get("projectId") not in (None, self.project_id):
            items = []
        return json_response(
            200,
            {
                "datasets": items[offset : offset + limit],
                "metadata": bodies.metadata(offset, limit, len(items)),
            },
        )

    def _api_create_snapshot(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        name = self._name_of(params["datasetId"])
        if name is None:
            return error_response(404, f"dataset {params['datasetId']} not found")
        paths = json.loads(body or b"{}")["relativeFilePaths"]
        folder = self.dataset_folder(name).resolve()
        sources = []
        for path in paths:
            source = (folder / path).resolve()
            climbs = ".." in Path(path).parts or not source.is_relative_to(folder)
            if path.startswith("/") or climbs or not source.exists():
                return error_response(400, f"{path!r} is not a path in dataset {name!r}")
            sources.append((path, source))
        with self._lock:
            snapshots = self.dataset_snapshots.setdefault(name, [])
            target = self.snapshot_folder(name, len(snapshots) + 1)
            for path, source in sources:
                (target / path).parent.mkdir(parents=True, exist_ok=True)
                if source.is_dir():
                    shutil.copytree(source, target / path, dirs_exist_ok=True)
                else:
                    shutil.copyfile(source, target / path)
            target.mkdir(parents=True, exist_ok=True)
            snapshot = {
                "id": new_id("snapshot", name, len(snapshots))[:24],
                "datasetId": params["datasetId"],
                "creatorId": CREATOR_ID,
                "createdAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
                "status": "active",
            }
            snapshots.append(snapshot)
        return json_response(200, {"snapshot": snapshot, "metadata": _metadata()})

    def _api_dataset_snapshots(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        name = self._name_of(params["datasetId"])
        if name is None:
            return error_response(404, f"dataset {params['datasetId']} not found")
        offset, limit = int(query.get("offset", 0)), int(query.get("limit", 10))
        items = list(self.dataset_snapshots.get(name, []))
        return json_response(
            200,
            {
                "snapshots": items[offset : offset + limit],
                "metadata": bodies.metadata(offset, limit, len(items)),
            },
        )

    def _api_snapshot(self, params: dict[str, str], query: Any, body: bytes) -> Response:
        with self._lock:
            for snapshots in self.dataset_snapshots.values():
                for snapshot in snapshots:
                    if snapshot["id"] == params["snapshotId"]:
                        return json_response(200, {"snapshot": snapshot, "metadata": _metadata()})
        return error_response(404, f"snapshot {params['snapshotId']} not found")


def _metadata() -> dict[str, Any]:
    """``MetadataV1``."""
    return {"requestId": new_id("request"), "notices": []}
