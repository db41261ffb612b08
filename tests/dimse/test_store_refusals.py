"""C-STORE refusals: malformed and truncated datasets (hypothesis), conflicts, datasets that are not what
the command says. Each is refused with a failure status, nothing is kept, the SCP keeps answering."""

from __future__ import annotations

import io
import random
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from dimse_tools import HUB_AE, dataset_bytes, echoscu
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from network_sample import part10
from pydicom import dcmread
from pydicom.dataset import Dataset
from pynetdicom import AE, _config
from pynetdicom.association import Association

from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
from imaging_hub.dimse import DicomServer
from imaging_hub.hub import ArchiveForDicom
from imaging_hub.store import Archive

# Corrupted input makes pydicom (here, and in the sending client) warn, quoting the damaged synthetic values.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:pydicom")

CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
_LONG_VRS = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"}
_SEQUENCE_END = b"\xfe\xff\xdd\xe0\x00\x00\x00\x00"


def _instance(seed: int) -> Dataset:
    patient = SyntheticPatient.make(random.Random(seed))
    return next(make_study(patient, StudySpec(series=1, instances_per_series=1, rows=8, columns=8), seed=seed))


SAMPLE = part10(_instance(7))


def _dataset_start(data: bytes) -> int:
    # preamble, "DICM", then the group length element (0002,0000) UL 4 gives the meta length
    (meta_length,) = struct.unpack("<I", data[140:144])
    return 144 + meta_length


def _elements(data: bytes, start: int) -> list[tuple[int, int, int]]:
    """(start, length field offset, end) of each top-level element of an explicit VR little endian dataset."""
    found = []
    at = start
    while at < len(data):
        vr = data[at + 4 : at + 6]
        if vr in _LONG_VRS:
            length_at, (length,) = at + 8, struct.unpack("<I", data[at + 8 : at + 12])
            value_at = at + 12
        else:
            length_at, (length,) = at + 6, struct.unpack("<H", data[at + 6 : at + 8])
            value_at = at + 8
        end = data.index(_SEQUENCE_END, value_at) + len(_SEQUENCE_END) if length == 0xFFFFFFFF else value_at + length
        found.append((at, length_at, end))
        at = end
    return found


START = _dataset_start(SAMPLE)
ELEMENTS = _elements(SAMPLE, START)
BOUNDARIES = {start for start, _, _ in ELEMENTS} | {len(SAMPLE)}


@st.composite
def truncated(draw: st.DrawFn) -> bytes:
    """The sample cut somewhere inside an element (a cut between elements could leave a valid dataset)."""
    cut = draw(st.integers(START + 1, len(SAMPLE) - 1).filter(lambda at: at not in BOUNDARIES))
    return SAMPLE[:cut]


@st.composite
def overrunning(draw: st.DrawFn) -> bytes:
    """One element's length made to run past the end of the data."""
    start, length_at, _end = draw(st.sampled_from(ELEMENTS))
    long_length = length_at - start == 8
    remaining = len(SAMPLE) - (length_at + (4 if long_length else 2))
    limit = 0xFFFFFFFE if long_length else 0xFFFE
    if remaining >= limit:
        return SAMPLE[:start + 1]  # a 16-bit length cannot overrun here: truncate inside the element
    length = 2 * draw(st.integers(remaining // 2 + 1, limit // 2))  # even, as DICOM lengths are
    packed = struct.pack("<I" if long_length else "<H", length)
    return SAMPLE[:length_at] + packed + SAMPLE[length_at + len(packed) :]


@st.composite
def garbage(draw: st.DrawFn) -> bytes:
    """The file meta followed by random bytes in place of the dataset."""
    return SAMPLE[:START] + draw(st.binary(min_size=1, max_size=300))


@pytest.fixture
def association(hub: DicomServer) -> Iterator[Association]:
    ae = AE(ae_title="FUZZER")
    ae.add_requested_context(CT_IMAGE_STORAGE)
    assoc = ae.associate("127.0.0.1", hub.port, ae_title=HUB_AE)
    assert assoc.is_established
    yield assoc
    if assoc.is_established:
        assoc.release()


def _send_raw(assoc: Association, data: bytes, where: Path) -> int:
    """Send Part 10 bytes as they are (the SCU does not decode them first)."""
    where.write_bytes(data)
    previous = _config.STORE_SEND_CHUNKED_DATASET
    _config.STORE_SEND_CHUNKED_DATASET = True
    try:
        return int(assoc.send_c_store(where).Status)
    finally:
        _config.STORE_SEND_CHUNKED_DATASET = previous


def _is_failure(status: int) -> bool:
    return 0xA000 <= status <= 0xAFFF or 0xC000 <= status <= 0xCFFF or 0x0100 <= status <= 0x01FF


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(truncated(), overrunning(), garbage()))
def test_malformed_datasets_are_refused(
    hub: DicomServer, archive: Archive, association: Association, tmp_path: Path, data: bytes
) -> None:
    status = _send_raw(association, data, tmp_path / "fuzzed.dcm")
    assert _is_failure(status), hex(status)
    assert archive.count_instances() == 0
    blobs = [p for p in (tmp_path / "data").rglob("*.dcm")]
    assert blobs == []  # no partial file left anywhere in the archive's folder
    assert association.is_established


def test_scp_answers_after_refusals(hub: DicomServer, archive: Archive, association: Association,
                                   tmp_path: Path) -> None:
    assert _is_failure(_send_raw(association, SAMPLE[: len(SAMPLE) - 3], tmp_path / "cut.dcm"))
    assert echoscu(hub.port).returncode == 0
    assert _send_raw(association, SAMPLE, tmp_path / "whole.dcm") == 0x0000
    assert archive.count_instances() == 1


def test_same_uid_same_content_is_success_other_content_is_refused(
    association: Association, archive: Archive, tmp_path: Path
) -> None:
    assert _send_raw(association, SAMPLE, tmp_path / "a.dcm") == 0x0000
    assert _send_raw(association, SAMPLE, tmp_path / "a.dcm") == 0x0000  # a resend is harmless
    changed = dcmread(io.BytesIO(SAMPLE))
    changed.StudyDescription = "SOMETHING ELSE"
    assert _send_raw(association, part10(changed), tmp_path / "b.dcm") == 0x0111  # Duplicate SOP Instance
    stored = archive.get(str(changed.SOPInstanceUID))
    assert stored is not None and dataset_bytes(stored.path) == SAMPLE[START:]  # the original is kept
    assert len(archive.conflicts()) == 1


def test_dataset_other_than_the_command_says_is_refused(association: Association, archive: Archive,
                                                        tmp_path: Path) -> None:
    ds = _instance(8)
    data = part10(ds)
    uid = str(ds.SOPInstanceUID).encode()
    other = uid[:-1] + (b"1" if uid[-1:] != b"1" else b"2")
    # The SCU builds its command from the file meta: name another instance there (same length, same layout).
    data = data[:START].replace(uid, other, 1) + data[START:]
    assert _send_raw(association, data, tmp_path / "c.dcm") == 0xA900
    assert archive.count_instances() == 0


def test_spooled_receive_stores_the_same_bytes(archive: Archive, tmp_path: Path) -> None:
    previous = _config.STORE_RECV_CHUNKED_DATASET
    try:
        with DicomServer(ArchiveForDicom(archive), port=0, spool_received=True) as server:
            ae = AE(ae_title="SPOOLER")
            ae.add_requested_context(CT_IMAGE_STORAGE)
            assoc = ae.associate("127.0.0.1", server.port, ae_title=HUB_AE)
            assert _send_raw(assoc, SAMPLE, tmp_path / "d.dcm") == 0x0000
            assoc.release()
    finally:
        _config.STORE_RECV_CHUNKED_DATASET = previous
    stored = archive.get(str(dcmread(io.BytesIO(SAMPLE)).SOPInstanceUID))
    assert stored is not None
    assert dataset_bytes(stored.path) == SAMPLE[START:]
