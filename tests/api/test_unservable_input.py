"""Attacks on what the hub serves back: instances stored fine but unreadable later (sequences nested
hundreds deep, pixel data shorter than its frames), long repeated frame lists, and files damaged on disk.
What cannot be served is refused at ingest over STOW-RS and C-STORE alike; a response that fails after
its status went out aborts the connection and is audited as a failure, never a clean 200."""

from __future__ import annotations

import struct

import httpx
import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pynetdicom import AE

from api.hub import RunningHub, part10, study
from api.test_dicomweb_errors_scope import post
from imaging_hub.dimse import DicomServer
from imaging_hub.hub import ArchiveForDicom
from imaging_hub.store.servable import MAX_SEQUENCE_NESTING

CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"


def nested(ds: Dataset, depth: int) -> Dataset:
    """``ds`` with a ContentSequence nested ``depth`` levels deep (each level one item)."""
    inner = Dataset()
    inner.CodeValue = "X"
    for _ in range(depth - 1):
        outer = Dataset()
        outer.ContentSequence = Sequence([inner])
        inner = outer
    ds.ContentSequence = Sequence([inner])
    return ds


def raw_nested(data: bytes, depth: int) -> bytes:
    """Splice a ContentSequence of defined-length sequences and items, ``depth`` deep, before the pixel
    data of an explicit VR little endian file: what an attacker writes by hand, past any toolkit's limit."""
    value = b"\x08\x00\x00\x01SH\x02\x00X "
    for _ in range(depth):
        item = struct.pack("<HHI", 0xFFFE, 0xE000, len(value)) + value
        value = struct.pack("<HH2sHI", 0x0040, 0xA730, b"SQ", 0, len(item)) + item
    at = data.index(b"\xe0\x7f\x10\x00OW")
    return data[:at] + value + data[at:]


def refusal(answer: httpx.Response) -> str:
    assert answer.status_code == 409, answer.text
    return answer.headers["warning"]


def test_deep_nesting_is_refused_over_stow_and_a_32_deep_instance_reads_back(hub: RunningHub) -> None:
    base = study(31, series=1, per_series=3)
    for attack in (part10(nested(base[0], 200)), raw_nested(part10(base[1]), 600),
                   part10(nested(base[2], MAX_SEQUENCE_NESTING + 1))):
        assert "nested more than 32 levels" in refusal(post(hub, [attack]))
    assert hub.archive.count_instances() == 0

    deepest = nested(study(32, series=1, per_series=1)[0], MAX_SEQUENCE_NESTING)
    assert post(hub, [part10(deepest)]).status_code == 200
    url = f"{hub.url}/dicom-web/studies/{deepest.StudyInstanceUID}"
    metadata = httpx.get(f"{url}/metadata", timeout=30)
    assert metadata.status_code == 200
    level = metadata.json()[0]["0040A730"]["Value"][0]
    for _ in range(MAX_SEQUENCE_NESTING - 1):
        level = level["0040A730"]["Value"][0]
    assert level["00080100"]["Value"] == ["X"]
    instance = f"{url}/series/{deepest.SeriesInstanceUID}/instances/{deepest.SOPInstanceUID}"
    assert httpx.get(f"{instance}/frames/1", timeout=30).status_code == 200
    assert httpx.get(f"{instance}/rendered", timeout=30).status_code == 200


def test_pixel_data_shorter_than_its_frames_is_refused_over_stow(hub: RunningHub) -> None:
    (ds,) = study(33, series=1, per_series=1)
    ds.NumberOfFrames = 3  # the pixel data holds one frame
    reason = refusal(post(hub, [part10(ds)]))
    assert "Pixel Data (7FE0,0010) holds 2048 bytes" in reason and "needs 6144" in reason
    (ds,) = study(34, series=1, per_series=1)
    ds.PixelData = ds.PixelData[:-64]
    assert "Pixel Data (7FE0,0010)" in refusal(post(hub, [part10(ds)]))
    assert hub.archive.count_instances() == 0


def test_c_store_refuses_deep_nesting_and_short_pixel_data(hub: RunningHub) -> None:
    deep = nested(study(35, series=1, per_series=1)[0], 40)
    short = study(36, series=1, per_series=1)[0]
    short.NumberOfFrames = 2
    fine = study(37, series=1, per_series=1)[0]
    with DicomServer(ArchiveForDicom(hub.archive), port=0) as server:
        ae = AE(ae_title="ATTACKER")
        ae.add_requested_context(CT_IMAGE_STORAGE, ["1.2.840.10008.1.2.1"])
        association = ae.associate("127.0.0.1", server.port, ae_title="IMAGINGHUB")
        assert association.is_established
        try:
            statuses = [association.send_c_store(ds).Status for ds in (deep, short, fine)]
        finally:
            association.release()
    assert statuses[0] != 0 and statuses[1] != 0 and statuses[2] == 0
    assert hub.archive.count_instances() == 1


def test_frame_lists_are_deduplicated_and_capped(hub: RunningHub) -> None:
    (ds,) = study(38, series=1, per_series=1)
    assert post(hub, [part10(ds)]).status_code == 200
    frames = (f"{hub.url}/dicom-web/studies/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}"
              f"/instances/{ds.SOPInstanceUID}/frames/")
    repeated = httpx.get(frames + ",".join(["1"] * 5000), timeout=30)
    assert repeated.status_code == 200
    assert len(repeated.content) < 2 * len(ds.PixelData)  # one frame, not 5000
    assert repeated.content.count(b"Content-Type: application/octet-stream") == 1
    too_long = httpx.get(frames + ",".join(["1"] * 10_001), timeout=30)
    assert too_long.status_code == 400 and "MAX_FRAME_LIST" in too_long.json()["detail"]
    assert httpx.get(frames + "1,2", timeout=30).status_code == 404  # one frame only


def _events(hub: RunningHub, action: str) -> list[str]:
    return [outcome for name, _, _, outcome in hub.events if name == action]


def test_a_response_that_breaks_after_its_status_aborts_and_is_audited_as_failed(hub: RunningHub) -> None:
    datasets = study(39, series=1, per_series=2)
    assert post(hub, [part10(ds) for ds in datasets]).status_code == 200
    first, second = hub.archive.instances(datasets[0].StudyInstanceUID)
    damaged = bytearray(second.path.read_bytes())
    damaged[128:132] = b"XXXX"  # no longer Part 10: as good as unreadable, same size
    second.path.chmod(0o644)
    second.path.write_bytes(bytes(damaged))
    url = f"{hub.url}/dicom-web/studies/{datasets[0].StudyInstanceUID}"

    with pytest.raises(httpx.RemoteProtocolError):  # the body never ends cleanly
        httpx.get(f"{url}/metadata", timeout=30)
    assert _events(hub, "metadata")[-1] == "failure"

    alone = httpx.get(f"{url}/series/{second.series_instance_uid}/instances/{second.sop_instance_uid}/metadata",
                      timeout=30)
    assert alone.status_code == 500 and "cannot be read back" in alone.json()["detail"]
    assert _events(hub, "metadata")[-1] == "failure"

    assert httpx.get(f"{url}/series/{first.series_instance_uid}/instances/{first.sop_instance_uid}/metadata",
                     timeout=30).status_code == 200
    assert _events(hub, "metadata")[-1] == "success"


def test_a_cut_file_answers_500_not_a_short_200(hub: RunningHub) -> None:
    (ds,) = study(40, series=1, per_series=1)
    assert post(hub, [part10(ds)]).status_code == 200
    (stored,) = hub.archive.instances(ds.StudyInstanceUID)
    data = stored.path.read_bytes()
    stored.path.chmod(0o644)
    stored.path.write_bytes(data[:-100])  # the disk lost the end of the pixel data
    assert dcmread(stored.path, stop_before_pixels=True).SOPInstanceUID == ds.SOPInstanceUID
    instance = f"{hub.url}/dicom-web/studies/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}" \
               f"/instances/{ds.SOPInstanceUID}"
    for suffix in ("", "/frames/1"):
        answer = httpx.get(instance + suffix, timeout=30)
        assert answer.status_code == 500, suffix
    assert _events(hub, "retrieve")[-1] == "failure" and _events(hub, "frames")[-1] == "failure"
