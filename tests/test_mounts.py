"""Local data sources: [tool.domino_flows] folder tables, a job's mounts, and exposing them."""

from __future__ import annotations

from pathlib import Path

import pytest

from domino_flows import export_job
from domino_flows.authoring.config import DatasetSnapshot, DominoJobConfig
from domino_flows.authoring.mounts import Mount, expose, job_mounts
from domino_flows.contract.data_sources import ExternalDataVolume, NetAppVolumeSnapshot
from domino_flows.core.errors import ConfigurationError
from domino_flows.core.project import parse_settings
from domino_flows.runner.inputs import InputError, parse_text


def _settings(root: Path, **tables: dict[str, str]):
    return parse_settings(dict(tables), root, root / "pyproject.toml")


def test_folder_tables_are_read_relative_to_the_project(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        datasets={"sales": "data/sales"},
        volumes={"nfs": "/srv/nfs"},
        netapp_volumes={"vol-1": "netapp"},
        bundles={"QC": "bundles/qc"},
    )
    assert settings.datasets == {"sales": tmp_path / "data/sales"}
    assert settings.volumes == {"nfs": Path("/srv/nfs")}
    assert settings.netapp_volumes == {"vol-1": tmp_path / "netapp"}
    assert settings.bundles == {"QC": tmp_path / "bundles/qc"}


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        ({"datasets": {"sales": 3}}, r"\[tool.domino_flows.datasets\] 'sales' = 3; give a folder"),
        ({"volumes": {"a/b": "x"}}, "a name cannot contain '/'"),
        ({"netapp_volumes": "x"}, "netapp_volumes must be a table"),
    ],
)
def test_bad_folder_tables_name_the_key(tmp_path: Path, tables: dict, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        _settings(tmp_path, **tables)


def test_a_job_sees_every_configured_dataset_and_what_it_asks_for(tmp_path: Path) -> None:
    (tmp_path / "sales" / "snapshots" / "2").mkdir(parents=True)
    settings = _settings(
        tmp_path,
        datasets={"sales": "sales", "other": "other"},
        volumes={"nfs": "nfs"},
        netapp_volumes={"vol-1": "netapp"},
    )
    config = DominoJobConfig(
        Command="x",
        DatasetSnapshots=[DatasetSnapshot(Name="sales", Version=2)],
        ExternalDataVolumes=[ExternalDataVolume(Name="nfs")],
        NetAppVolumeSnapshots=[NetAppVolumeSnapshot(Id="vol-1", Version=5)],
    )
    mounts = {m.domino_path: (m.folder, m.read_only) for m in job_mounts(config, settings)}
    assert mounts == {
        "/domino/datasets/local/other": (tmp_path / "other", False),
        "/domino/datasets/local/sales": (tmp_path / "sales", False),
        "/domino/datasets/local/snapshots/sales/2": (tmp_path / "sales/snapshots/2", True),
        "/mnt/data/sales": (tmp_path / "sales/snapshots/2", True),
        "/mnt/data/nfs": (tmp_path / "nfs", False),
        # no snapshots/5 folder: the volume's folder stands for every version
        "/mnt/netapp-volumes/vol-1": (tmp_path / "netapp", True),
        "/domino/netapp-volumes/vol-1": (tmp_path / "netapp", True),
    }


def test_snapshot_given_at_launch_is_mounted_from_the_input_value(tmp_path: Path) -> None:
    settings = _settings(tmp_path, netapp_volumes={"vol-2": "v2"})
    config = DominoJobConfig(Command="x", NetAppVolumeSnapshotInputs=["snap"])
    for value in (NetAppVolumeSnapshot("vol-2", 1), {"volumeId": "vol-2", "snapshotVersion": 1}):
        paths = [m.domino_path for m in job_mounts(config, settings, {"snap": value})]
        assert "/mnt/netapp-volumes/vol-2" in paths
    with pytest.raises(ConfigurationError, match="task 't': input 'snap'"):
        job_mounts(config, settings, {"snap": "vol-2"}, task="t")


def test_data_a_task_asks_for_must_be_configured(tmp_path: Path) -> None:
    settings = _settings(tmp_path, volumes={"nfs": "nfs"})
    config = DominoJobConfig(Command="x", ExternalDataVolumes=[ExternalDataVolume(Name="share")])
    with pytest.raises(ConfigurationError) as caught:
        job_mounts(config, settings, task="load")
    text = str(caught.value)
    assert "task 'load' uses external data volume 'share'" in text
    assert "(volumes: nfs)" in text
    assert '[tool.domino_flows.volumes] "share" = "<folder>"' in text


def test_expose_links_domino_paths_under_the_job_root(tmp_path: Path) -> None:
    folder = tmp_path / "sales"
    root = tmp_path / "job" / "root"
    mounts = [Mount("/domino/datasets/local/sales", folder)]
    expose(root, mounts)
    expose(root, mounts)  # a second staging of the same attempt is fine
    link = root / "domino/datasets/local/sales"
    assert link.is_symlink() and link.resolve() == folder.resolve() and folder.is_dir()
    (root / "mnt/data/x").mkdir(parents=True)
    with pytest.raises(ConfigurationError, match="already exists and is not a link"):
        expose(root, [Mount("/mnt/data/x", folder)])


def test_netapp_snapshot_inputs_parse_domino_json() -> None:
    value = parse_text("snap", '{"volumeId": "vol-1", "snapshotVersion": 2}', NetAppVolumeSnapshot)
    assert value == NetAppVolumeSnapshot("vol-1", 2)
    with pytest.raises(InputError, match="input 'snap'.*snapshotVersion"):
        parse_text("snap", '{"volumeId": "vol-1"}', NetAppVolumeSnapshot)


# --- the export job -------------------------------------------------------------------------------


def _plan(kind: str, target: str, path: str = "") -> dict:
    files = [{"input": "file_0", "file": "adsl.csv", "artifact": "ADaM", "type": "DATA"}]
    return {"exports": [{"kind": kind, "targets": [target], "path": path, "files": files}]}


def test_export_copies_files_to_the_mounted_target(tmp_path: Path) -> None:
    source = tmp_path / "in" / "file_0"
    source.parent.mkdir()
    source.write_text("a,b\n")
    root = tmp_path / "root"
    (root / "mnt/netapp-volumes/vol-1").mkdir(parents=True)
    (root / "domino-flows/bundles/QC").mkdir(parents=True)
    written = export_job.export(_plan("netapp_volume", "vol-1", "adam"), {"file_0": source}, root)
    assert written == [root / "mnt/netapp-volumes/vol-1/adam/adsl.csv"]
    written = export_job.export(_plan("bundle", "QC"), {"file_0": source}, root)
    assert written[0].read_text() == "a,b\n" and written[0].parent.name == "ADaM"


def test_export_to_a_target_that_is_not_mounted_fails_the_task(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOMINO_FLOWS_OUTPUTS_DIR", str(tmp_path / "outputs"))
    with pytest.raises(SystemExit):
        export_job.export(_plan("dataset", "adam"), {}, tmp_path / "root")
    error = (tmp_path / "outputs" / "_ERROR").read_text()
    assert "dataset 'adam' is not mounted" in error
    assert '[tool.domino_flows.datasets] "adam" = "<folder>"' in error
