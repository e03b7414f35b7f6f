"""Domino's filesystem for local jobs: ``/workflow``, ``/mnt/code`` (or ``/mnt``),
``/mnt/artifacts`` and Domino's data paths, in a private mount namespace per job (Linux).

Stage scripts written for Domino open ``/workflow/inputs/<name>`` and run as
``python /mnt/code/scripts/x.py``. A local job gets those paths without touching the host: it runs
in its own mount namespace where

- ``/workflow/inputs`` and ``/workflow/outputs`` are bind mounts of its job folder's ``inputs/`` and
  ``outputs/`` (so concurrent jobs each see their own);
- the project is at ``/mnt/code`` (``project_layout = "git"``, the default) or is ``/mnt`` itself
  (``"dfs"``); ``/mnt/artifacts`` is the configured artifacts folder (git layout);
- what the job's ``root/`` folder holds under ``mnt/`` and ``domino/`` is at its Domino path:
  custom input and output paths (``Input(path="/mnt/data/x/in.csv")``), and the datasets,
  external data volumes and NetApp snapshots that ``mounts.py`` links there from the folders of
  ``[tool.domino_flows.datasets]``, ``.volumes`` and ``.netapp_volumes``
  (``/domino/datasets/local/<name>``, ``/mnt/data/<name>``, ``/mnt/netapp-volumes/<id>``...);
- the job starts in ``/mnt/code`` (``/mnt`` for DFS), as on Domino;
- the host's own folders under ``/mnt`` and ``/domino`` stay visible (inside a Domino workspace,
  its ``/mnt/data`` and ``/mnt/artifacts``, say), except one that is, or holds, one of the paths
  above: that one is replaced whole.

How: the tree is first assembled on a tmpfs mounted on the job folder's ``ns/`` (every source is
still reachable by its host path then, even a project that lives under ``/mnt``), and then bound
over ``/mnt``, ``/workflow`` and ``/domino``. Nothing outside the namespace changes. A cold job
starts through util-linux ``unshare`` (``-m``; with ``--map-root-user`` when not root, where the
kernel allows unprivileged user namespaces), which runs the mount script and then execs the
command. A warm job (forked from the launcher, see ``local_warm``) calls ``unshare(2)`` itself via
``os.unshare`` (Python 3.12+) or ctypes, and makes the same mounts (``operations``) with
``mount(2)`` through ctypes: no process to start, so a warm job stays fast.

Mount points must exist: ``/mnt`` exists on most Linux systems; ``/workflow`` (and ``/domino`` when
the job has data there) is created empty on the host when running as root, and otherwise must be
created once (``sudo mkdir /workflow``). Without it, or without namespaces (macOS, containers that
forbid them), jobs run on the plain filesystem, and a job that fails on a Domino path says why.
"""

from __future__ import annotations

import ctypes
import functools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from domino_flows.core.errors import ConfigurationError
from domino_flows.core.paths import state_dir
from domino_flows.core.project import FilesystemSettings

FILESYSTEM_VARIABLE = "DOMINO_FLOWS_FILESYSTEM"
STAGING = "ns"
RECORD_FILE = "filesystem.json"
FAILED_SETUP_CODE = 125
_CLONE_NEWNS = 0x00020000
_CLONE_NEWUSER = 0x10000000
_MS_BIND, _MS_REC, _MS_PRIVATE = 0x1000, 0x4000, 0x40000
SETUP_PREFIX = "[domino-flows] could not build the job's Domino filesystem:"


@dataclass(frozen=True)
class MountPlan:
    """What one job's namespace shows: ``binds`` are (host folder, path in the job)."""

    staging: Path
    binds: tuple[tuple[str, str], ...]
    tops: tuple[str, ...]
    workdir: str
    layout: str
    user_namespace: bool

    def as_request(self) -> dict[str, Any]:
        """What the warm launcher needs to build the namespace in a forked child."""
        return {
            "steps": operations(self),
            "workdir": self.workdir,
            "user_namespace": self.user_namespace,
        }


@dataclass(frozen=True)
class Decision:
    """A job's filesystem: ``plan`` when it gets Domino's, else why not (``reason``)."""

    plan: MountPlan | None
    reason: str


def unshare_tool() -> str | None:
    return shutil.which("unshare", path="/usr/bin:/bin:/usr/sbin:/sbin") or shutil.which("unshare")


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


@functools.lru_cache(maxsize=1)
def namespace_problem() -> str | None:
    """Why this machine cannot give a job a private mount namespace, or None. Asked once per
    process by mounting a tmpfs in a throwaway namespace."""
    if not sys.platform.startswith("linux"):
        return f"private mount namespaces need Linux (this is {sys.platform})"
    tool = unshare_tool()
    if tool is None:
        return "util-linux `unshare` is not installed (apt-get install util-linux)"
    with tempfile.TemporaryDirectory(prefix="domino-flows-probe-") as folder:
        script = f"mount -t tmpfs probe {shlex.quote(folder)}"
        argv = [*_unshare_argv(tool), "/bin/sh", "-c", script]
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"`unshare` could not run: {error}"
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        detail = lines[-1] if lines else f"exit code {done.returncode}"
        who = "" if _as_root() else " (unprivileged user namespaces may be disabled)"
        return f"`unshare -m` failed{who}: {detail}"
    return None


def _unshare_argv(tool: str) -> list[str]:
    argv = [tool, "-m", "--propagation", "private"]
    return argv if _as_root() else [*argv, "--map-root-user"]


class HostFolders:
    """What the jobs of one backend (one run) share about the host, asked once: the project's
    resolved folder, the host's own folders under ``/mnt`` and ``/domino`` that jobs keep
    seeing, and whether the mount points exist. (A folder that appears on the host during a run
    is seen by the next run's jobs. Two threads asking at once both ask the host: no harm.)"""

    def __init__(self) -> None:
        self._resolved: dict[Path, Path] = {}
        self._listed: dict[tuple[str, frozenset[str]], list[tuple[str, str]]] = {}
        self._mount_points: dict[tuple[str, ...], str | None] = {}
        self._made: set[Path] = set()

    def resolved(self, project_root: Path) -> Path:
        if project_root not in self._resolved:
            self._resolved[project_root] = project_root.resolve()
        return self._resolved[project_root]

    def passed_through(self, top: str, targets: list[str]) -> list[tuple[str, str]]:
        key = (top, frozenset(targets))
        if key not in self._listed:
            self._listed[key] = _passed_through(top, targets)
        return list(self._listed[key])

    def mount_point_problem(self, plan: MountPlan) -> str | None:
        if plan.tops not in self._mount_points:
            self._mount_points[plan.tops] = _mount_point_problem(plan)
        return self._mount_points[plan.tops]

    def make(self, folder: Path) -> None:
        """A folder every job needs (the default artifacts folder), made once."""
        if folder not in self._made:
            folder.mkdir(parents=True, exist_ok=True)
            self._made.add(folder)


def decide(
    project_root: Path,
    settings: FilesystemSettings,
    job_dir: Path,
    host: HostFolders | None = None,
) -> Decision:
    """The filesystem of the job in ``job_dir``. ``filesystem = "domino"`` set explicitly on a
    machine that cannot build it is a configuration error; unset, it falls back to plain.
    ``host``: what the backend's jobs share (otherwise asked anew)."""
    if settings.mode == "plain":
        return Decision(None, 'the project sets filesystem = "plain"')
    host = host or HostFolders()
    workdir = "/mnt" if settings.layout == "dfs" else "/mnt/code"
    # Machine-wide problems first: without namespaces no configured folder matters.
    problem = namespace_problem() or _hidden_problem(host.resolved(project_root), workdir)
    if problem is None:
        plan = plan_for(project_root, settings, job_dir, host)
        problem = host.mount_point_problem(plan)
        if problem is None:
            for folder in (plan.staging, job_dir / "inputs", job_dir / "outputs"):
                folder.mkdir(parents=True, exist_ok=True)
            host.make(state_dir(host.resolved(project_root)) / "artifacts")
            return Decision(plan, "")
    if settings.mode == "domino":
        raise ConfigurationError(
            f'filesystem = "domino" is set, but this machine cannot give jobs Domino\'s '
            f'filesystem: {problem}. Fix that, or set filesystem = "plain" in [tool.domino_flows].'
        )
    return Decision(None, problem)


def plan_for(
    project_root: Path,
    settings: FilesystemSettings,
    job_dir: Path,
    host: HostFolders | None = None,
) -> MountPlan:
    """The binds of one job; configured folders must exist (a typo would show an empty dataset).
    ``host``: what the backend's jobs share (otherwise asked anew)."""
    host = host or HostFolders()
    root = host.resolved(project_root)
    binds: list[tuple[str, str]] = [
        (str(job_dir / "inputs"), "/workflow/inputs"),
        (str(job_dir / "outputs"), "/workflow/outputs"),
    ]
    tops = ["/mnt", "/workflow"]
    if settings.layout == "dfs":
        binds.insert(0, (str(root), "/mnt"))
        workdir = "/mnt"
    else:
        binds.append((str(root), "/mnt/code"))
        if settings.artifacts is not None:
            binds.append((str(settings.artifacts), "/mnt/artifacts"))
        elif not os.path.isdir("/mnt/artifacts"):  # else the host's own (a Domino workspace's)
            binds.append((str(state_dir(root) / "artifacts"), "/mnt/artifacts"))
        workdir = "/mnt/code"
    # What the job's root/ folder stands for: custom input and output paths, and the datasets,
    # volumes and NetApp snapshots ``mounts.py`` links there. Each of its folders under /mnt and
    # /domino is bound at its Domino path, so the links and files are where Domino puts them.
    ours = {target for _, target in binds}
    for top in ("/mnt", "/domino"):
        folder = job_dir / "root" / top.lstrip("/")
        if not folder.is_dir() or top in ours:  # a DFS project is /mnt itself: root/ serves it
            continue
        for entry in sorted(folder.iterdir()):
            if f"{top}/{entry.name}" not in ours:
                binds.append((str(entry), f"{top}/{entry.name}"))
        if top not in tops:
            tops.append(top)
    targets = [target for _, target in binds]
    for top in tops:
        if top != "/workflow" and top not in targets:
            binds += host.passed_through(top, targets)
    default_artifacts = str(state_dir(root) / "artifacts")
    for source, target in binds:
        if target.startswith("/workflow/") or source in (default_artifacts, str(root)):
            continue  # the kit's own folders are made when the job starts
        if source == target:
            continue  # the host's own folder, passed through because it is one
        if Path(source).is_relative_to(job_dir):
            continue  # staged with the inputs
        if Path(source).is_dir():
            continue
        raise ConfigurationError(
            f"folder {source} (shown to jobs at {target}) does not exist; create it or fix the "
            "path in [tool.domino_flows]."
        )
    return MountPlan(
        staging=job_dir / STAGING,
        binds=tuple(binds),
        tops=tuple(tops),
        workdir=workdir,
        layout=settings.layout,
        user_namespace=not _as_root(),
    )


def _passed_through(top: str, targets: list[str]) -> list[tuple[str, str]]:
    """The host's own folders under ``top`` that the job keeps seeing (a Domino workspace's
    ``/mnt/data``, say): all but those that are, or hold, one of the job's own paths."""
    try:
        names = sorted(os.listdir(top))
    except OSError:
        return []
    kept = []
    for name in names:
        path = f"{top}/{name}"
        if os.path.islink(path) or not os.path.isdir(path):
            continue  # folders only: a mount point for anything else would need a file
        overlaps = (t == path or t.startswith(path + "/") for t in targets)
        if not any(overlaps):
            kept.append((path, path))
    return kept


def _mount_point_problem(plan: MountPlan) -> str | None:
    """The top-level folders must exist on the host to be mounted over: root creates them empty
    (once; harmless), anyone else is told the one command that does."""
    missing = [top for top in plan.tops if not os.path.isdir(top)]
    if not missing:
        return None
    if _as_root():
        for top in missing:
            os.makedirs(top, mode=0o755, exist_ok=True)
        return None
    return (
        f"{' and '.join(missing)} must exist as mount points; create them once with "
        f"`sudo mkdir -p {' '.join(missing)}`"
    )


def _hidden_problem(project_root: Path, workdir: str) -> str | None:
    """A project under /mnt would vanish behind the job's own /mnt (its job folders and
    interpreter too), unless it is exactly where the job sees it (a Domino workspace's)."""
    root = project_root.resolve()
    for top in ("/mnt", "/workflow", "/domino"):
        if root.is_relative_to(top) and root != Path(workdir):
            return f"the project ({root}) is under {top}, which the job's own {top} would hide"
    return None


def operations(plan: MountPlan) -> list[tuple[str, ...]]:
    """The steps that build the job's tree inside its new namespace, in order: one list that
    ``setup_script`` writes as shell (cold starts) and ``enter`` runs itself (warm starts)."""
    staging = str(plan.staging)
    folders = [staging + top for top in plan.tops] + [staging + t for _, t in plan.binds]
    steps: list[tuple[str, ...]] = [
        ("private", "/"),  # systemd makes / shared: without this our mounts reach the host
        ("tmpfs", staging),
        ("mkdir", *folders),  # all in the tmpfs: every bind below comes after
    ]
    for source, target in plan.binds:
        # The host's own folders keep what is mounted inside them (a user namespace refuses to
        # bind them without it); the project is bound alone, without the job folders' tmpfs.
        steps.append(("rbind" if source == target else "bind", source, staging + target))
    steps += [("rbind", staging + top, top) for top in plan.tops]
    return steps


def setup_script(plan: MountPlan) -> str:
    """The shell commands that build the job's tree (run inside the new namespace)."""
    q = shlex.quote
    lines = [f'fail() {{ echo "{SETUP_PREFIX} $1" >&2; exit {FAILED_SETUP_CODE}; }}']
    for step, *paths in operations(plan):
        if step == "private":
            command, what = "mount --make-rprivate /", "making / private"
        elif step == "tmpfs":
            command, what = f"mount -t tmpfs -o mode=755 domino-flows {q(paths[0])}", paths[0]
        elif step == "mkdir":
            command, what = "mkdir -p " + " ".join(q(path) for path in paths), "mkdir"
        else:
            command = f"mount --{step} {q(paths[0])} {q(paths[1])}"
            what = f"{paths[0]} at {paths[1]}"
        lines.append(f"{command} || fail {q(what)}")
    lines.append(f"cd {q(plan.workdir)} || fail {q('cd ' + plan.workdir)}")
    return "\n".join(lines) + "\n"


def wrap(plan: MountPlan, argv: list[str]) -> list[str]:
    """``argv`` started inside a new namespace that shows ``plan`` (cold starts)."""
    tool = unshare_tool()
    if tool is None:  # namespace_problem said otherwise: the tool vanished since
        raise ConfigurationError("util-linux `unshare` is no longer on PATH; reinstall it.")
    script = setup_script(plan) + 'exec "$@"\n'
    return [*_unshare_argv(tool), "/bin/sh", "-c", script, "domino-flows-job", *argv]


def variables(plan: MountPlan) -> dict[str, str]:
    """What the job's environment says differently when it sees Domino's filesystem."""
    return {
        "DOMINO_FLOWS_INPUTS_DIR": "/workflow/inputs",
        "DOMINO_FLOWS_OUTPUTS_DIR": "/workflow/outputs",
        "DOMINO_WORKING_DIR": plan.workdir,
        "DOMINO_IS_GIT_BASED": "true" if plan.layout == "git" else "false",
        FILESYSTEM_VARIABLE: "domino",
    }


def enter(request: dict[str, Any]) -> None:
    """Move this (single-threaded, freshly forked) process into a namespace built by
    ``request`` (see ``MountPlan.as_request``); raises OSError saying what failed."""
    uid, gid = os.getuid(), os.getgid()
    flags = _CLONE_NEWNS | (_CLONE_NEWUSER if request["user_namespace"] else 0)
    _unshare(flags)
    if request["user_namespace"]:
        # Map ourselves to root inside, as `unshare --map-root-user` does, so we may mount.
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"0 {uid} 1")
        Path("/proc/self/gid_map").write_text(f"0 {gid} 1")
    # mount(2) itself rather than mount(8): a warm job is meant to start in milliseconds.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]
    for step, *paths in request["steps"]:
        if step == "mkdir":
            for path in paths:
                os.makedirs(path, exist_ok=True)
            continue
        call: tuple[str | None, str, str | None, int, str | None]
        if step == "private":
            call = (None, paths[0], None, _MS_REC | _MS_PRIVATE, None)
        elif step == "tmpfs":
            call = ("domino-flows", paths[0], "tmpfs", 0, "mode=755")
        else:
            recursive = _MS_REC if step == "rbind" else 0
            call = (paths[0], paths[1], None, _MS_BIND | recursive, None)
        encoded = [c.encode() if isinstance(c, str) else c for c in call]
        if libc.mount(*encoded) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"{step} {' '.join(paths)}: {os.strerror(errno)}")
    os.chdir(request["workdir"])


def _unshare(flags: int) -> None:
    if hasattr(os, "unshare"):  # Python 3.12+
        os.unshare(flags)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(ctypes.c_int(flags)) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"unshare: {os.strerror(errno)}")


_DOMINO_PATH = re.compile(r"(?<![\w./-])/(?:workflow|mnt|domino)(?:/[^'\"\s:,)]*)?")
_MISSING_WORDS = ("No such file or directory", "can't open file", "cannot access")


def missing_domino_path(log_text: str) -> str | None:
    """The first Domino-only path a failed job's log says was missing."""
    for line in log_text.splitlines():
        if any(words in line for words in _MISSING_WORDS):
            match = _DOMINO_PATH.search(line)
            if match:
                return match.group(0)
    return None


def record(job_dir: Path, decision: Decision) -> None:
    """Note in the job folder which filesystem the job got, and why (before it starts). Written
    in place, not aside and renamed as ``job.json`` is: it is read only once the job ended (a
    half-written one, from a runner killed at that moment, reads as no explanation)."""
    noted = {"filesystem": "domino" if decision.plan else "plain", "reason": decision.reason}
    (job_dir / RECORD_FILE).write_text(json.dumps(noted, indent=2, sort_keys=True))


def explain_failure(task: str, job_dir: Path) -> str | None:
    """One line for a job that ran on the plain filesystem and failed on a Domino path: the
    cause and both fixes. None when that is not what happened."""
    try:
        noted = json.loads((job_dir / RECORD_FILE).read_text())
        log_text = (job_dir / "stderr.log").read_text(encoding="utf-8", errors="replace")
    except (OSError, ValueError):
        return None
    if noted.get("filesystem") != "plain":
        setup = [line for line in log_text.splitlines() if line.startswith(SETUP_PREFIX)]
        if not setup:
            return None
        return (
            f"task {task!r} failed before its command ran: {setup[-1][len('[domino-flows] ') :]}"
            '. Set filesystem = "plain" in [tool.domino_flows] to run jobs without it.'
        )
    path = missing_domino_path(log_text[-20000:])
    if path is None:
        return None
    reason = noted.get("reason") or "Domino's filesystem is unavailable here"
    return (
        f"task {task!r} failed: it uses {path}, which exists only in Domino's filesystem, and "
        f"this local job ran without it because {reason}. Fix: run on Linux with util-linux "
        'unshare and filesystem = "domino" (the default) in [tool.domino_flows], or make the '
        "script portable: read inputs with domino_flows.job.read_input / write_output and run "
        "it as `python scripts/x.py` from the project root."
    )
