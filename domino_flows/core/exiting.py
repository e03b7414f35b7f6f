"""How a process of the kit ends: everything an interpreter does on its way out that anybody can
see, without the teardown nobody can.

An interpreter that exits first waits for the threads that are not daemons, then runs the
``atexit`` callbacks (logging's flush, an MLflow run ended, temporary folders removed), flushes the
standard streams, and only then tears down every module and collects every object. With flytekit
loaded that last part alone took 0.2 to 0.3 s of CPU on every command, and nothing outside the
process depends on it: files and sockets are closed by the kernel, and the kit writes its records
inside ``with`` blocks. A warm job (``backends/local_launcher``) and the command line
(``cli.run``) end through :func:`leave`.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
from typing import NoReturn


def exit_status(code: object) -> int:
    """The exit status an interpreter gives ``SystemExit(code)``: None is success, a number is
    itself, anything else is printed to stderr and is 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def finish() -> None:
    """Wait for the threads that are not daemons, then run the ``atexit`` callbacks, as an
    exiting interpreter does; what either raises is printed, never kept from the exit."""
    try:
        threading._shutdown()  # type: ignore[attr-defined]
    except Exception:
        import traceback

        traceback.print_exc()
    atexit._run_exitfuncs()  # prints what a callback raises, as an interpreter does


def leave(status: int) -> NoReturn:
    """End this process with ``status`` after :func:`finish` and a flush of the standard streams
    (a reader that has gone away, as ``| head`` does, is no error here)."""
    finish()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    os._exit(status)
