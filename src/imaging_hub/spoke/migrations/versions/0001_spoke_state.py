"""The spoke's state as the hand-written migrator left it at its version 5; files it made are adopted.

A file from that migrator (``PRAGMA user_version`` 1 to 5) already holds some or all of this: tables and
indexes are created only where missing, and the columns versions before 5 lacked are added, as the migrator
did, so no row is lost.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

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
    retrieved_at REAL,
    PRIMARY KEY (project_id, source_study_uid)
);

CREATE TABLE IF NOT EXISTS instance (
    project_id TEXT NOT NULL,
    source_sop_uid TEXT NOT NULL,
    source_study_uid TEXT NOT NULL,
    source_series_uid TEXT NOT NULL DEFAULT '',
    source_sha256 TEXT NOT NULL,
    participant_id TEXT NOT NULL,
    deid_study_uid TEXT NOT NULL DEFAULT '',
    deid_sop_uid TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    finding TEXT NOT NULL DEFAULT '',
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
    outcome TEXT NOT NULL,
    queried_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, participant_id)
);

CREATE TABLE IF NOT EXISTS health (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at REAL NOT NULL
)
"""

# (table, column, type and default): what files from the migrator's versions 1 to 4 lack
_ADDED_LATER = [
    ("study", "retrieve_attempts", "INTEGER NOT NULL DEFAULT 0"),  # version 1
    ("instance", "finding", "TEXT NOT NULL DEFAULT ''"),  # version 2
    ("study", "retrieved_at", "REAL"),  # version 5
    ("instance", "source_series_uid", "TEXT NOT NULL DEFAULT ''"),  # version 5
    ("participant_lookup", "attempts", "INTEGER NOT NULL DEFAULT 0"),  # version 5
]


def upgrade() -> None:
    bind = op.get_bind()
    # Columns first: the schema script's indexes may name them (CREATE TABLE IF NOT EXISTS leaves old tables).
    existing = set(sa.inspect(bind).get_table_names())
    for table, column, declaration in _ADDED_LATER:
        if table in existing and column not in {c["name"] for c in sa.inspect(bind).get_columns(table)}:
            op.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
    for statement in _SCHEMA.split(";"):
        op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("the spoke's state is not downgraded: restore a backup of the data folder instead")
