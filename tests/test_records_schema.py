"""The run store's schema version: stores of the previous release open and are migrated forward,
a store of a newer release is refused, and the migrations build exactly the current tables."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from domino_flows.cli import main
from domino_flows.core.errors import RunStoreError
from domino_flows.records import schema as records_schema
from domino_flows.records.store import RunStore
from domino_flows.runner.state import RunnerState

PREVIOUS_RELEASE = Path(__file__).parent / "stores" / "previous_release.sql"
RUN_ID = "20261206-234337-a4b915"  # the run the fixture holds


def _previous_store(root: Path) -> RunStore:
    store = RunStore.for_project(root)
    store.path.parent.mkdir(parents=True)
    with sqlite3.connect(store.path) as db:
        db.executescript(PREVIOUS_RELEASE.read_text())
    return store


def _version(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return records_schema.version_of(db)


def _schema(db: sqlite3.Connection) -> list[tuple[str, str]]:
    rows = db.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
    return [(name, " ".join(sql.replace("IF NOT EXISTS ", "").split())) for name, sql in rows]


def test_a_store_written_by_the_previous_release_is_read_and_migrated(project: Path) -> None:
    store = _previous_store(project)
    assert _version(store.path) == 0

    (run,) = store.runs()
    assert (run["run_id"], run["state"], run["flow"]) == (RUN_ID, "Succeeded", "fanin.fanin")
    assert _version(store.path) == records_schema.VERSION
    assert [a.task for a in store.attempts(RUN_ID)][-1] == "fanin.join"
    meta = RunnerState(store).meta(RUN_ID)
    assert meta is not None and meta.workflow == "fanin"
    assert RunnerState(store).cached_tasks() == ["fanin.part"]

    show = CliRunner().invoke(main, ["show", RUN_ID])
    assert show.exit_code == 0, show.output
    assert f"run {RUN_ID}: fanin.fanin - Succeeded" in show.output
    assert store.start_run("next-run", "flow", "local")  # and it takes new runs
    assert [r["run_id"] for r in store.runs()] == [RUN_ID, "next-run"]


def test_a_read_only_store_of_the_previous_release_is_read_as_it_is(project: Path) -> None:
    store = _previous_store(project)
    store._file.mode = "read"  # as when this user cannot write it (test_store_access.py)
    assert [r["run_id"] for r in store.runs()] == [RUN_ID]
    assert _version(store.path) == 0  # nothing written


def test_a_store_of_a_newer_release_is_refused_with_what_to_do(project: Path) -> None:
    store = RunStore.for_project(project)
    store.start_run("r1")
    newer = records_schema.VERSION + 1
    with sqlite3.connect(store.path) as db:
        db.execute(f"PRAGMA user_version = {newer}")
    with pytest.raises(RunStoreError) as raised:
        RunStore.for_project(project).runs()
    message = str(raised.value)
    assert message.startswith(f"the run store {store.path} was written by a newer domino-flows")
    assert f"(store version {newer}; this one knows versions up to {records_schema.VERSION})" in (
        message
    )
    assert "pip install -U domino-flows" in message
    assert _version(store.path) == newer


def test_the_migrations_build_exactly_the_current_tables(tmp_path: Path) -> None:
    migrated = sqlite3.connect(tmp_path / "migrated.sqlite")
    records_schema.migrate(migrated, tmp_path / "migrated.sqlite")
    created = sqlite3.connect(":memory:")
    records_schema.create(created)
    assert _schema(migrated) == _schema(created)
    assert records_schema.version_of(migrated) == records_schema.version_of(created)
    assert records_schema.version_of(created) == records_schema.VERSION


def test_a_later_migration_is_applied_once_and_stamped(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """How the next schema change will land: one more migration, applied to older stores."""
    store = _previous_store(project)
    added = "ALTER TABLE runs ADD COLUMN title TEXT"
    monkeypatch.setattr(records_schema, "MIGRATIONS", (*records_schema.MIGRATIONS, added))
    monkeypatch.setattr(records_schema, "VERSION", records_schema.VERSION + 1)
    assert store.runs()[0]["title"] is None
    assert _version(store.path) == records_schema.VERSION
    assert RunStore.for_project(project).runs()[0]["run_id"] == RUN_ID  # not applied twice


def test_a_failed_migration_leaves_the_store_as_it_was(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _previous_store(project)
    broken = "CREATE TABLE extra (a TEXT); ALTER TABLE no_such_table ADD COLUMN b TEXT"
    monkeypatch.setattr(records_schema, "MIGRATIONS", (*records_schema.MIGRATIONS, broken))
    monkeypatch.setattr(records_schema, "VERSION", records_schema.VERSION + 1)
    with pytest.raises(RunStoreError):
        store.runs()
    assert _version(store.path) == records_schema.VERSION - 1  # the first step stayed
    with sqlite3.connect(store.path) as db:
        names = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert "extra" not in names
