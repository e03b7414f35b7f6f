"""The host's side of local jobs' filesystems, asked once per backend (per run): the plans are
the ones asked anew would be, and the host's folders are listed once, not once per job."""

from __future__ import annotations

from pathlib import Path

import pytest

from domino_flows.backends import local_mounts
from domino_flows.core.project import FilesystemSettings


def job(tmp_path: Path, name: str, custom: bool = False) -> Path:
    folder = tmp_path / "jobs" / name
    (folder / "root").mkdir(parents=True)
    if custom:  # a custom Domino path: its own bind, and other targets to pass /mnt through
        (folder / "root" / "mnt" / "data" / "x").mkdir(parents=True)
    return folder


def test_plans_with_shared_host_folders_are_the_plans_asked_anew(tmp_path: Path) -> None:
    host = local_mounts.HostFolders()
    settings = FilesystemSettings()
    for name, custom in (("a", False), ("b", True), ("c", False), ("d", True)):
        folder = job(tmp_path, name, custom)
        shared = local_mounts.plan_for(tmp_path, settings, folder, host)
        assert shared == local_mounts.plan_for(tmp_path, settings, folder)


def test_the_host_is_listed_once_per_set_of_targets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed: list[str] = []
    real = local_mounts._passed_through

    def counting(top: str, targets: list[str]) -> list[tuple[str, str]]:
        listed.append(top)
        return real(top, targets)

    monkeypatch.setattr(local_mounts, "_passed_through", counting)
    host = local_mounts.HostFolders()
    for name in ("a", "b", "c"):
        local_mounts.plan_for(tmp_path, FilesystemSettings(), job(tmp_path, name), host)
    assert listed == ["/mnt"]
    local_mounts.plan_for(tmp_path, FilesystemSettings(), job(tmp_path, "d", custom=True), host)
    assert listed == ["/mnt", "/mnt"]  # other targets: asked for those


def test_a_missing_mount_point_is_reported_for_every_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_mounts, "_as_root", lambda: False)
    host = local_mounts.HostFolders()
    plan = local_mounts.plan_for(tmp_path, FilesystemSettings(), job(tmp_path, "a"), host)
    plan = local_mounts.MountPlan(
        plan.staging, plan.binds, (str(tmp_path / "absent"),), plan.workdir, "git", True
    )
    for _ in range(2):
        problem = host.mount_point_problem(plan)
        assert problem is not None and f"sudo mkdir -p {tmp_path / 'absent'}" in problem
