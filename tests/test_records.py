"""The run store on a real SQLite file: rows written as things happen, read back as written."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from domino_flows.core.redaction import redact
from domino_flows.records.store import ArtifactRecord, RunStore


@pytest.fixture
def store(tmp_path: Path) -> RunStore:
    return RunStore.for_project(tmp_path)


def test_file_location_and_wal_mode(store: RunStore, tmp_path: Path) -> None:
    store.start_run("r1")
    assert store.path == tmp_path / ".domino-flows" / "runs.sqlite"
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"runs", "task_attempts", "lineage_events", "artifacts"} <= tables


def test_runs_start_once_and_finish(store: RunStore) -> None:
    assert store.start_run("r1", flow="pipeline", backend="local") is True
    assert store.start_run("r1", flow="pipeline", backend="local") is False
    (run,) = store.runs()
    assert (run["run_id"], run["state"], run["finished_at"]) == ("r1", "Running", None)
    store.finish_run("r1", "Failed", "tasks failed: train")
    (run,) = store.runs()
    assert run["state"] == "Failed" and run["error"] == "tasks failed: train"
    assert run["finished_at"] >= run["started_at"]


def test_attempts_end_once(store: RunStore) -> None:
    store.start_attempt("r1", "train", 1, "job-1", "file:///x", "Python 3.11", "Large")
    store.start_attempt("r1", "train", 2, "job-2")
    assert store.finish_attempt("r1", "train", 1, "Failed", "exit 1") is True
    assert store.finish_attempt("r1", "train", 1, "Succeeded") is False  # polled again
    first, second = store.attempts("r1")
    assert (first.attempt, first.state, first.error) == (1, "Failed", "exit 1")
    assert (first.environment, first.hardware_tier, first.url) == (
        "Python 3.11",
        "Large",
        "file:///x",
    )
    assert (second.state, second.finished_at) == ("Running", None)
    assert store.attempts("other") == []


def test_lineage_events_in_order(store: RunStore) -> None:
    store.add_lineage_event("r1", "START", '{"n": 1}')
    store.add_lineage_event("r1", "START", '{"n": 2}', task="train", attempt=1)
    store.add_lineage_event("r1", "COMPLETE", '{"n": 3}', task="train", attempt=1)
    assert [e["event"] for e in store.lineage_events("r1")] == ['{"n": 1}', '{"n": 2}', '{"n": 3}']
    assert [e["event_type"] for e in store.lineage_events("r1", "train")] == ["START", "COMPLETE"]


def test_artifacts_listed_per_run(store: RunStore) -> None:
    record = ArtifactRecord("r1", "train", "model", "Churn model", "MODEL", "m.json", "/a", "ab")
    store.add_artifact(record)
    store.add_artifact(
        ArtifactRecord("r2", "train", "model", "Churn model", "MODEL", "m", "/b", "cd")
    )
    (found,) = store.artifacts("r1")
    assert found.artifact_name == "Churn model" and found.sha256 == "ab" and found.created_at
    assert len(store.artifacts()) == 2


def test_credentials_are_redacted_before_writing(
    store: RunStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOMINO_USER_API_KEY", "fake-key-0c0ffee")
    store.start_attempt("r1", "train", 1, "job")
    store.finish_attempt("r1", "train", 1, "Failed", "job printed fake-key-0c0ffee")
    store.add_lineage_event("r1", "FAIL", '{"message": "fake-key-0c0ffee"}')
    assert "fake-key-0c0ffee" not in store.attempts("r1")[0].error
    for path in store.path.parent.iterdir():  # the database and its write-ahead log
        assert b"fake-key-0c0ffee" not in path.read_bytes(), path
    assert b"<DOMINO_USER_API_KEY redacted>" in b"".join(
        p.read_bytes() for p in store.path.parent.iterdir()
    )
    assert redact("a fake-key-0c0ffee b") == "a <DOMINO_USER_API_KEY redacted> b"
    assert redact(None) is None


def test_store_is_shared_by_instances(store: RunStore) -> None:
    store.start_run("r1")
    assert [run["run_id"] for run in RunStore(store.path).runs()] == ["r1"]


# --- opening the store: missing, damaged, read-only -----------------------------------------------


def test_reading_a_missing_store_creates_nothing(tmp_path: Path) -> None:
    from domino_flows.runner.state import RunnerState

    reader = RunStore.for_project(tmp_path, create=False)
    assert reader.runs() == [] and reader.attempts() == [] and reader.artifacts() == []
    assert RunnerState(reader).meta("r1") is None and RunnerState(reader).node_rows("r1") == []
    assert RunnerState(reader).clear_cache() == 0
    assert not (tmp_path / ".domino-flows").exists()


@pytest.mark.parametrize(
    "content", [b"garbage, not a database" * 100, b"SQLite format 3\0" + b"\xff" * 200]
)
def test_a_damaged_store_is_one_error_naming_the_file_and_the_fix(
    tmp_path: Path, content: bytes
) -> None:
    from domino_flows.core.errors import RunStoreError

    for create in (True, False):
        store = RunStore.for_project(tmp_path, create=create)
        store.path.parent.mkdir(exist_ok=True)
        store.path.write_bytes(content)
        with pytest.raises(RunStoreError) as raised:
            store.runs()
        message = str(raised.value)
        assert message.startswith(f"the run store {store.path} is damaged or is not a SQLite file")
        assert f"mv {store.path} {store.path}.damaged" in message


def test_a_read_only_store_is_read_without_being_changed(tmp_path: Path) -> None:
    """Opened as a store this process cannot write is (root may write anything, so the mode is
    set here; tests/runner/test_commands.py checks real file permissions as another user)."""
    from domino_flows.core.errors import RunStoreError
    from domino_flows.runner.state import RunnerState

    writer = RunStore.for_project(tmp_path)
    writer.start_run("r1", flow="pipeline")  # a store written before the runner's tables existed
    before = sorted(p.name for p in writer.path.parent.iterdir())
    reader = RunStore.for_project(tmp_path)
    reader._file.mode = "read"
    assert [run["run_id"] for run in reader.runs()] == ["r1"]
    assert RunnerState(reader).meta("r1") is None  # stood in for by an empty temporary table
    assert RunnerState(reader).node_rows("r1") == []
    with pytest.raises(RunStoreError, match="is read-only .*chmod u\\+w"):
        reader.start_run("r2")
    assert sorted(p.name for p in writer.path.parent.iterdir()) == before  # no -wal/-shm left


def test_a_log_file_that_vanishes_while_looked_at_is_not_a_refusal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite removes -wal and -shm when a store's last connection closes; one seen a moment ago
    and gone when its permission is checked must not make a writer read-only."""
    store = RunStore.for_project(tmp_path)
    store.start_run("r1")
    gone = Path(f"{store.path}-shm")
    gone.unlink(missing_ok=True)
    monkeypatch.setattr(Path, "exists", lambda self: True)  # as if listed just before it went
    assert store._file.unwritable() == []


@pytest.mark.parametrize(
    ("message", "fragment"),
    [
        ("file is not a database", "is damaged"),
        ("attempt to write a readonly database", "is read-only"),
        ("database is locked", "stayed locked by another process"),
        ("unable to open database file", "cannot be opened"),
        ("database or disk is full", "the disk is full"),
        ("no such table: x", "is a SQLite file but not a domino-flows run store"),
        ('near "x": syntax error', 'cannot be used: near "x": syntax error'),
    ],
)
def test_sqlite_errors_are_explained_without_error_codes(
    tmp_path: Path, message: str, fragment: str
) -> None:
    """Python 3.10 gives no result code: the message decides."""
    from domino_flows.records.sqlite import StoreFile

    error = sqlite3.OperationalError(message)
    assert getattr(error, "sqlite_errorcode", None) is None
    assert fragment in StoreFile(tmp_path / "runs.sqlite").explain(error)


def test_a_sqlite_file_that_is_not_a_run_store_is_named_with_the_fix(tmp_path: Path) -> None:
    import sqlite3

    from domino_flows.core.errors import RunStoreError

    store = RunStore.for_project(tmp_path)
    store.path.parent.mkdir()
    with sqlite3.connect(store.path) as other:  # another program's database at that name
        other.execute("CREATE TABLE runs (id INTEGER)")
    with pytest.raises(RunStoreError) as raised:
        store.runs()
    message = str(raised.value)
    assert message.startswith(f"the run store {store.path} is a SQLite file but not a domino")
    assert f"mv {store.path} {store.path}.other" in message
