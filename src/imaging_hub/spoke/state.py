"""The spoke's durable state: one SQLite database (WAL) in its data folder.

Holds the enrolment, the opt-out register (hashes only), the outbox (one row per instance per project),
studies expected from the PACS, decisions, withdrawals and the running spoke's health. Every writer uses
short transactions; the CLI may read and write while a spoke runs.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# 4: index instance_deid (created by the schema script on an older file);
# 5: study.retrieved_at, instance.source_series_uid, participant_lookup.attempts
SCHEMA_VERSION = 5

_SCHEMA = """
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


def connect(data_dir: Path) -> sqlite3.Connection:
    """Open (creating if needed) the spoke database. One connection per thread."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "spoke.sqlite3"
    fresh = not path.exists()
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    if fresh:
        os.chmod(path, 0o600)  # it holds the enrolment list
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout=30000")
    # FULL: each commit is on disk before it returns, across power loss too. The spoke removes an intake
    # file only after the commit that records it, and an outbox file only after the one that marks it
    # acknowledged; under NORMAL a power cut could undo such a commit after the file was gone.
    conn.execute("PRAGMA synchronous=FULL")
    if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
        return conn  # status polls and workers take no write lock just to open it
    conn.execute("PRAGMA journal_mode=WAL")  # persistent in the file: set once
    _migrate(conn)
    return conn


def _migrate(conn: sqlite3.Connection) -> None:
    """Create the schema, or bring an older one up to date, once, under the write lock."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            columns = {r[1] for r in conn.execute("PRAGMA table_info(study)")}
            if "retrieve_attempts" not in columns:  # version 1
                conn.execute("ALTER TABLE study ADD COLUMN retrieve_attempts INTEGER NOT NULL DEFAULT 0")
            if "retrieved_at" not in columns:  # version 5
                conn.execute("ALTER TABLE study ADD COLUMN retrieved_at REAL")
            instance_columns = {r[1] for r in conn.execute("PRAGMA table_info(instance)")}
            if "finding" not in instance_columns:  # version 2
                conn.execute("ALTER TABLE instance ADD COLUMN finding TEXT NOT NULL DEFAULT ''")
            if "source_series_uid" not in instance_columns:  # version 5
                conn.execute("ALTER TABLE instance ADD COLUMN source_series_uid TEXT NOT NULL DEFAULT ''")
            if "attempts" not in {r[1] for r in conn.execute("PRAGMA table_info(participant_lookup)")}:  # version 5
                conn.execute("ALTER TABLE participant_lookup ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0")
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def set_health(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO health(key, value, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value=excluded.value, updated_at=excluded.updated_at",
        (key, value, time.time()),
    )


def health(conn: sqlite3.Connection) -> dict[str, tuple[str, float]]:
    return {row["key"]: (row["value"], row["updated_at"]) for row in conn.execute("SELECT * FROM health")}
