"""The spoke's state file: Alembic migrations create it, and adopt files the hand-written migrator made
before (``PRAGMA user_version`` 4 and 5), keeping their rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from imaging_hub.spoke import connect
from imaging_hub.spoke.state import MIGRATIONS, VERSION_TABLE
from imaging_hub.spoke.tables import metadata

# The hand-written migrator's schema script at its version 5, as spoke/state.py held it (copied, not imported:
# the fixture must not follow later changes).
OLD_SCHEMA = """
CREATE TABLE IF NOT EXISTS participant (
    project_id TEXT NOT NULL,
    participant_id TEXT NOT NULL,
    local_patient_id TEXT NOT NULL DEFAULT '',
    nhs_number TEXT NOT NULL DEFAULT '',
    window_start TEXT NOT NULL DEFAULT '',
    window_end TEXT NOT NULL DEFAULT '',
    modalities TEXT NOT NULL DEFAULT '',
    withdrawn_at REAL,
    PRIMARY KEY (project_id, participant_id)
);
CREATE INDEX IF NOT EXISTS participant_local ON participant(local_patient_id);
CREATE INDEX IF NOT EXISTS participant_nhs ON participant(nhs_number);

CREATE TABLE IF NOT EXISTS opt_out (
    nhs_hash TEXT PRIMARY KEY,
    checked_on TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS opt_out_load (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    loaded_at REAL NOT NULL,
    source TEXT NOT NULL,
    source_mtime REAL NOT NULL,
    entries INTEGER NOT NULL,
    latest_check TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS study (
    project_id TEXT NOT NULL,
    source_study_uid TEXT NOT NULL,
    deid_study_uid TEXT NOT NULL,
    participant_id TEXT NOT NULL,
    expected_instances INTEGER,
    expected_series INTEGER,
    retrieve_error TEXT NOT NULL DEFAULT '',
    retrieve_attempts INTEGER NOT NULL DEFAULT 0,
    queried_at REAL,
    retrieved_at REAL,  -- when a retrieve of it last ended without error
    PRIMARY KEY (project_id, source_study_uid)
);

CREATE TABLE IF NOT EXISTS instance (
    project_id TEXT NOT NULL,
    source_sop_uid TEXT NOT NULL,
    source_study_uid TEXT NOT NULL,
    source_series_uid TEXT NOT NULL DEFAULT '',  -- '' in rows from before version 5
    source_sha256 TEXT NOT NULL,  -- fingerprint.source_fingerprint (the whole file's SHA-256 in older rows)
    participant_id TEXT NOT NULL,
    deid_study_uid TEXT NOT NULL DEFAULT '',
    deid_sop_uid TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    finding TEXT NOT NULL DEFAULT '',  -- failed acquisition checks that only warn ('' when none)
    blob TEXT NOT NULL DEFAULT '',
    sha256 TEXT NOT NULL DEFAULT '',
    size INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt REAL NOT NULL DEFAULT 0,
    updated_at REAL NOT NULL,
    PRIMARY KEY (project_id, source_sop_uid)
);
CREATE INDEX IF NOT EXISTS instance_due ON instance(state, next_attempt);
CREATE INDEX IF NOT EXISTS instance_study ON instance(project_id, source_study_uid);
CREATE INDEX IF NOT EXISTS instance_participant ON instance(project_id, participant_id);
-- reconciliation answers from the hub name instances by their de-identified UID
CREATE INDEX IF NOT EXISTS instance_deid ON instance(project_id, deid_sop_uid);

CREATE TABLE IF NOT EXISTS decision (
    project_id TEXT NOT NULL,
    subject_hash TEXT NOT NULL,
    study_hash TEXT NOT NULL,
    decision TEXT NOT NULL,
    reason TEXT NOT NULL,
    instances INTEGER NOT NULL,
    first_at REAL NOT NULL,
    last_at REAL NOT NULL,
    PRIMARY KEY (project_id, subject_hash, study_hash, decision, reason)
);

CREATE TABLE IF NOT EXISTS withdrawal (
    project_id TEXT NOT NULL,
    participant_id TEXT NOT NULL,
    requested_at REAL NOT NULL,
    hub_notified_at REAL,
    hub_removed INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt REAL NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (project_id, participant_id)
);

CREATE TABLE IF NOT EXISTS pull_request (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id TEXT NOT NULL DEFAULT '',
    requested_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    outcome TEXT NOT NULL DEFAULT ''
);

CREATE TABLE IF NOT EXISTS participant_lookup (
    project_id TEXT NOT NULL,
    participant_id TEXT NOT NULL,
    outcome TEXT NOT NULL,  -- why the PACS query found nothing ('' once something was found)
    queried_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,  -- lookups in a row the PACS could not answer (retried with backoff)
    PRIMARY KEY (project_id, participant_id)
);

CREATE TABLE IF NOT EXISTS health (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at REAL NOT NULL
);
"""


def _old_file(folder: Path, version: int) -> Path:
    """A state file as the hand-written migrator left it, with a row in the tables that matter most."""
    path = folder / "spoke.sqlite3"
    old = sqlite3.connect(path, isolation_level=None)
    old.execute("PRAGMA journal_mode=WAL")
    old.executescript(OLD_SCHEMA)
    if version < 5:
        old.execute("DROP INDEX instance_deid")  # version 4 had it; dropped here to see it made again
        old.execute("ALTER TABLE study DROP COLUMN retrieved_at")
        old.execute("ALTER TABLE instance DROP COLUMN source_series_uid")
        old.execute("ALTER TABLE participant_lookup DROP COLUMN attempts")
    old.execute("INSERT INTO participant(project_id, participant_id, local_patient_id) VALUES ('P', 'P-001', 'L1')")
    old.execute("INSERT INTO participant_lookup(project_id, participant_id, outcome, queried_at) VALUES"
                " ('P', 'P-002', 'not found in PACS by local patient ID', 0)")
    old.execute("INSERT INTO instance(project_id, source_sop_uid, source_study_uid, source_sha256, participant_id,"
                " state, updated_at) VALUES ('P', '1.2.3.1', '1.2.3', 'ab', 'P-001', 'acknowledged', 0)")
    old.execute("INSERT INTO study(project_id, source_study_uid, deid_study_uid, participant_id) VALUES"
                " ('P', '1.2.3', '2.25.1', 'P-001')")
    old.execute("INSERT INTO pull_request(requested_at) VALUES (1.5)")
    old.execute(f"PRAGMA user_version={version}")
    old.close()
    return path


def _differences(path: Path) -> list[object]:
    """What the tables module declares that the file lacks, or the other way round."""
    conn = sqlite3.connect(path)
    try:
        engine = sa.create_engine("sqlite://", creator=lambda: conn)
        with engine.connect() as sa_conn:
            context = MigrationContext.configure(sa_conn, opts={"version_table": VERSION_TABLE})
            # SQLite reports a one-column primary key as nullable whatever the DDL says: not a difference here.
            return [d for d in compare_metadata(context, metadata)
                    if not (isinstance(d, list) and d[0][0] == "modify_nullable"
                            and metadata.tables[d[0][2]].primary_key.columns.keys() == [d[0][3]])]
    finally:
        conn.close()


@pytest.mark.parametrize("version", [5, 4])
def test_a_file_from_the_hand_written_migrator_is_adopted_with_its_rows(tmp_path: Path, version: int) -> None:
    path = _old_file(tmp_path, version)
    conn = connect(tmp_path)
    try:
        assert MIGRATIONS.is_current(conn)
        rows = {
            "study": conn.exec_driver_sql("SELECT participant_id, retrieved_at FROM study").all(),
            "instance": conn.exec_driver_sql("SELECT source_sop_uid, source_series_uid, state FROM instance").all(),
            "lookup": conn.exec_driver_sql("SELECT participant_id, attempts FROM participant_lookup").all(),
            "participant": conn.exec_driver_sql("SELECT participant_id, local_patient_id FROM participant").all(),
            "pull": conn.exec_driver_sql("SELECT id, requested_at, project_id FROM pull_request").all(),
        }
    finally:
        conn.close()
    assert rows == {
        "study": [("P-001", None)],
        # not known for rows from before version 5: a pull then asks for every series
        "instance": [("1.2.3.1", "", "acknowledged")],
        "lookup": [("P-002", 0)],
        "participant": [("P-001", "L1")],
        "pull": [(1, 1.5, "")],
    }
    assert _differences(path) == []


def test_a_new_file_has_the_tables_the_code_declares_and_is_private(tmp_path: Path) -> None:
    connect(tmp_path / "data").close()
    path = tmp_path / "data" / "spoke.sqlite3"
    assert _differences(path) == []
    assert path.stat().st_mode & 0o777 == 0o600  # it holds the enrolment list
    check = sqlite3.connect(path)
    try:
        assert check.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert check.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchall() == [(MIGRATIONS.heads()[0],)]
    finally:
        check.close()


def test_opening_a_current_file_takes_no_write_lock(tmp_path: Path) -> None:
    connect(tmp_path).close()
    writer = sqlite3.connect(tmp_path / "spoke.sqlite3", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
    try:
        conn = connect(tmp_path)
        conn.close()
    finally:
        writer.execute("ROLLBACK")
        writer.close()
