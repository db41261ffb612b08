"""QIDO matching over HTTP, STOW statuses and failure reasons, 4xx errors, and the governance seam."""

from __future__ import annotations

import httpx
import pytest
from requests.exceptions import HTTPError

from api.hub import HubFactory, RunningHub, part10, study
from imaging_hub.api import AccessScope

STOW_TYPE = 'multipart/related; type="application/dicom"; boundary=B0undary'


def stow_body(parts: list[bytes]) -> bytes:
    chunks = [b"--B0undary\r\nContent-Type: application/dicom\r\n\r\n" + p + b"\r\n" for p in parts]
    return b"".join(chunks) + b"--B0undary--\r\n"


def post(hub: RunningHub, parts: list[bytes], path: str = "/studies", **headers: str) -> httpx.Response:
    return httpx.post(f"{hub.url}/dicom-web{path}", content=stow_body(parts),
                      headers={"Content-Type": STOW_TYPE, **headers}, timeout=30)


def test_qido_matching(hub: RunningHub) -> None:
    first, second = study(11, series=1, per_series=2), study(12, series=1, per_series=1)
    hub.client.store_instances(first + second)
    client = hub.client
    name = str(first[0].PatientName)
    by_name = client.search_for_studies(search_filters={"PatientName": name.split("^")[0][:3] + "*"})
    assert first[0].StudyInstanceUID in {s["0020000D"]["Value"][0] for s in by_name}
    by_tag = client.search_for_studies(search_filters={"00100020": first[0].PatientID})
    assert [s["0020000D"]["Value"][0] for s in by_tag] == [first[0].StudyInstanceUID]
    uids = f"{first[0].StudyInstanceUID},{second[0].StudyInstanceUID}"
    assert len(client.search_for_studies(search_filters={"StudyInstanceUID": uids})) == 2
    assert client.search_for_studies(search_filters={"StudyDate": "19000101-19001231"}) == []
    assert len(client.search_for_studies(search_filters={"StudyDate": "20240101-"})) == 2
    assert len(client.search_for_studies(limit=1)) == 1
    assert len(client.search_for_studies(limit=1, offset=1)) == 1
    assert client.search_for_studies(offset=2) == []
    with_description = client.search_for_studies(search_filters={"StudyInstanceUID": uids},
                                                 fields=["StudyDescription"], fuzzymatching=True)
    assert all("00081030" in s for s in with_description)
    instances = client.search_for_instances(search_filters={"SeriesInstanceUID": first[0].SeriesInstanceUID})
    assert len(instances) == 2


@pytest.mark.parametrize("query,named", [
    ("PatientNme=SMITH", "PatientNme"),
    ("StudyDate=2020-13-45", "StudyDate"),
    ("limit=x", "limit"),
    ("includefield=Bogus", "Bogus"),
])
def test_qido_errors_name_the_parameter(hub: RunningHub, query: str, named: str) -> None:
    response = httpx.get(f"{hub.url}/dicom-web/studies?{query}")
    assert response.status_code == 400
    assert named in response.json()["detail"]


def test_unknown_uids_are_404_and_syntaxes_406(hub: RunningHub) -> None:
    ds = study(13, series=1, per_series=1)[0]
    hub.client.store_instances([ds])
    base = f"{hub.url}/dicom-web/studies"
    for path in ("/1.2.3", "/1.2.3/metadata", f"/{ds.StudyInstanceUID}/series/1.2.3",
                 f"/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}/instances/1.2.3/frames/1",
                 f"/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}/instances/{ds.SOPInstanceUID}/frames/9"):
        assert httpx.get(base + path).status_code == 404, path
    instance = f"{base}/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}/instances/{ds.SOPInstanceUID}"
    jpeg_only = 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.4.50'
    refused = httpx.get(instance, headers={"Accept": jpeg_only})
    assert refused.status_code == 406
    assert "1.2.840.10008.1.2.4.50" in refused.json()["detail"]
    assert httpx.get(f"{instance}/frames/1", headers={"Accept": "multipart/related; type=image/jp2"}).status_code \
        == 406
    assert httpx.get(f"{instance}/frames/1,x").status_code == 400
    assert httpx.get(f"{instance}/rendered", headers={"Accept": "image/gif"}).status_code == 406
    assert httpx.get(f"{instance}/rendered", params={"window": "40"}).status_code == 400
    assert httpx.get(f"{instance}/rendered", params={"quality": "101"}).status_code == 400


def test_stow_statuses_and_failure_reasons(start_hub: HubFactory) -> None:
    hub = start_hub(max_upload_bytes=200_000)
    first = study(14, series=1, per_series=2)
    ok = post(hub, [part10(first[0])])
    assert ok.status_code == 200
    assert ok.headers["content-type"] == "application/dicom+json"
    assert post(hub, [part10(first[0])]).status_code == 200  # an identical resend is a no-op success

    changed = first[0].copy()
    changed.StudyDescription = "CHANGED"
    conflict = post(hub, [part10(changed)])
    assert conflict.status_code == 409
    assert conflict.json()["00081198"]["Value"][0]["00081197"]["Value"] == [0x0111]

    other = study(15, series=1, per_series=1)[0]
    mismatch = post(hub, [part10(first[1]), part10(other)], path=f"/studies/{first[0].StudyInstanceUID}")
    assert mismatch.status_code == 202
    body = mismatch.json()
    assert body["00081199"]["Value"][0]["00081155"]["Value"] == [first[1].SOPInstanceUID]
    failed = body["00081198"]["Value"][0]
    assert failed["00081155"]["Value"] == [other.SOPInstanceUID]
    assert failed["00081197"]["Value"] == [0xA900]

    garbage = post(hub, [b"not dicom at all"])
    assert garbage.status_code == 409
    assert garbage.json()["00081198"]["Value"][0]["00081197"]["Value"] == [0xC000]

    assert httpx.post(f"{hub.url}/dicom-web/studies", content=b"x",
                      headers={"Content-Type": "application/json"}).status_code == 415
    assert httpx.post(f"{hub.url}/dicom-web/studies", content=b"x",
                      headers={"Content-Type": 'multipart/related; type="application/dicom+xml"; boundary=a'}
                      ).status_code == 415
    truncated = httpx.post(f"{hub.url}/dicom-web/studies", content=stow_body([part10(other)])[:-20],
                           headers={"Content-Type": STOW_TYPE})
    assert truncated.status_code == 400
    assert "closing boundary" in truncated.json()["detail"]
    assert post(hub, [bytes(300_000)]).status_code == 413
    assert httpx.post(f"{hub.url}/dicom-web/studies/not-a-uid", content=stow_body([part10(other)]),
                      headers={"Content-Type": STOW_TYPE}).status_code == 400
    assert hub.archive.count_instances() == 2


def test_scope_restricts_every_route_and_every_access_is_reported(start_hub: HubFactory) -> None:
    hub = start_hub(scope_dependency=lambda: AccessScope("researcher-1", frozenset({"P1"}), "analysis"))
    mine, theirs = study(21, per_series=1, project="P1"), study(22, per_series=1, project="P2")
    hub.archive.store_bytes(part10(theirs[0]))  # arrived another way (e.g. DIMSE)
    stored = post(hub, [part10(ds) for ds in mine] + [part10(theirs[1])])
    assert stored.status_code == 202
    assert stored.json()["00081198"]["Value"][0]["00081197"]["Value"] == [0x0124]

    client = hub.client
    assert [s["0020000D"]["Value"][0] for s in client.search_for_studies()] == [mine[0].StudyInstanceUID]
    assert client.search_for_studies(search_filters={"ClinicalTrialProtocolID": "P2"}) == []
    assert len(client.search_for_instances()) == 2
    ds = theirs[0]
    with pytest.raises(HTTPError) as caught:
        client.retrieve_study(ds.StudyInstanceUID)
    assert caught.value.response.status_code == 404
    hidden = f"{hub.url}/dicom-web/studies/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}" \
             f"/instances/{ds.SOPInstanceUID}"
    for suffix in ("", "/metadata", "/frames/1", "/rendered", "/bulkdata/7FE00010"):
        assert httpx.get(hidden + suffix).status_code == 404, suffix
    assert len(client.retrieve_study(mine[0].StudyInstanceUID)) == 2

    actions = {(action, outcome) for action, _, _, outcome in hub.events}
    # the part outside the scope is its own "denied" entry; the stored ones one "success" entry
    stores = [(outcome, sorted(uids)) for action, _, uids, outcome in hub.events if action == "store"]
    assert stores == [("denied", [theirs[1].SOPInstanceUID]), ("success", sorted(d.SOPInstanceUID for d in mine))]
    assert {("search", "success"), ("retrieve", "success"), ("retrieve", "denied"),
            ("metadata", "denied"), ("rendered", "denied")} <= actions
    assert all(principal == "researcher-1" for _, principal, _, _ in hub.events)
    retrieved = [uids for action, _, uids, outcome in hub.events if (action, outcome) == ("retrieve", "success")]
    assert sorted(retrieved[-1]) == sorted(d.SOPInstanceUID for d in mine)
