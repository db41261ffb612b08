"""End to end with the real dicomweb-client: store, search, retrieve, metadata, bulk data, frames, rendered."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import numpy as np
from PIL import Image
from pydicom import dcmread
from pydicom.data import get_testdata_file

from api.hub import RunningHub, part10, study
from imaging_hub.dicomweb.media import parse_media_type
from imaging_hub.dicomweb.multipart import MultipartReader


def _parts(response: httpx.Response, spool: Path) -> list[bytes]:
    boundary = parse_media_type(response.headers["content-type"]).params["boundary"]
    reader = MultipartReader(boundary, spool)
    reader.feed(response.content)
    return [p.path.read_bytes() for p in reader.finish()]


def test_store_search_retrieve_byte_equal(hub: RunningHub, tmp_path: Path) -> None:
    client = hub.client
    datasets = study(1)
    response = client.store_instances(datasets)
    assert len(response.ReferencedSOPSequence) == 4
    assert "FailedSOPSequence" not in response
    study_uid = datasets[0].StudyInstanceUID
    assert response.RetrieveURL.endswith(f"/dicom-web/studies/{study_uid}")

    found = client.search_for_studies(search_filters={"StudyInstanceUID": study_uid})
    assert len(found) == 1
    assert found[0]["0020000D"]["Value"] == [study_uid]
    assert found[0]["00201208"]["Value"] == [4]
    assert len(client.search_for_series(study_uid)) == 2
    assert len(client.search_for_instances(study_uid)) == 4
    assert len(client.search_for_instances(study_uid, datasets[0].SeriesInstanceUID)) == 2

    retrieved = client.retrieve_study(study_uid)
    assert sorted(ds.SOPInstanceUID for ds in retrieved) == sorted(ds.SOPInstanceUID for ds in datasets)

    raw = httpx.get(f"{hub.url}/dicom-web/studies/{study_uid}",
                    headers={"Accept": 'multipart/related; type="application/dicom"; transfer-syntax=*'})
    assert raw.status_code == 200
    assert sorted(_parts(raw, tmp_path)) == sorted(part10(ds) for ds in datasets)
    one = client.retrieve_instance(study_uid, datasets[1].SeriesInstanceUID, datasets[1].SOPInstanceUID)
    assert one.SOPInstanceUID == datasets[1].SOPInstanceUID


def test_metadata_bulkdata_and_frames(hub: RunningHub) -> None:
    client = hub.client
    datasets = study(2, series=1, per_series=1)
    client.store_instances(datasets)
    ds = datasets[0]
    metadata = client.retrieve_study_metadata(ds.StudyInstanceUID)
    assert len(metadata) == 1
    uri = metadata[0]["7FE00010"]["BulkDataURI"]
    assert metadata[0]["00100020"]["Value"] == [ds.PatientID]
    assert client.retrieve_bulkdata(uri) == [ds.PixelData]
    frames = client.retrieve_instance_frames(ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID, [1])
    assert frames == [ds.PixelData]
    series_meta = client.retrieve_series_metadata(ds.StudyInstanceUID, ds.SeriesInstanceUID)
    instance_meta = client.retrieve_instance_metadata(ds.StudyInstanceUID, ds.SeriesInstanceUID,
                                                      ds.SOPInstanceUID)
    assert series_meta[0]["00080018"] == instance_meta["00080018"]


def test_rendered_greyscale_windowed(hub: RunningHub) -> None:
    client = hub.client
    ds = study(3, series=1, per_series=1, rows=48)[0]
    client.store_instances([ds])
    png = client.retrieve_instance_rendered(ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID,
                                            media_types=("image/png",))
    image = Image.open(io.BytesIO(png))
    assert (image.format, image.size, image.mode) == ("PNG", (48, 48), "L")
    narrow = httpx.get(f"{hub.url}/dicom-web/studies/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}"
                       f"/instances/{ds.SOPInstanceUID}/rendered",
                       params={"window": "40,1", "quality": "80"}, headers={"Accept": "image/jpeg"})
    assert narrow.status_code == 200
    assert narrow.headers["content-type"] == "image/jpeg"
    jpeg = np.asarray(Image.open(io.BytesIO(narrow.content)))
    assert jpeg.shape == (48, 48)
    assert jpeg.min() < 30 and jpeg.max() > 225  # a one-unit window is black and white


def test_multiframe_colour_compressed(hub: RunningHub, tmp_path: Path) -> None:
    path = get_testdata_file("SC_rgb_rle_2frame.dcm")
    assert path is not None
    original = dcmread(path)
    response = httpx.post(
        f"{hub.url}/dicom-web/studies", content=_body([Path(path).read_bytes()]),
        headers={"Content-Type": 'multipart/related; type="application/dicom"; boundary=XyZ'})
    assert response.status_code == 200, response.text
    base = (f"{hub.url}/dicom-web/studies/{original.StudyInstanceUID}/series/{original.SeriesInstanceUID}"
            f"/instances/{original.SOPInstanceUID}")
    rendered = httpx.get(f"{base}/frames/2/rendered", headers={"Accept": "image/png"})
    image = Image.open(io.BytesIO(rendered.content))
    assert (image.size, image.mode) == ((100, 100), "RGB")
    assert np.array_equal(np.asarray(image), original.pixel_array[1])
    stored = httpx.get(f"{base}/frames/1,2", headers={"Accept": 'multipart/related; type="image/dicom-rle"'})
    assert stored.status_code == 200
    assert len(_parts(stored, tmp_path)) == 2
    decoded = hub.client.retrieve_instance_frames(original.StudyInstanceUID, original.SeriesInstanceUID,
                                                  original.SOPInstanceUID, [2],
                                                  media_types=("application/octet-stream",))
    assert decoded[0] == original.pixel_array[1].tobytes()
    as_stored = hub.client.retrieve_instance_frames(original.StudyInstanceUID, original.SeriesInstanceUID,
                                                    original.SOPInstanceUID, [2])
    assert len(as_stored[0]) < len(decoded[0])  # the RLE bitstream, as stored


def _body(parts: list[bytes], boundary: str = "XyZ") -> bytes:
    chunks = [b"--" + boundary.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + p + b"\r\n"
              for p in parts]
    return b"".join(chunks) + b"--" + boundary.encode() + b"--\r\n"
