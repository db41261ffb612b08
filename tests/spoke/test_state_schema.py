"""A spoke's state file from an earlier version is brought up to date when it is opened, keeping its rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from imaging_hub.spoke.state import SCHEMA_VERSION, connect


def test_a_version_4_file_gains_the_time_of_each_studys_last_good_retrieve(tmp_path: Path) -> None:
    connect(tmp_path).close()
    path = tmp_path / "spoke.sqlite3"
    old = sqlite3.connect(path)
    old.execute("ALTER TABLE study DROP COLUMN retrieved_at")
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
    finally:
        conn.close()
