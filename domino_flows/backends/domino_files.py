"""One archive in, one archive out: what a task attempt puts into and takes out of project files.

Staging an attempt uploads a single file, ``job.pyz``: a Python zip application whose
``__main__.py`` is the bootstrap (``domino_bootstrap.py``), with the manifest ``job.json`` and the
inputs as the job I/O contract writes them. The job unpacks it, runs the task, and leaves one
``outputs.zip`` in its output commit, which the backend downloads in one request and unpacks
locally for ``contract.read_outputs``.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from domino_flows.backends import domino_bootstrap, domino_job_datasets
from domino_flows.backends.base import JobSpec
from domino_flows.contract import tracking_job
from domino_flows.contract import values as contract
from domino_flows.core.errors import TaskFailedError


def build_archive(spec: JobSpec, values: dict[str, Any], manifest: dict[str, Any]) -> bytes:
    """The attempt's ``job.pyz``: bootstrap, manifest and inputs."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="domino-flows-stage-") as temp:
        inputs = Path(temp) / domino_bootstrap.INPUTS_FOLDER
        contract.write_inputs(inputs, values, spec.input_types)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
            bundle.write(domino_bootstrap.__file__, "__main__.py")
            # the job's MLflow run is written by the job itself (see tracking_job)
            bundle.write(tracking_job.__file__, domino_bootstrap.TRACKING_MODULE + ".py")
            if manifest.get("datasets"):  # the job copies registered DATA files into datasets
                bundle.write(domino_job_datasets.__file__, domino_bootstrap.DATASETS_MODULE + ".py")
            bundle.writestr(
                domino_bootstrap.MANIFEST_FILE, json.dumps(manifest, indent=2, sort_keys=True)
            )
            for path in sorted(inputs.rglob("*")):
                name = path.relative_to(inputs.parent).as_posix()
                if path.is_dir():
                    bundle.writestr(name + "/", b"")
                elif path.is_file():
                    bundle.write(path, name)
            if not any(inputs.iterdir()):
                bundle.writestr(domino_bootstrap.INPUTS_FOLDER + "/", b"")
    return buffer.getvalue()


def unpack_outputs(data: bytes, target: Path, where: str) -> None:
    """Unpack a job's ``outputs.zip`` into ``target`` (emptied first); members that would land
    outside it are refused."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    try:
        bundle = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise TaskFailedError(
            f"{where}: the job's {domino_bootstrap.OUTPUTS_ARCHIVE} is not a zip archive; the "
            "project's files may have been changed by hand. Rerun the task."
        ) from None
    with bundle:
        for member in bundle.namelist():
            parts = PurePosixPath(member).parts
            if member.startswith("/") or ".." in parts:
                raise TaskFailedError(
                    f"{where}: the job's outputs hold {member!r}, a path outside the outputs "
                    "folder; the outputs were not read."
                )
        bundle.extractall(target)


def error_text_of(data: bytes) -> str:
    """The ``_ERROR`` inside an ``outputs.zip``, or ""."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as bundle:
            if domino_bootstrap.ERROR_FILE in bundle.namelist():
                raw = bundle.read(domino_bootstrap.ERROR_FILE)
                return raw[: domino_bootstrap.ERROR_FILE_LIMIT].decode("utf-8", "replace")
    except zipfile.BadZipFile:
        return ""
    return ""


def _report_of(data: bytes, name: str) -> dict[str, Any]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as bundle:
            if name not in bundle.namelist():
                return {}
            report = json.loads(bundle.read(name).decode("utf-8"))
    except (zipfile.BadZipFile, ValueError):
        return {}
    return report if isinstance(report, dict) else {}


def tracking_report_of(data: bytes) -> dict[str, str]:
    """What the job reported of its own records (``_TRACKING.json`` in its ``outputs.zip``)."""
    report = _report_of(data, domino_bootstrap.TRACKING_REPORT)
    return {str(k): str(v) for k, v in report.items() if isinstance(v, (str, int))}


def datasets_report_of(data: bytes) -> dict[str, Any]:
    """What the job wrote into datasets, or why not (``_DATASETS.json`` in ``outputs.zip``)."""
    return _report_of(data, domino_job_datasets.REPORT)
