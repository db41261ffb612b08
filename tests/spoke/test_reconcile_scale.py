"""The spoke's side of reconciliation grows with the number of instances it reports, not with its square: a
hub that comes back after hours acknowledges a large backlog in one report."""

from __future__ import annotations

import time
from pathlib import Path

from imaging_hub.spoke import connect
from imaging_hub.spoke.delivery.reconciliation import HeldStudy, ReconciliationAnswer, apply_answer, study_reports
from imaging_hub.spoke.state import transaction


def _work_to_acknowledge(folder: Path, delivered: int) -> int:
    """SQLite virtual machine steps (in thousands) to apply a hub answer holding every delivered instance."""
    conn = connect(folder)
    now = time.time()
    with transaction(conn):
        conn.exec_driver_sql("INSERT INTO study(project_id, source_study_uid, deid_study_uid, participant_id)"
                     " VALUES ('P', '1.2.3', '2.25.3', 'P-001')")
        conn.exec_driver_sql(
            "INSERT INTO instance(project_id, source_sop_uid, source_study_uid, source_sha256, participant_id,"
            " deid_study_uid, deid_sop_uid, state, blob, sha256, size, updated_at)"
            " VALUES ('P', ?, '1.2.3', 'aa', 'P-001', '2.25.3', ?, 'delivered', ?, 'bb', 1, ?)",
            [(f"1.2.3.{n}", f"2.25.4{n}", f"/outbox/{n}.dcm", now) for n in range(delivered)],
        )
    reports = study_reports(conn, with_checks=True)
    answer = ReconciliationAnswer(studies=[HeldStudy(project_id="P", study_uid="2.25.3", held=list(reports[0].check))])
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0  # go on

    sqlite = conn.connection.dbapi_connection
    assert sqlite is not None
    sqlite.set_progress_handler(count, 1000)
    with transaction(conn):
        blobs, requeued = apply_answer(conn, reports, answer)
    sqlite.set_progress_handler(None, 0)
    assert (len(blobs), requeued) == (delivered, 0)
    assert conn.exec_driver_sql("SELECT COUNT(*) FROM instance WHERE state = 'acknowledged'").fetchone()[0] == delivered
    conn.close()
    return steps[0]


def test_acknowledging_grows_linearly_with_the_backlog(tmp_path: Path) -> None:
    small = _work_to_acknowledge(tmp_path / "small", 300)
    large = _work_to_acknowledge(tmp_path / "large", 1200)
    assert large < 6 * max(small, 1), (small, large)  # 4x the instances; one lookup each by index, not a scan
