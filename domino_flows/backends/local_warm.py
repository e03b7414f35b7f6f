"""Warm starts for local ``@domino_task`` jobs.

Every ``@domino_task`` job runs ``python -m domino_flows.entrypoint <file>:<function>``, and most of
such a job's time goes to importing flytekit (over a second of CPU each). When a job would run on
the runner's own interpreter, the local backend instead asks a *launcher*: a Python process that
imported flytekit and the entrypoint once, and forks a child per job. The child is still a job of
its own: its own session (so stop and the memory limit work on it as on any job), working
directory, environment (the job's, credentials removed), and log files; it then runs the same
entrypoint ``main`` the command names. Other commands, other interpreters, command prefixes, and
``DOMINO_FLOWS_WARM_JOBS=0`` keep the plain ``/bin/sh -c`` start.

The launcher process itself is ``local_launcher.py``. It speaks one JSON object per line: the
backend sends ``{"id", "target", "cwd", "env", "stdout", "stderr", "mounts"}``, the launcher
answers ``{"id", "pid"}`` when the child exists and ``{"pid", "exit"}`` when it ends (``exit``
as ``subprocess`` reports it: negative for a signal).
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from domino_flows.core.redaction import CREDENTIAL_VARIABLES

WARM_VARIABLE = "DOMINO_FLOWS_WARM_JOBS"
_ENTRYPOINT_WORDS = ("python", "-m", "domino_flows.entrypoint")


def enabled() -> bool:
    """Warm starts are on unless ``DOMINO_FLOWS_WARM_JOBS`` turns them off."""
    return os.environ.get(WARM_VARIABLE, "1").strip().lower() not in ("0", "false", "no", "off")


def warm_target(command: str, interpreter: str | None, command_prefix: str | None) -> str | None:
    """The entrypoint target when this job can start warm, else None."""
    if not enabled():
        return None
    try:
        words = shlex.split(command)
    except ValueError:  # unbalanced quotes: the shell will say what is wrong
        return None
    if words[:3] != list(_ENTRYPOINT_WORDS) or len(words) != 4 or command_prefix:
        return None
    if interpreter is None or _environment_of(interpreter) != _environment_of(sys.executable):
        return None
    return words[3]


def launcher_environment() -> dict[str, str]:
    """The launcher's own environment: the runner's, credentials removed (a job's environment is
    its own, sent with its request)."""
    return {k: v for k, v in os.environ.items() if k not in CREDENTIAL_VARIABLES}


_early: WarmLauncher | None = None
_early_lock = threading.Lock()


def start_early() -> None:
    """Start a launcher before the run has loaded its flow: the runner's import of flytekit and
    the launcher's then take two cores at once instead of one after the other (about 0.6 s of a
    run's start). The local backend takes it over (:func:`claim_early`); a run that needs none
    ends it (:func:`discard_early`). Not on one core, where the two imports would only share it."""
    global _early
    if not enabled() or (os.cpu_count() or 1) < 2:
        return
    with _early_lock:
        if _early is None:
            _early = WarmLauncher(launcher_environment())
            _early.start()


def claim_early(environment: Mapping[str, str]) -> WarmLauncher | None:
    """The launcher :func:`start_early` started, if it has exactly ``environment`` (a flow file
    that changed ``os.environ`` as it loaded gets a launcher of its own, the early one ended)."""
    early = _take_early()
    if early is not None and early.environment != dict(environment):
        early.close(at_once=True)
        return None
    return early


def discard_early() -> None:
    """End the launcher started early if no backend took it (a run with no warm jobs, or one
    that failed before its first job), without waiting for its import to finish."""
    early = _take_early()
    if early is not None:
        early.close(at_once=True)


def _take_early() -> WarmLauncher | None:
    global _early
    with _early_lock:
        early, _early = _early, None
    return early


_environments: dict[str, tuple[str, str]] = {}


def _environment_of(interpreter: str) -> tuple[str, str]:
    """The virtual environment an interpreter runs in (its folder, or "" for none) and the
    program it finally is. Two venvs made from one Python resolve to the same program, so the
    program alone would start a job warm in the wrong venv, with the wrong packages. Remembered:
    asked twice for every job started, with one or two interpreters in a run."""
    known = _environments.get(interpreter)
    if known is None:
        path = Path(os.path.abspath(interpreter))
        venv = path.parent.parent
        folder = str(venv) if (venv / "pyvenv.cfg").is_file() else ""
        known = _environments[interpreter] = (folder, os.path.realpath(path))
    return known


class WarmProcess:
    """The part of ``subprocess.Popen`` the local backend uses, for a launcher's child."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._ended = threading.Event()

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not self._ended.wait(timeout):
            raise subprocess.TimeoutExpired(f"job {self.pid}", timeout or 0)
        assert self.returncode is not None
        return self.returncode

    def _end(self, code: int) -> None:
        self.returncode = code
        self._ended.set()


class WarmLauncher:
    """One launcher process per backend, started on first use."""

    def __init__(self, environment: Mapping[str, str]) -> None:
        self._environment = dict(environment)
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        self._next_id = 0
        self._waiting: dict[int, tuple[threading.Event, list[int]]] = {}
        self._children: dict[int, WarmProcess] = {}
        self._early_exits: dict[int, int] = {}

    @property
    def environment(self) -> dict[str, str]:
        return dict(self._environment)

    @property
    def started(self) -> bool:
        return self._process is not None

    def start(self) -> None:
        """Start the launcher now (it imports flytekit in its own process) rather than when the
        first job is asked for."""
        with self._lock:
            self._ensure_started()

    def spawn(
        self,
        target: str,
        cwd: Path,
        env: Mapping[str, str],
        stdout: Path,
        stderr: Path,
        mounts: dict[str, Any] | None = None,
    ) -> WarmProcess:
        """Fork a job; ``mounts`` (``MountPlan.as_request``) puts it in its own mount namespace
        showing Domino's filesystem, and then it starts in the plan's working directory."""
        with self._lock:
            process = self._ensure_started()
            self._next_id += 1
            request_id = self._next_id
            answered: tuple[threading.Event, list[int]] = (threading.Event(), [])
            self._waiting[request_id] = answered
            request = {
                "id": request_id,
                "target": target,
                "cwd": str(cwd),
                "env": dict(env),
                "stdout": str(stdout),
                "stderr": str(stderr),
                "mounts": mounts,
            }
            assert process.stdin is not None
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()
        if not answered[0].wait(30) or not answered[1]:
            raise OSError("the warm job launcher did not answer; set DOMINO_FLOWS_WARM_JOBS=0")
        pid = answered[1][0]
        with self._lock:
            child = self._children.setdefault(pid, WarmProcess(pid))
            if pid in self._early_exits:
                child._end(self._early_exits.pop(pid))
        return child

    def close(self, at_once: bool = False) -> None:
        """End the launcher process (it exits when its input closes); jobs it forked are the
        backend's to stop. ``at_once`` kills it first: for a launcher that started no job, which
        may still be importing and would read the end of its input only after that. Safe to
        call twice."""
        with self._lock:
            process, self._process = self._process, None
        if process is None:
            return
        if at_once:
            process.kill()
        if process.stdin is not None:
            with contextlib.suppress(OSError):  # killed: the pipe's other end may be gone
                process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # stuck importing: it has no job of its own to lose
            process.kill()
            process.wait()

    def _ensure_started(self) -> subprocess.Popen[str]:
        if self._process is not None and self._process.poll() is None:
            return self._process
        self._process = subprocess.Popen(
            [sys.executable, "-m", "domino_flows.backends.local_launcher"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=self._environment,
            text=True,
            start_new_session=True,
        )
        reader = threading.Thread(
            target=self._read, args=(self._process.stdout,), name="domino-flows-warm", daemon=True
        )
        _start_without_signals(reader)
        return self._process

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            message = json.loads(line)
            if "id" in message:
                event, answer = self._waiting.pop(message["id"], (None, []))
                if event is not None:
                    if message.get("pid"):
                        answer.append(int(message["pid"]))
                    event.set()
            elif "exit" in message:
                pid, code = int(message["pid"]), int(message["exit"])
                with self._lock:
                    child = self._children.get(pid)
                    if child is None:
                        self._early_exits[pid] = code
                if child is not None:
                    child._end(code)
        # The launcher is gone: children it started can no longer report; end them as failed.
        with self._lock:
            waiting, self._waiting = self._waiting, {}
            children = [c for c in self._children.values() if c.returncode is None]
        for event, _ in waiting.values():
            event.set()
        for child in children:
            threading.Thread(target=_await_gone, args=(child,), daemon=True).start()


def _start_without_signals(thread: threading.Thread) -> None:
    """Start ``thread`` with every signal blocked in it, so the process's signals go to the main
    thread. A launcher may start before the run loads its flow, while the main thread holds
    Ctrl-C back (flytekit's import installs a handler that would exit with status 1): a signal
    this thread took instead would run that handler all the same."""
    if not hasattr(signal, "pthread_sigmask"):
        thread.start()
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
    try:
        thread.start()  # a new thread starts with the mask of the one that starts it
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _await_gone(child: WarmProcess) -> None:
    import time

    while True:
        try:
            os.kill(child.pid, 0)
        except ProcessLookupError:
            child._end(1)
            return
        time.sleep(0.2)
