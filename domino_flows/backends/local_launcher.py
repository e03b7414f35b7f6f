"""The warm launcher process (``python -m domino_flows.backends.local_launcher``).

It imports flytekit and what every ``@domino_task`` job uses once, then forks a child per job
that ``local_warm.WarmLauncher`` asks for. The child makes itself a job of its own (session,
working directory, environment, log files, Domino's filesystem), runs the entrypoint as
``python -m domino_flows.entrypoint <target>`` would, and ends as that interpreter would. Requests
and answers are JSON lines (see ``local_warm``).
"""

from __future__ import annotations

import gc
import json
import os
import select
import signal
import sys
from collections.abc import Mapping
from typing import Any

from domino_flows.core import exiting

_PRELOAD = (
    "flytekit",
    "flytekit.types.file",
    "flytekit.types.directory",
    "domino_flows.contract.values",
    "domino_flows.authoring.decorators",
    "domino_flows.entrypoint",
    # a job in Domino's filesystem enters its namespace through this module: imported in every
    # job instead, it cost about 3.5 ms of each one's CPU (with the job folder and process helpers)
    "domino_flows.backends.local_mounts",
)


def preload() -> None:
    """Import and build, once, what every job would otherwise import and build itself."""
    import importlib

    for module in _PRELOAD:
        importlib.import_module(module)
    _compile_patterns()


def _serve() -> None:
    preload()
    # What is loaded now is shared with every job, copy-on-write: moved out of the collector's
    # reach, a job's full collection does not write to (and so copy) every page of it.
    gc.collect()
    gc.freeze()
    huge_pages_for_the_heap()
    read_end = wake_on_child_exit()
    out = sys.stdout
    buffer = b""
    while True:
        ready, _, _ = select.select([sys.stdin.fileno(), read_end], [], [])
        if read_end in ready:
            os.read(read_end, 4096)
            _report_exits(out)
        if sys.stdin.fileno() in ready:
            chunk = os.read(sys.stdin.fileno(), 65536)
            if not chunk:
                return
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                request = json.loads(line)
                pid = _fork_job(request)
                out.write(json.dumps({"id": request["id"], "pid": pid}) + "\n")
                out.flush()
        _report_exits(out)


def _compile_patterns() -> None:
    """Do once here, rather than in every job, the work a job's import of its flow file repeats:
    flytekit reads each task's source (``inspect.getsourcelines``: the tokenizer's and
    ``inspect``'s patterns, about 20 of a trivial job's 29 ms of CPU) and parses each function's
    docstring (``docstring_parser``'s patterns, about 2 ms more); ``re`` caches compiled patterns,
    and a forked job inherits the cache. Then one sample task and workflow are defined, as a flow
    file defines them, so what flytekit and the kit build on first use (the rest of the patterns,
    the kit's lazily imported names, flytekit's first type transformations) is built here too:
    about 0.7 ms less per job."""
    import inspect
    import io
    import tokenize

    from flytekit import workflow
    from flytekit.core.docstring import Docstring

    from domino_flows.authoring.decorators import domino_task

    for _ in tokenize.generate_tokens(io.StringIO(_SAMPLE).readline):
        pass
    Docstring(callable_=_sample)
    inspect.getsourcelines(_sample)
    global _SAMPLE_TASK
    try:
        _SAMPLE_TASK = domino_task(_sample)
        workflow(_sample_flow)
    except Exception:  # only a head start: a job does this work itself anyway
        pass


_SAMPLE = "def f(x: int) -> int:\n    return x\n"
_SAMPLE_TASK: Any = None  # the warm-up's task, called by its workflow


def _sample(x: int) -> int:
    """A task's docstring.

    :param x: a number
    """
    return x


def _sample_flow(x: int = 0) -> int:
    """A workflow's docstring.

    :param x: a number
    """
    result: int = _SAMPLE_TASK(x=x)
    return result


_HUGE_PAGE = 2 << 20
_MADV_COLLAPSE = 25  # Linux 6.1+


def huge_pages_for_the_heap() -> int:
    """Back the launcher's heap with 2 MB pages where the kernel can (bytes moved; 0 when it
    cannot). A fork copies the parent's page tables entry by entry and the child's exit tears
    them down again: for a launcher that imported flytekit (about 70 MB of heap) that was most
    of a trivial job's CPU. With 2 MB pages there are 512 times fewer entries to copy. A job's
    writes still copy only the 4 KB pages they touch: the kernel splits a shared huge page on
    the first write. Linux only; elsewhere, or on an older kernel, nothing changes."""
    if not sys.platform.startswith("linux"):
        return 0
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        with open("/proc/self/maps", encoding="ascii") as maps:
            lines = maps.readlines()
    except OSError:
        return 0
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    moved = 0
    for line in lines:
        fields = line.split()
        name = fields[5] if len(fields) > 5 else ""
        if fields[1] != "rw-p" or name not in ("", "[heap]"):
            continue  # only private writable memory of the process's own (no files, no stack)
        start, end = (int(bound, 16) for bound in fields[0].split("-"))
        low, high = -(-start // _HUGE_PAGE) * _HUGE_PAGE, end // _HUGE_PAGE * _HUGE_PAGE
        if high <= low:
            continue
        # collapse only: no MADV_HUGEPAGE, so later page faults (a job's among them) still
        # take 4 KB pages, and a range the kernel cannot collapse stays as it was
        if libc.madvise(low, high - low, _MADV_COLLAPSE) == 0:
            moved += high - low
    return moved


def wake_on_child_exit() -> int:
    """A pipe's read end that becomes readable when a child ends. The signal's own handler (C
    code, at once) writes to it: a Python handler runs only between two steps of the main thread,
    so a child that ended just as the launcher entered ``select`` woke nobody, and the run waited
    for that job forever."""
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)  # a full pipe is a wake-up already pending
    signal.signal(signal.SIGCHLD, lambda *_: None)  # handled, so the signal is not discarded
    signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    return read_end


def _report_exits(out: Any) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        out.write(json.dumps({"pid": pid, "exit": code}) + "\n")
        out.flush()


def _enter_namespace(mounts: dict[str, Any]) -> int:
    """0 once this child is in its own namespace, else the exit code of a failed setup."""
    from domino_flows.backends import local_mounts

    try:
        local_mounts.enter(mounts)
    except OSError as error:
        print(f"{local_mounts.SETUP_PREFIX} {error}", file=sys.stderr)
        return local_mounts.FAILED_SETUP_CODE
    return 0


def _become_environment(wanted: dict[str, str]) -> None:
    """Make this process's environment exactly ``wanted``, changing only what differs: a job's
    environment is mostly the launcher's, and clearing and setting every variable (each one a
    ``putenv`` that reallocates the C environment) cost about 1.3 ms of each job's CPU."""
    current = os.environ
    for key in [key for key in current if key not in wanted]:
        del current[key]
    for key, value in wanted.items():
        if current.get(key) != value:
            current[key] = value


def _standard_streams(env: Mapping[str, str]) -> None:
    """The job's ``sys.stdin``/``stdout``/``stderr`` on descriptors 0-2, as a fresh interpreter
    started with ``env`` would make them: ``PYTHONUNBUFFERED`` (which every job gets, so its log
    can be followed while it runs) writes each print through at once, ``stderr`` is line
    buffered otherwise, and ``PYTHONIOENCODING`` chooses the encoding."""
    import io

    unbuffered = bool(env.get("PYTHONUNBUFFERED"))
    encoding, _, errors = env.get("PYTHONIOENCODING", "").partition(":")

    def writer(fd: int, default_errors: str, line_buffering: bool) -> io.TextIOWrapper:
        binary = open(fd, "wb", buffering=0 if unbuffered else -1, closefd=False)  # noqa: SIM115
        return io.TextIOWrapper(
            binary,  # raw when unbuffered, as the interpreter makes it
            encoding=encoding or None,
            errors=errors or default_errors,
            line_buffering=line_buffering and not unbuffered,
            write_through=unbuffered,
        )

    sys.stdin = open(0, encoding=encoding or None, errors=errors or None, closefd=False)  # noqa: SIM115
    sys.stdout = writer(1, "strict", False)
    sys.stderr = writer(2, "backslashreplace", True)


def _fork_job(request: dict[str, Any]) -> int:
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        signal.set_wakeup_fd(-1)  # the job's signals are its own, not the launcher's wake-ups
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        os.chdir(request["cwd"])
        _become_environment(request["env"])
        stdin = os.open(os.devnull, os.O_RDONLY)
        stdout = os.open(request["stdout"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        stderr = os.open(request["stderr"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        for source, target in ((stdin, 0), (stdout, 1), (stderr, 2)):
            os.dup2(source, target)
        _standard_streams(request["env"])
        if request.get("mounts"):
            # After the log redirection, so a failure to build the namespace is in the job's log.
            code = _enter_namespace(request["mounts"])
            if code:
                return code  # the finally clause exits with it
        from domino_flows import entrypoint

        # as ``python -m domino_flows.entrypoint <target>`` started here would see them: the
        # module's file as argv[0], and this folder (not the launcher's) first on sys.path
        sys.argv = [str(entrypoint.__file__), request["target"]]
        sys.path[0] = os.getcwd()
        code = entrypoint.main([request["target"]])
    except SystemExit as exit_:
        code = exiting.exit_status(exit_.code)
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        # as a cold job's interpreter ends: its threads, its atexit callbacks, its streams
        exiting.leave(code)


if __name__ == "__main__":
    _serve()
    exiting.leave(0)  # its input closed: the run is done with it, and waits for this exit
