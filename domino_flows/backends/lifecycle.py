"""How long a backend lives: from its creation to ``close()`` (or the end of a ``with`` block).

Jobs end with the process that started them, as a Domino run's jobs end with the run: a backend
not closed when the process exits is closed then. The registry below holds backends weakly, so a
backend that nobody uses any more (and that runs no job: a running job's watcher thread holds its
backend) is freed with its warm launcher instead of living until the process exits.
"""

from __future__ import annotations

import atexit
import logging
import weakref
from typing import Protocol

logger = logging.getLogger(__name__)


class Closable(Protocol):
    def close(self) -> None: ...


_open: weakref.WeakSet[Closable] = weakref.WeakSet()


def opened(backend: Closable) -> None:
    """Register a backend to be closed at process exit if its owner has not closed it."""
    _open.add(backend)


def closed(backend: Closable) -> None:
    _open.discard(backend)


def open_count() -> int:
    """Backends open in this process (tests check that commands close theirs)."""
    return len(_open)


@atexit.register
def close_all() -> None:
    """Close every backend still open (at exit; test suites also call it after each test)."""
    for backend in list(_open):
        try:
            backend.close()
        except Exception as error:  # exit goes on: one backend's failure must not skip the rest
            logger.warning("domino-flows could not close %r at exit: %s", backend, error)
