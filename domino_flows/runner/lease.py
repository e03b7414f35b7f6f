"""Which process drives a run: a lock that ``run`` and ``resume`` hold until the run's end is
recorded.

Without it, ``resume`` of a run whose runner is still alive started a second runner over it: it
took the live job for one a killed runner had left, stopped it, and the two processes recorded
contradicting ends. The runner holds an advisory lock (``flock``) on
``.domino-flows/runners/<run>.lock`` for as long as it drives the run, with its process id
written inside for messages. The kernel drops the lock when the process ends in any way
(SIGKILL, a closed terminal), so a lock file whose lock is free means the runner is gone: ``runs``
and ``show`` say so, and ``resume`` may take over. The file is removed once the run's end is
recorded. Where ``fcntl`` is missing (Windows) there is no lease and the state of a runner is
unknown.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from domino_flows.core.errors import DominoFlowsError
from domino_flows.core.paths import folder_problem, state_dir

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

ALIVE, GONE, UNKNOWN = "alive", "gone", "unknown"
_TRIES, _PAUSE = 10, 0.05


class RunnerBusy(DominoFlowsError):
    """Another live process drives the run."""


def lease_path(root: Path, run_id: str) -> Path:
    return state_dir(root) / "runners" / f"{run_id}.lock"


@contextlib.contextmanager
def hold(root: Path, run_id: str) -> Iterator[None]:
    """Drive ``run_id`` as its only runner, or raise :class:`RunnerBusy` naming the live one."""
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    path = lease_path(root, run_id)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = _lock(path, run_id)
    except OSError as error:  # a read-only project, or a file where the folder belongs
        raise DominoFlowsError(folder_problem(path.parent, error)) from None
    try:
        os.ftruncate(descriptor, 0)
        os.write(descriptor, str(os.getpid()).encode())
        yield
    finally:
        # Removed while still locked, so a process that opens the name afterwards makes a new
        # file and never waits on this one.
        path.unlink(missing_ok=True)
        os.close(descriptor)


def _lock(path: Path, run_id: str) -> int:
    """An open descriptor of ``path`` holding its exclusive lock, the file still at that name."""
    holder = ""
    for _ in range(_TRIES):
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(descriptor)
            os.close(descriptor)
            # ``runner_state`` takes a shared lock for a moment to look; only a lock that stays
            # taken is a live runner.
            time.sleep(_PAUSE)
            continue
        if _same_file(descriptor, path):
            return descriptor
        os.close(descriptor)  # the previous runner removed it after we opened it: open anew
    raise RunnerBusy(
        f"run {run_id} is still running in another process{holder}: stop it there (Ctrl-C, or "
        "kill that process) or wait for it to end, then resume it if it did not finish."
    )


def _same_file(descriptor: int, path: Path) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(descriptor).st_ino
    except FileNotFoundError:
        return False


def runner_state(root: Path, run_id: str) -> str:
    """Whether a live process holds ``run_id``'s lease: ALIVE, GONE (a lease file nobody holds:
    its runner was killed) or UNKNOWN (no lease file: the run ended, or was started by
    ``python flow.py`` or an older domino-flows)."""
    if fcntl is None:  # pragma: no cover - Windows
        return UNKNOWN
    try:
        descriptor = os.open(lease_path(root, run_id), os.O_RDONLY)
    except OSError:
        return UNKNOWN
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return ALIVE
    finally:
        os.close(descriptor)  # also drops a lock taken just now
    return GONE


def _holder(descriptor: int) -> str:
    try:
        pid = os.pread(descriptor, 32, 0).decode().strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (process {pid})" if pid.isdigit() else ""


def runner_note(root: Path, run: dict[str, object]) -> str:
    """For ``runs`` and ``show``: what to say of a run recorded Running whose runner is gone."""
    if run.get("state") != "Running" or runner_state(root, str(run["run_id"])) != GONE:
        return ""
    return f"its runner is gone (killed?): continue it with domino-flows resume {run['run_id']}"
