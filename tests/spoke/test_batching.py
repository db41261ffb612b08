"""Grouping while instances stream in: a de-identification group stays open while files keep arriving and
closes after a quiet pause; the courier holds a batch not yet full only while more is on its way."""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import HubProcess, TlsFiles, free_port, part10, write_spoke_config

from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
from imaging_hub.spoke import SpokeSettings, connect, load_enrolment_file
from imaging_hub.spoke.delivery import courier as courier_module
from imaging_hub.spoke.delivery.courier import BATCH_QUIET_S, Courier
from imaging_hub.spoke.delivery.hubclient import HubClient
from imaging_hub.spoke.intake.buffer import EVERYTHING, IntakeBuffer
from imaging_hub.spoke.runtime.workers import make_processor

SPEC = StudySpec(rows=16, columns=16, series=1, instances_per_series=20, study_date=dt.date(2024, 2, 1))
PROJECT = "BATCH"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory, tls: TlsFiles) -> Iterator[HubProcess]:
    process = HubProcess(tmp_path_factory.mktemp("hub") / "data", tls, ["RX1"], [PROJECT])
    process.start()
    yield process
    process.stop()


def _spoke(tmp_path: Path, hub: HubProcess, project_key_file: Path) -> tuple[SpokeSettings, IntakeBuffer, Path]:
    """A spoke whose intake buffer is empty and whose study (20 instances) waits in ``held``."""
    person = SyntheticPatient.make(random.Random(tmp_path.name), "RX1")
    config = write_spoke_config(tmp_path / "spoke", site_id="RX1", hub=hub, dicom_port=free_port(), batch_size=100,
                                projects=[{"id": PROJECT, "key_file": str(project_key_file), "opt_out": "consent",
                                           "opt_out_basis": "test"}])
    settings = SpokeSettings.load(config)
    enrol = tmp_path / "enrol.csv"
    enrol.write_text(f"participant_id,local_patient_id\nB-001,{person.patient_id}\n")
    conn = connect(settings.data)
    load_enrolment_file(conn, PROJECT, enrol)
    conn.close()
    intake = IntakeBuffer(settings.data / "intake", fsync=False)
    held = tmp_path / "held"
    held.mkdir()
    for ds in make_study(person, SPEC, seed=1):
        os.rename(intake.put(part10(ds)), held / f"{ds.SOPInstanceUID}.dcm")
    return settings, intake, held


def _arrive(held: Path, intake: IntakeBuffer, n: int) -> None:
    for path in sorted(held.iterdir())[:n]:
        intake.put(path.read_bytes())
        path.unlink()


def test_a_group_stays_open_while_files_arrive_and_closes_when_they_stop(
        tmp_path: Path, hub: HubProcess, project_key_file: Path) -> None:
    settings, intake, held = _spoke(tmp_path, hub, project_key_file)
    processor = make_processor(settings, EVERYTHING)
    pauses: list[float] = []

    def pause(seconds: float) -> None:  # the sender goes on: 4 more files during each of the first three pauses
        pauses.append(seconds)
        if len(pauses) <= 3:
            _arrive(held, intake, 4)

    _arrive(held, intake, 2)
    result = processor.run_once(linger_s=60.0, pause=pause, quiet_s=0.01)
    assert result.files == result.queued == 2 + 3 * 4  # one group, recorded once
    assert pauses == [0.01] * 4  # the fourth pause brought nothing: the group closed without waiting longer
    assert not intake.waiting()

    _arrive(held, intake, 2)
    pauses.clear()
    result = processor.run_once(linger_s=0.0, pause=pause, quiet_s=0.01)
    assert (result.files, pauses) == (2, [])  # no lingering asked for: what is there, at once


def test_the_courier_holds_a_batch_only_while_more_is_coming(
        tmp_path: Path, hub: HubProcess, project_key_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(courier_module, "BATCH_LINGER_S", 600.0)  # only the quiet rule decides here
    settings, intake, held = _spoke(tmp_path, hub, project_key_file)
    processor = make_processor(settings, EVERYTHING)
    conn = connect(settings.data)
    client = HubClient(settings.hub)
    sent: list[int] = []
    stow = client.stow
    client.stow = lambda paths: (sent.append(len(paths)), stow(paths))[1]  # type: ignore[method-assign]
    coming = [True]
    courier = Courier(conn, client, settings.hub, "RX1", more_coming=lambda: coming[0])
    try:
        _arrive(held, intake, 5)
        assert processor.run_once().queued == 5
        assert not courier.step() and sent == []  # intake files still on their way (as far as it knows): held
        _arrive(held, intake, 5)
        assert processor.run_once().queued == 5
        time.sleep(BATCH_QUIET_S / 2)
        assert not courier.step() and sent == []  # it grew: held again, from now
        time.sleep(BATCH_QUIET_S * 1.5)
        assert courier.step() and sent == [10]  # no growth for the quiet time: both groups in one request

        _arrive(held, intake, 4)
        assert processor.run_once().queued == 4
        coming[0] = False
        assert courier.step() and sent == [10, 4]  # nothing left to de-identify: sent at once
    finally:
        client.close()
        conn.close()
