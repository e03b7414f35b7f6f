"""Process plumbing of the local backend: job sessions, their memory, and stopping them.

A local job runs in its own session (``start_new_session=True``), so everything it starts shares
the job's session id. Memory is the resident set size summed over that session, read from
``/proc`` (Linux); stopping signals the whole process group and every process left in the session,
as a container's end would on Domino.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

PROC = Path("/proc")
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def memory_monitoring_available() -> bool:
    return (PROC / "self" / "stat").is_file()


def session_processes(session_id: int) -> dict[int, int]:
    """Pid -> resident bytes of every live process in session ``session_id``."""
    return _scan({session_id}).get(session_id, {})


def sessions_memory(session_ids: set[int]) -> dict[int, int]:
    """Session id -> resident bytes of its processes together, for many sessions in one scan."""
    return {sid: sum(pids.values()) for sid, pids in _scan(session_ids).items()}


def _scan(session_ids: set[int]) -> dict[int, dict[int, int]]:
    # Plain os calls rather than pathlib and file objects: this runs once per finished job, over
    # every process of the machine, and they halve its cost.
    found: dict[int, dict[int, int]] = {}
    try:
        entries = os.listdir(PROC)
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            descriptor = os.open(f"{PROC}/{entry}/stat", os.O_RDONLY)
        except OSError:
            continue  # ended while we looked
        try:
            data = os.read(descriptor, 4096)
        except OSError:
            continue
        finally:
            os.close(descriptor)
        # comm (field 2) may hold spaces and parentheses: split after the last ')'.
        fields = data[data.rfind(b")") + 2 :].split()
        if len(fields) < 22 or fields[0] == b"Z":
            continue
        session = int(fields[3])
        if session in session_ids:
            found.setdefault(session, {})[int(entry)] = int(fields[21]) * _PAGE_SIZE
    return found


def signal_session(session_id: int, signum: int) -> None:
    """Send ``signum`` to the job's process group and to any process that left the group but is
    still in the job's session."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(session_id, signum)
    if memory_monitoring_available():
        for pid in session_members(session_id):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signum)


def session_members(session_id: int) -> list[int]:
    """Every process in session ``session_id``, zombies included (a signal to one is harmless).

    One ``getsid`` call per process rather than reading its ``/proc/<pid>/stat``: this runs at
    the end of every job, over every process of the machine, and costs a tenth as much."""
    members: list[int] = []
    try:
        entries = os.listdir(PROC)
    except OSError:
        return members
    for entry in entries:
        if entry.isdigit():
            try:
                if os.getsid(int(entry)) == session_id:
                    members.append(int(entry))
            except OSError:
                continue  # ended while we looked
    return members


def session_alive(session_id: int) -> bool:
    if memory_monitoring_available():
        return bool(session_processes(session_id))
    try:
        os.killpg(session_id, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def terminate_session(session_id: int, grace: float) -> None:
    """SIGTERM, then SIGKILL to whatever is left after ``grace`` seconds."""
    signal_session(session_id, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not session_alive(session_id):
            return
        time.sleep(0.05)
    signal_session(session_id, signal.SIGKILL)
