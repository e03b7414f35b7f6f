"""The run store's tables and their version: the one place that says what a store holds.

A store carries its schema version in SQLite's ``PRAGMA user_version``. ``MIGRATIONS[n]`` takes a
store from version ``n`` to ``n + 1``; opening a store for writing applies the ones it lacks, each
in one transaction with its version stamp, so a store is never half migrated. Stores written
before versions existed read 0: their tables are those of version 1, created only if missing.
A store newer than this code is refused rather than guessed at.

To change the schema, append a migration and bring the current schema to the same result: a new
table goes into ``TABLES``, a new column into ``COLUMNS`` (a new store gets its tables, then its
columns, as an old store does); tests/test_records_schema.py checks that the two agree.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from domino_flows.core.errors import RunStoreError

# Version 1: the schema of the releases before versions.
_VERSION_1 = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    flow TEXT NOT NULL DEFAULT '',
    backend TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'Running',
    started_at TEXT NOT NULL,
    finished_at TEXT,
    error TEXT
);
CREATE TABLE IF NOT EXISTS task_attempts (
    run_id TEXT NOT NULL,
    task TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    state TEXT NOT NULL,
    job_id TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    environment TEXT,
    hardware_tier TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    error TEXT,
    PRIMARY KEY (run_id, task, attempt)
);
CREATE TABLE IF NOT EXISTS lineage_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    task TEXT,
    attempt INTEGER,
    event_type TEXT NOT NULL,
    event_time TEXT NOT NULL,
    event TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS artifacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    task TEXT NOT NULL,
    output TEXT NOT NULL,
    artifact_name TEXT NOT NULL,
    artifact_type TEXT NOT NULL,
    file_name TEXT NOT NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (run_id, task, output)
);
CREATE INDEX IF NOT EXISTS lineage_by_run ON lineage_events (run_id, task);
CREATE TABLE IF NOT EXISTS run_meta (
    run_id TEXT PRIMARY KEY,
    flow_file TEXT NOT NULL,
    workflow TEXT NOT NULL,
    inputs BLOB NOT NULL,
    flow_hash TEXT NOT NULL,
    git_commit TEXT,
    git_dirty INTEGER,
    options TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS node_results (
    run_id TEXT NOT NULL,
    node TEXT NOT NULL,
    task TEXT NOT NULL,
    outputs BLOB NOT NULL,
    cached INTEGER NOT NULL DEFAULT 0,
    finished_at TEXT NOT NULL,
    PRIMARY KEY (run_id, node)
);
CREATE TABLE IF NOT EXISTS cache_entries (
    cache_key TEXT PRIMARY KEY,
    task TEXT NOT NULL,
    cache_version TEXT NOT NULL,
    outputs BLOB NOT NULL,
    run_id TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS node_origins (
    run_id TEXT NOT NULL,
    node TEXT NOT NULL,
    task TEXT NOT NULL,
    origin TEXT NOT NULL,
    source_run TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (run_id, node, task)
);
CREATE TABLE IF NOT EXISTS run_outputs (
    run_id TEXT PRIMARY KEY,
    outputs BLOB NOT NULL,
    recorded_at TEXT NOT NULL
);
"""

# Version 2: each run's graph as it started (runner/graph_record.py), for pages that draw it.
_RUN_GRAPHS = """
CREATE TABLE IF NOT EXISTS run_graphs (
    run_id TEXT PRIMARY KEY,
    nodes TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
"""

# Version 3: where each attempt was recorded outside the run store (records/tracking.py): its
# MLflow run, job tags, job stats, registered model versions.
_TRACKING_RECORDS = """
CREATE TABLE IF NOT EXISTS tracking_records (
    run_id TEXT NOT NULL,
    task TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (run_id, task, attempt, kind)
);
"""

# Version 4: each attempt's job settings as its task gave them (``DominoJobConfig.to_custom``
# JSON: contract/job_settings.py), for ``show`` and lineage.
_ATTEMPT_SETTINGS = """
ALTER TABLE task_attempts ADD COLUMN job_settings TEXT;
"""

# The tables as they are now, for new stores and for the read-only stand-ins of
# ``stand_in_tables`` (whose reader takes a column a store lacks as empty), and the columns
# added to them since.
TABLES = _VERSION_1 + _RUN_GRAPHS + _TRACKING_RECORDS
COLUMNS = _ATTEMPT_SETTINGS

# MIGRATIONS[n]: version n -> n + 1. Version 1 is the schema of the releases before versions, so
# its statements create only what a store lacks.
MIGRATIONS: tuple[str, ...] = (_VERSION_1, _RUN_GRAPHS, _TRACKING_RECORDS, _ATTEMPT_SETTINGS)
VERSION = len(MIGRATIONS)

_TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+)", re.IGNORECASE)


def statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def version_of(connection: sqlite3.Connection) -> int:
    return int(connection.execute("PRAGMA user_version").fetchone()[0])


def check_version(connection: sqlite3.Connection, path: Path) -> int:
    """The store's version; a store from a newer domino-flows is refused, naming both."""
    version = version_of(connection)
    if version > VERSION:
        raise RunStoreError(
            f"the run store {path} was written by a newer domino-flows (store version "
            f"{version}; this one knows versions up to {VERSION}). Upgrade domino-flows "
            "(pip install -U domino-flows) to use it, or move it aside to start a new one."
        )
    return version


def migrate(connection: sqlite3.Connection, path: Path) -> None:
    """Bring a store opened for writing to ``VERSION``. Each step re-reads the version inside its
    write transaction, so two processes opening an old store at once migrate it once."""
    while check_version(connection, path) < VERSION:
        connection.execute("BEGIN IMMEDIATE")
        try:
            version = check_version(connection, path)
            if version < VERSION:
                for statement in statements(MIGRATIONS[version]):
                    connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {version + 1}")
        except BaseException:
            connection.rollback()
            raise
        connection.commit()


def create(connection: sqlite3.Connection) -> None:
    """The current schema in a new (in-memory) database."""
    connection.executescript(TABLES)
    for statement in statements(COLUMNS):
        connection.execute(statement)
    connection.execute(f"PRAGMA user_version = {VERSION}")


def stand_in_tables(connection: sqlite3.Connection) -> None:
    """Empty temporary tables for those a read-only store lacks (it predates them): they live with
    the connection, so reading works and the store stays untouched."""
    present = {row[0] for row in connection.execute("SELECT name FROM main.sqlite_master")}
    for statement in statements(TABLES):
        match = _TABLE.search(statement)
        if match and match.group(1) not in present:
            temporary = f"CREATE TEMP TABLE IF NOT EXISTS {match.group(1)}"
            connection.execute(statement.replace(match.group(0), temporary, 1))
