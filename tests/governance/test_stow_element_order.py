"""STOW-RS refuses what the DIMSE Storage SCP refuses, with the same header parser: an instance whose data set
repeats an element or breaks ascending tag order (a second ClinicalTrialProtocolID after the pixel data, a
duplicate inside a sequence item), and files a project ID with spaces around it under that project."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydicom import dcmread

from imaging_hub.governance import Governance, SettableClock
from imaging_hub.store import Query

from .hub import Hub, build_hub, study_bytes
from .network import START

BOUNDARY = "imaginghubboundary"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    data = tmp_path_factory.mktemp("stow-order")
    gov = Governance.open(f"sqlite:///{data / 'gov.sqlite3'}", SettableClock(START))
    built = build_hub(gov, data / "archive")
    yield built
    built.archive.close()
    gov.close()


def _element(group: int, element: int, vr: bytes, value: bytes) -> bytes:
    value += b" " if len(value) % 2 else b""
    return struct.pack("<HH2sH", group, element, vr, len(value)) + value


def _stow(hub: Hub, part: bytes) -> tuple[int, str]:
    head = f"--{BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n".encode()
    body = head + part + f"\r\n--{BOUNDARY}--\r\n".encode()
    answer = hub.client("sdm@rxx.example").post(
        "/dicom-web/studies", content=body,
        headers={"Content-Type": f'multipart/related; type="application/dicom"; boundary={BOUNDARY}'},
    )
    return answer.status_code, answer.headers.get("warning", "")


def _uid(part: bytes, tmp_path: Path) -> str:
    (tmp_path / "part.dcm").write_bytes(part)
    return str(dcmread(tmp_path / "part.dcm", stop_before_pixels=True).SOPInstanceUID)


def _brain_studies(hub: Hub) -> set[str]:
    return {str(d.StudyInstanceUID) for d in hub.archive.search(
        Query(level="STUDY", filters={"ClinicalTrialProtocolID": "BRAIN2"}))}


def test_a_second_project_id_after_the_pixel_data_is_refused(hub: Hub, tmp_path: Path) -> None:
    brain_before = _brain_studies(hub)
    part = study_bytes("LUNG1", "RXX", 61)[0] + _element(0x0012, 0x0020, b"LO", b"BRAIN2")
    status, warning = _stow(hub, part)
    assert status == 409 and "tags must ascend" in warning, (status, warning)
    assert hub.archive.get(_uid(part, tmp_path)) is None
    assert _brain_studies(hub) == brain_before


def test_a_repeated_element_inside_a_sequence_item_is_refused(hub: Hub, tmp_path: Path) -> None:
    item = _element(0x0008, 0x0100, b"SH", b"A") + _element(0x0008, 0x0100, b"SH", b"B")
    sequence = (struct.pack("<HH2sHI", 0x7FE1, 0x0010, b"SQ", 0, len(item) + 8)  # a sequence of defined length
                + struct.pack("<HHI", 0xFFFE, 0xE000, len(item)) + item)
    part = study_bytes("LUNG1", "RXX", 62)[0] + sequence
    status, warning = _stow(hub, part)
    assert status == 409 and "appears twice" in warning, (status, warning)
    assert hub.archive.get(_uid(part, tmp_path)) is None


def test_a_project_id_with_spaces_is_filed_under_the_project(hub: Hub, tmp_path: Path) -> None:
    part = study_bytes(" LUNG1 ", "RXX", 63)[0]
    status, warning = _stow(hub, part)
    assert status == 200, warning
    stored = hub.archive.get(_uid(part, tmp_path))
    assert stored is not None and stored.clinical_trial_protocol_id == "LUNG1"
