"""De-identification workers share the intake buffer without a coordinator: each takes its own share, and
every instance is de-identified and queued exactly once, also when a worker is killed mid-group."""

from __future__ import annotations

import datetime as dt
import os
import signal
import threading
from pathlib import Path

from harness import part10, wait_for

from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
from imaging_hub.spoke import SpokeSettings, connect, load_enrolment_file
from imaging_hub.spoke.intake.buffer import IntakeBuffer, Share
from imaging_hub.spoke.runtime.shared_event import SharedEvent
from imaging_hub.spoke.runtime.workers import SPAWN, DeidWorkers, make_processor

SPEC = StudySpec(rows=16, columns=16, series=2, instances_per_series=30, study_date=dt.date(2024, 2, 1))


def _spoke_with_intake(tmp_path: Path, project_key_file: Path, patients: list[SyntheticPatient],
                       workers: int) -> tuple[SpokeSettings, IntakeBuffer, int]:
    settings = SpokeSettings(
        site_id="RX1", data=tmp_path / "data", deid_workers=workers, background_nice=0,
        projects=[{"id": "SHARE", "key_file": project_key_file, "opt_out": "consent", "opt_out_basis": "test"}],
    )
    enrol = tmp_path / "enrol.csv"
    enrol.write_text("participant_id,local_patient_id\n" + "".join(
        f"S-{n:03d},{p.patient_id}\n" for n, p in enumerate(patients)))
    conn = connect(settings.data)
    load_enrolment_file(conn, "SHARE", enrol)
    conn.close()
    intake = IntakeBuffer(settings.data / "intake")
    total = 0
    for n, person in enumerate(patients):
        for ds in make_study(person, SPEC, seed=n + 1):
            intake.put(part10(ds))
            total += 1
    return settings, intake, total


def _queued_once(settings: SpokeSettings, total: int) -> None:
    conn = connect(settings.data)
    try:
        rows = conn.exec_driver_sql(
            "SELECT COUNT(*), COUNT(DISTINCT source_sop_uid), COUNT(DISTINCT blob) FROM instance"
            " WHERE project_id = 'SHARE' AND state = 'deidentified'"
        ).fetchone()
    finally:
        conn.close()
    assert tuple(rows) == (total, total, total)
    assert len(list((settings.data / "outbox" / "SHARE").glob("*.dcm"))) == total
    assert not list((settings.data / "outbox" / "SHARE").glob(".*.tmp"))


def _files_left(intake: IntakeBuffer) -> list[Path]:
    """Every file under the intake folder, hidden folders included."""
    return [p for p in intake.directory.rglob("*") if not p.is_dir()]


def test_shares_split_the_buffer_between_them(tmp_path: Path) -> None:
    buffer = IntakeBuffer(tmp_path / "intake", fsync=False)
    for _ in range(300):
        buffer.put(b"x")
    (tmp_path / "intake" / "dropped-in-by-hand.dcm").write_bytes(b"y")  # not a name the buffer gave
    everything = set(buffer.pending_names())
    shares = [set(buffer.pending_names(Share(part, 3))) for part in range(3)]
    assert set().union(*shares) == everything and sum(len(s) for s in shares) == len(everything)
    assert all(len(s) > 60 for s in shares)  # random names: about a third each
    assert "dropped-in-by-hand.dcm" in shares[0]


def test_two_processors_each_take_only_their_share(
        tmp_path: Path, project_key_file: Path, patients: list[SyntheticPatient]) -> None:
    settings, intake, total = _spoke_with_intake(tmp_path, project_key_file, patients, workers=2)
    done: list[int] = []

    def drain(part: int) -> None:
        done.append(make_processor(settings, Share(part, 2)).drain().queued)

    threads = [threading.Thread(target=drain, args=(part,)) for part in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sum(done) == total and all(done)
    assert intake.count() == 0
    assert _files_left(intake) == []  # identifiable: deleted once recorded, none kept for reuse
    _queued_once(settings, total)


def test_a_killed_worker_is_restarted_and_nothing_is_lost_or_doubled(
        tmp_path: Path, project_key_file: Path, patients: list[SyntheticPatient]) -> None:
    settings, intake, total = _spoke_with_intake(tmp_path, project_key_file, patients, workers=2)
    stop, queued = SharedEvent(SPAWN), SharedEvent(SPAWN)
    arrived = [SharedEvent(SPAWN), SharedEvent(SPAWN)]
    workers = DeidWorkers(settings, arrived, queued, stop)
    workers.start()
    try:
        wait_for(lambda: workers.describe().startswith("2 of 2 ready"), 60, interval=0.05, what="workers to start")
        victim = workers.pids()[0]
        wait_for(lambda: intake.count() < total - 20 or not intake.count(), 60, interval=0.01)
        os.kill(victim, signal.SIGKILL)  # mid-stream: a group de-identified but perhaps not yet recorded

        def recovered() -> bool:
            workers.keep_alive()
            # (the victim may have finished its share before it was killed: its successor has none to do)
            return workers.describe() == "2 of 2 ready, 1 restart(s)" and intake.count() == 0

        wait_for(recovered, 90, interval=0.1, what="the killed worker to be replaced and the buffer drained")
        assert victim not in workers.pids()
    finally:
        stop.set()
        workers.join(30)
    _queued_once(settings, total)


def test_drain_sums_every_group_with_why_instances_were_dropped(
        tmp_path: Path, project_key_file: Path, patients: list[SyntheticPatient]) -> None:
    settings, intake, total = _spoke_with_intake(tmp_path, project_key_file, patients, workers=1)
    intake.put(b"not DICOM at all")
    result = make_processor(settings, Share(0, 1)).drain()  # more files than one group holds
    assert (result.files, result.queued, result.dropped) == (total + 1, total, 1)
    assert result.dropped_reasons == {"unreadable DICOM": 1}
    assert not intake.waiting()
    assert _files_left(intake) == []  # the dropped file went as the de-identified ones did
