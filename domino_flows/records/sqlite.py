"""Opening the run store's SQLite file, and what its errors mean to a user.

Three ways to open it, chosen once per store object:

- *write*: the usual case. WAL mode, and the store brought to the current schema version on
  first use (``records.schema``: a new store gets every table, an older one its migrations).
- *read*: the file exists but this process cannot write it or its folder (a shared or archived
  project, ``chmod 444``). It is opened through a ``file:...?mode=ro`` URI, with no WAL set-up and
  no schema changes; tables an older store lacks are stood in for by empty temporary tables, so the
  read-only commands (``runs``, ``show``, ``logs``, ``lineage``) still answer. When the store has
  no write-ahead log to read, it is opened ``immutable``: SQLite then creates no ``-wal``/``-shm``
  files, which would otherwise be left behind read-only and break the next writer.
- *empty*: the file does not exist and the caller only reads: an in-memory database with the
  schema, so listing the runs of a fresh project creates nothing on disk.

Any SQLite error becomes a :class:`RunStoreError` naming the file and what to do (a damaged file:
move it aside; a read-only one: make it writable; a busy one: wait).
"""

from __future__ import annotations

import ctypes
import errno
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from domino_flows.core.errors import RunStoreError
from domino_flows.core.paths import folder_problem
from domino_flows.records import schema as records_schema

BUSY_TIMEOUT_SECONDS = 30

# SQLite's primary result codes (the low byte of an extended code).
_BUSY, _LOCKED, _READONLY, _CORRUPT, _CANTOPEN, _NOTADB = 5, 6, 8, 11, 14, 26
_PERM, _IOERR, _FULL = 3, 10, 13


class StoreFile:
    def __init__(self, path: Path, create: bool = True) -> None:
        self.path = path
        self.create = create
        self.mode: str | None = None  # "write", "read" or "empty", decided on first open
        self._prepared = False  # brought to the current schema version (write mode)

    def _choose_mode(self) -> str:
        if not self.path.exists():
            return "write" if self.create else "empty"
        return "write" if not self.unwritable() else "read"

    def unwritable(self) -> list[Path]:
        """The store's files (and folder) this process cannot write; empty when it can."""
        candidates = [self.path, self.path.parent]
        candidates += [Path(f"{self.path}{suffix}") for suffix in ("-wal", "-shm")]
        return [p for p in candidates if _refused(p)]

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """A connection in a transaction, committed on success; SQLite errors become
        RunStoreError. While the store is kept open, each thread reuses one connection."""
        if self.mode is None:
            # a store kept open is being written: no need to ask the filesystem again (each
            # task's records open the store through objects of their own, several per task)
            self.mode = "write" if str(self.path) in _HELD else self._choose_mode()
        held = _HELD.get(str(self.path)) if self.mode == "write" else None
        if held is not None:
            with self.translated_errors():
                # kept_open brought the file to the current schema before holding it
                connection = held.connection(self._open)
                if held.grouping:  # inside this thread's group: it commits at its end
                    yield connection
                    return
                with connection:
                    yield connection
            return
        with self.translated_errors():
            connection = self._open()
        try:
            with self.translated_errors():
                connection.row_factory = sqlite3.Row
                self._prepare(connection)
                with connection:
                    yield connection
        finally:
            connection.close()

    @contextmanager
    def grouped(self) -> Iterator[None]:
        """The writes this thread makes meanwhile, in one transaction: committed together at
        the end, or none of them if it fails. Only while the store is kept open (a run's
        thread reuses its connection); otherwise each write still commits on its own. Nothing
        but store calls belongs inside: other threads' writes wait for the commit."""
        held = _HELD.get(str(self.path))
        if held is None or held.grouping:
            yield
            return
        with self.connection():
            held.grouping = True
            try:
                yield
            finally:
                held.grouping = False

    @contextmanager
    def kept_open(self) -> Iterator[None]:
        """Meanwhile each thread of this process reuses one connection to the store, whatever
        ``RunStore`` object it writes through, and the tables are checked once: see
        ``RunStore.kept_open``."""
        with self.connection():  # the file, its mode and its tables exist from here on
            pass
        key = str(self.path)
        if self.mode != "write" or key in _HELD:
            yield
            return
        held = _HELD[key] = _Held()
        try:
            yield
        finally:
            del _HELD[key]
            held.close()

    def _open(self) -> sqlite3.Connection:
        if self.mode == "empty":
            return sqlite3.connect(":memory:")
        if self.mode == "read":
            uri = f"file:{quote(str(self.path))}?mode=ro"
            wal = Path(f"{self.path}-wal")
            if not (wal.exists() and wal.stat().st_size > 0):
                uri += "&immutable=1"  # nothing to read from a log: create no -wal/-shm files
            return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise RunStoreError(folder_problem(self.path.parent, error)) from None
        # Not tied to its thread: a kept-open store's connections are each used by one thread
        # only, and closed together by the thread that lets the store go.
        connection = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False
        )
        # In WAL mode NORMAL syncs at checkpoints, not at every commit: a crashed or killed
        # runner loses nothing it committed and the file is never damaged; only a power loss can
        # drop the last commits (resume then runs those tasks again). FULL cost a disk flush per
        # row, about 20 ms each on a busy disk, several times per task.
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    def _prepare(self, connection: sqlite3.Connection) -> None:
        if self.mode == "empty":
            records_schema.create(connection)
            return
        if self.mode == "read":
            records_schema.check_version(connection, self.path)
            records_schema.stand_in_tables(connection)
            return
        if self._prepared:
            return
        connection.execute("PRAGMA journal_mode=WAL")
        records_schema.migrate(connection, self.path)
        self._prepared = True

    @contextmanager
    def translated_errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.ProgrammingError:
            raise  # a mistake in our own SQL, not in the user's store
        except sqlite3.DatabaseError as error:
            raise RunStoreError(self.explain(error)) from None

    def read_only_message(self) -> str:
        blocked = ", ".join(str(p) for p in self.unwritable()) or str(self.path)
        return (
            f"the run store {self.path} is read-only ({blocked} cannot be written by this "
            "user), and this command records what it does. Make it writable (chmod u+w on the "
            "file and its folder) or work in a copy of the project; domino-flows runs, show, "
            "logs and lineage can still read it."
        )

    def explain(self, error: sqlite3.DatabaseError) -> str:
        code = _primary_code(error)
        path = self.path
        if code in (_CORRUPT, _NOTADB):
            return (
                f"the run store {path} is damaged or is not a SQLite file ({error}). Move it "
                f"aside (mv {path} {path}.damaged) and domino-flows starts a new, empty one; the "
                "runs recorded in it can then no longer be listed or resumed."
            )
        if code == _READONLY:
            return self.read_only_message()
        if code in (_BUSY, _LOCKED):
            return (
                f"the run store {path} stayed locked by another process for "
                f"{BUSY_TIMEOUT_SECONDS} s ({error}); try again when that run has finished."
            )
        if code == _FULL:
            return f"the run store {path} cannot grow: the disk is full ({error}). Free space."
        if code in (_CANTOPEN, _PERM, _IOERR):
            return (
                f"the run store {path} cannot be opened ({error}); check that the file and its "
                "folder exist and that this user may read them."
            )
        if "no such column" in str(error) or "no such table" in str(error):
            # a SQLite file whose tables are not the run store's: another program's database
            return (
                f"the run store {path} is a SQLite file but not a domino-flows run store "
                f"({error}). Move it aside (mv {path} {path}.other) and domino-flows starts a "
                "new, empty one."
            )
        return f"the run store {path} cannot be used: {error}"


class _Held:
    """A store kept open: one connection per thread, closed together when it is let go."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []

    @property
    def grouping(self) -> bool:
        """Whether this thread's writes are being grouped (``StoreFile.grouped``)."""
        return bool(getattr(self._local, "grouping", False))

    @grouping.setter
    def grouping(self, value: bool) -> None:
        self._local.grouping = value

    def connection(self, open_: Callable[[], sqlite3.Connection]) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = open_()
            connection.row_factory = sqlite3.Row
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    def close(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.close()


# Stores kept open by this process (``StoreFile.kept_open``), by path.
_HELD: dict[str, _Held] = {}


def _refused(path: Path) -> bool:
    """Whether ``path`` exists and this process may not write it.

    One access(2) call decides, and its errno says why it failed: SQLite removes ``-wal`` and
    ``-shm`` whenever a store's last connection closes, so a file seen a moment ago may be gone
    when access runs. Taken for a refusal, that sent a writer (one of a run's threads) into
    read-only mode. ``os.access`` cannot tell the two apart, hence the C library's own call.
    """
    if _ACCESS is None:  # no C library to ask (Windows): the check can race, as said above
        return path.exists() and not os.access(path, os.W_OK)
    if _ACCESS(os.fsencode(path), os.W_OK) == 0:
        return False
    return ctypes.get_errno() != errno.ENOENT


def _c_access() -> ctypes._NamedFuncPointer | None:
    try:
        function = ctypes.CDLL(None, use_errno=True).access
    except (OSError, TypeError, AttributeError):
        return None
    function.argtypes = [ctypes.c_char_p, ctypes.c_int]
    function.restype = ctypes.c_int
    return function


_ACCESS = _c_access()


def _primary_code(error: sqlite3.DatabaseError) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)  # Python 3.11+
    if code is not None:
        return int(code) & 0xFF
    text = str(error).lower()  # Python 3.10: only the message says what happened
    for fragment, known in (
        ("not a database", _NOTADB),
        ("malformed", _CORRUPT),
        ("readonly", _READONLY),
        ("read-only", _READONLY),
        ("locked", _BUSY),
        ("unable to open", _CANTOPEN),
        ("disk is full", _FULL),
        ("disk i/o", _IOERR),
    ):
        if fragment in text:
            return known
    return None
