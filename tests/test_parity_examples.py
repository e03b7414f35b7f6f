"""The examples written in the style of Domino's public flows, run on the local backend.

A temporary project maps the examples' datasets, external data volume, NetApp volumes and bundle
to folders holding small files; each flow runs through ``domino-flows run`` (click's runner) with
real job subprocesses, and the volumes flow also through ``python flow.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from example_projects import examples_project, run

from domino_flows.cli import main
from domino_flows.records.store import RunStore

pytestmark = pytest.mark.slow


PYPROJECT = f"""
[project]
name = "parity"
version = "0"

[tool.domino_flows.environments."Python 3.11"]
python = "{sys.executable}"

[tool.domino_flows.hardware_tiers.Small]
cores = 1

[tool.domino_flows.datasets]
sales = "data/sales"
adam-exports = "data/exports"

[tool.domino_flows.volumes]
reference = "data/reference"

[tool.domino_flows.netapp_volumes]
sdtm-blind = "data/netapp/blind"
sdtm-unblind = "data/netapp/unblind"
study-share = "data/share"

[tool.domino_flows.bundles]
"QC bundle" = "data/bundle"
"""

FILES = {
    "data/reference/reference.csv": "a\n1\n2\n",  # 2 rows
    "data/netapp/blind/snapshots/1/study.csv": "s\n1\n2\n3\n",  # 3 subjects
    "data/netapp/unblind/snapshots/2/study.csv": "s\n1\n2\n3\n4\n",  # 4 rows
    "data/netapp/unblind/study.csv": "s\n1\n",  # the live volume, not snapshot 2
    "data/sales/snapshots/1/sales.csv": "x\n1\n",  # 1 row
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with examples_project(tmp_path_factory.mktemp("parity-project"), PYPROJECT, FILES) as root:
        yield root


def test_typed_artifacts_are_collected_with_their_types(project: Path) -> None:
    document = run("official_artifacts.py", "artifacts_flow", "--input", "rows=20")
    assert document["outputs"]["slope"] == pytest.approx(2.0, abs=0.2)
    artifacts = RunStore.for_project(project).artifacts(document["run_id"])
    found = {(a.artifact_name, a.artifact_type, a.file_name) for a in artifacts}
    assert found == {
        ("Prepared data", "DATA", "data.csv"),
        ("Trend model", "MODEL", "model.json"),
        ("Trend report", "REPORT", "report.pdf"),
    }


def test_volumes_and_snapshots_are_mounted_from_their_folders(project: Path) -> None:
    snapshot = json.dumps({"volumeId": "sdtm-unblind", "snapshotVersion": 2})
    document = run("official_volumes.py", "volumes_flow", "--input", f"snapshot={snapshot}")
    # 4 study rows (snapshot 2, not the live volume) + 2 reference rows + 1 sales row
    assert document["outputs"] == {"o0": 7}


def test_volumes_flow_with_python(project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "examples/official_volumes.py"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "7"


def test_an_unknown_snapshot_volume_fails_naming_the_table(project: Path) -> None:
    snapshot = json.dumps({"volumeId": "nowhere", "snapshotVersion": 1})
    result = CliRunner().invoke(
        main,
        ["run", "examples/official_volumes.py", "volumes_flow", "--input", f"snapshot={snapshot}"],
        catch_exceptions=False,
    )
    assert result.exit_code != 0
    assert "NetApp volume 'nowhere'" in result.output
    assert '[tool.domino_flows.netapp_volumes] "nowhere"' in result.output


def test_export_copies_artifacts_to_dataset_volume_and_bundle(project: Path) -> None:
    run("official_export.py", "export_flow")
    data = project / "data"
    assert sorted(p.name for p in (data / "exports").iterdir()) == ["adsl.csv", "fit.json"]
    assert sorted(p.name for p in (data / "share" / "ADaM_Datasets").iterdir()) == [
        "adsl.csv",
        "fit.json",
    ]
    assert [p.name for p in (data / "bundle" / "TFL Reports").iterdir()] == ["summary.pdf"]
    assert (data / "exports" / "adsl.csv").read_text().startswith("x,y\n")
