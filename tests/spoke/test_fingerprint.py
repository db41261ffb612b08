"""Resend or correction: the source fingerprint leaves the Pixel Data value out, and the spoke still tells a
resend (nothing to do) from a corrected header (goes again), for rows recorded before as well."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from pathlib import Path
from types import SimpleNamespace

import pytest
from harness import part10, write_spoke_config
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate
from pydicom.uid import JPEGBaseline8Bit

from imaging_hub.dicom.part10 import read_part10
from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
from imaging_hub.spoke import SpokeSettings, connect, load_enrolment_file
from imaging_hub.spoke.intake.buffer import IntakeBuffer
from imaging_hub.spoke.intake.fingerprint import PIXELS_LEFT_OUT, same_source, source_fingerprint
from imaging_hub.spoke.pipeline.deid_work import WorkContext
from imaging_hub.spoke.pipeline.processor import Processor
from imaging_hub.spoke.state import transaction

SPEC = StudySpec(rows=64, columns=64, series=1, instances_per_series=2, study_date=dt.date(2024, 2, 1))
PATIENT = SyntheticPatient.make(random.Random(7), "RX1")


def _slice() -> Dataset:
    return next(iter(make_study(PATIENT, SPEC, seed=3)))


def _fingerprint(data: bytes) -> str:
    return source_fingerprint(data, read_part10(data))


def test_the_same_bytes_give_the_same_fingerprint_without_hashing_the_pixels() -> None:
    data = part10(_slice())
    fingerprint = _fingerprint(data)
    assert fingerprint == _fingerprint(bytes(data)) and fingerprint.startswith(PIXELS_LEFT_OUT)
    assert fingerprint[len(PIXELS_LEFT_OUT):] != hashlib.sha256(data).hexdigest()


def test_a_corrected_header_changes_it_and_so_do_a_new_pixel_length_and_a_new_transfer_syntax() -> None:
    ds = _slice()
    original = _fingerprint(part10(ds))
    ds.StudyDescription = "CT HEAD (corrected)"
    assert _fingerprint(part10(ds)) != original
    ds = _slice()
    ds.Rows, ds.PixelData = ds.Rows - 1, ds.PixelData[:-ds.Columns * 2]
    assert _fingerprint(part10(ds)) != original
    ds = _slice()
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2"  # implicit VR little endian
    assert _fingerprint(part10(ds)) != original


def test_pixels_changed_under_the_same_uid_and_length_count_as_the_same_source() -> None:
    """DICOM gives pixels that change a new SOP Instance UID: what is left out is what cannot be corrected."""
    ds = _slice()
    original = _fingerprint(part10(ds))
    ds.PixelData = bytes(len(ds.PixelData))
    assert _fingerprint(part10(ds)) == original


def test_a_file_without_located_pixels_is_hashed_whole() -> None:
    ds = _slice()
    del ds.PixelData
    data = part10(ds)
    assert _fingerprint(data) == hashlib.sha256(data).hexdigest()
    ds = _slice()
    ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
    ds.PixelData = encapsulate([b"\xff\xd8 one frame \xff\xd9"])  # undefined length: read by pydicom
    data = part10(ds)
    assert _fingerprint(data) == hashlib.sha256(data).hexdigest()


def test_same_source_recognises_rows_recorded_with_the_whole_files_hash() -> None:
    data = part10(_slice())
    fingerprint = _fingerprint(data)
    assert same_source(fingerprint, fingerprint, data)
    assert same_source(hashlib.sha256(data).hexdigest(), fingerprint, data)  # a row from before
    assert not same_source(hashlib.sha256(data + b"x").hexdigest(), fingerprint, data)
    assert not same_source(PIXELS_LEFT_OUT + "0" * 64, fingerprint, data)


@pytest.fixture
def work(tmp_path: Path, project_key_file: Path) -> tuple[WorkContext, Processor, Path]:
    (tmp_path / "ca.pem").write_text("")
    hub = SimpleNamespace(tokens={"RX1": "t" * 40}, url="https://127.0.0.1:9",
                          tls=SimpleNamespace(ca=tmp_path / "ca.pem"))  # never contacted: no courier runs
    config = write_spoke_config(tmp_path / "spoke", site_id="RX1", hub=hub, dicom_port=11112, projects=[
        {"id": "P1", "key_file": str(project_key_file), "opt_out": "consent", "opt_out_basis": "test"}])
    settings = SpokeSettings.load(config)
    enrol = tmp_path / "enrol.csv"
    enrol.write_text(f"participant_id,local_patient_id\nB-001,{PATIENT.patient_id}\n")
    conn = connect(settings.data)
    load_enrolment_file(conn, "P1", enrol)
    context = WorkContext.for_settings(settings, conn=conn)
    intake = IntakeBuffer(settings.data / "intake", fsync=False)
    return context, Processor(conn, intake, context), settings.data / "intake"


def _arrive(processor: Processor, folder: Path, data: bytes) -> tuple[int, int]:
    (folder / f"{random.getrandbits(64):020d}-{random.getrandbits(48):012x}.dcm").write_bytes(data)
    result = processor.drain()
    return result.queued, result.duplicates


def test_a_resend_is_a_duplicate_and_a_corrected_header_goes_again(
        work: tuple[WorkContext, Processor, Path]) -> None:
    context, processor, folder = work
    ds = _slice()
    data = part10(ds)
    assert _arrive(processor, folder, data) == (1, 0)
    assert _arrive(processor, folder, data) == (0, 1)
    ds.StudyDescription = "CT HEAD (corrected)"
    assert _arrive(processor, folder, part10(ds)) == (1, 0)
    recorded = context.conn.exec_driver_sql("SELECT source_sha256 FROM instance").fetchone()[0]
    assert recorded == _fingerprint(part10(ds))


def test_a_resend_of_an_instance_recorded_with_the_whole_files_hash_is_a_duplicate(
        work: tuple[WorkContext, Processor, Path]) -> None:
    context, processor, folder = work
    data = part10(_slice())
    assert _arrive(processor, folder, data) == (1, 0)
    with transaction(context.conn):
        context.conn.exec_driver_sql("UPDATE instance SET source_sha256 = ?", (hashlib.sha256(data).hexdigest(),))
    assert _arrive(processor, folder, data) == (0, 1)
