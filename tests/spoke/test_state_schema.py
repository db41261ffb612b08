"""A spoke's state file from an earlier version is brought up to date when it is opened, keeping its rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from imaging_hub.spoke.state import SCHEMA_VERSION, connect


def test_a_version_4_file_is_brought_up_to_version_5(tmp_path: Path) -> None:
    connect(tmp_path).close()
    path = tmp_path / "spoke.sqlite3"
    old = sqlite3.connect(path)
    old.execute("ALTER TABLE study DROP COLUMN retrieved_at")
    old.execute("ALTER TABLE instance DROP COLUMN source_series_uid")
    old.execute("ALTER TABLE participant_lookup DROP COLUMN attempts")
    old.execute("INSERT INTO participant_lookup(project_id, participant_id, outcome, queried_at) VALUES"
                " ('P', 'P-002', 'not found in PACS by local patient ID', 0)")
    old.execute("INSERT INTO instance(project_id, source_sop_uid, source_study_uid, source_sha256, participant_id,"
                " state, updated_at) VALUES ('P', '1.2.3.1', '1.2.3', 'ab', 'P-001', 'acknowledged', 0)")
    old.execute("INSERT INTO study(project_id, source_study_uid, deid_study_uid, participant_id) VALUES"
                " ('P', '1.2.3', '2.25.1', 'P-001')")
    old.execute("PRAGMA user_version=4")
    old.commit()
    old.close()
    conn = connect(tmp_path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
        row = conn.execute("SELECT participant_id, retrieved_at FROM study").fetchone()
        assert tuple(row) == ("P-001", None)
        row = conn.execute("SELECT source_sop_uid, source_series_uid FROM instance").fetchone()
        assert tuple(row) == ("1.2.3.1", "")  # not known for rows from before: a pull then asks for every series
        row = conn.execute("SELECT participant_id, attempts FROM participant_lookup").fetchone()
        assert tuple(row) == ("P-002", 0)
    finally:
        conn.close()
