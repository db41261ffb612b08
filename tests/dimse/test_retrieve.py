"""C-MOVE and C-GET SCPs: movescu to a dcmtk storescp peer, getscu; files arrive as stored."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from dimse_tools import HUB_AE, dataset_bytes, dcmtk, getscu, movescu, storescp, transfer_syntax
from network_sample import Loaded, load_network
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian, JPEG2000Lossless, JPEGLSLossless
from pynetdicom import AE, build_role, evt
from pynetdicom.events import Event

from imaging_hub.dimse import DicomServer, Peer, ScopeProvider, Unrestricted
from imaging_hub.hub import ArchiveForDicom
from imaging_hub.store import Archive, StoredInstance

MR_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.4"
STUDY_ROOT_GET = "1.2.840.10008.5.1.4.1.2.2.3"


@pytest.fixture
def network(archive: Archive) -> Loaded:
    return load_network(archive)


@pytest.fixture
def j2k(archive: Archive, tmp_path: Path) -> StoredInstance:
    """An MR instance stored as JPEG 2000 lossless (its own UIDs, so it is a study of its own)."""
    copy = tmp_path / "j2k.dcm"
    copy.write_bytes(Path(get_testdata_file("MR_small_jp2klossless.dcm")).read_bytes())
    assert dcmtk("dcmodify", "-nb", "-gin", "-gst", "-gse", copy).returncode == 0
    return archive.store_file(copy).instance


def _hub(archive: Archive, peer_port: int, scope_for: ScopeProvider | None = None) -> DicomServer:
    return DicomServer(ArchiveForDicom(archive), port=0, peers=[Peer("STORESCP", "127.0.0.1", peer_port)],
                       scope_for=scope_for)


def _received(out: Path) -> dict[str, Path]:
    return {str(dcmread(p, stop_before_pixels=True).SOPInstanceUID): p for p in out.iterdir() if p.is_file()}


def _assert_as_stored(archive: Archive, received: dict[str, Path]) -> None:
    for uid, path in received.items():
        stored = archive.get(uid)
        assert stored is not None
        assert transfer_syntax(path) == stored.transfer_syntax_uid
        assert dataset_bytes(path) == dataset_bytes(stored.path)


def test_movescu_sends_stored_files_to_a_peer(
    archive: Archive, network: Loaded, j2k: StoredInstance, tmp_path: Path
) -> None:
    out = tmp_path / "peer"
    first = network.instances[0]
    with storescp(out, "+xa") as peer_port, _hub(archive, peer_port) as hub:
        study = movescu(hub.port, "STORESCP", {"QueryRetrieveLevel": "STUDY",
                                               "StudyInstanceUID": str(first.StudyInstanceUID)})
        compressed = movescu(hub.port, "STORESCP", {"QueryRetrieveLevel": "IMAGE",
                                                    "StudyInstanceUID": j2k.study_instance_uid,
                                                    "SeriesInstanceUID": j2k.series_instance_uid,
                                                    "SOPInstanceUID": j2k.sop_instance_uid})
    assert study.returncode == 0 and compressed.returncode == 0, study.stderr + compressed.stderr
    received = _received(out)
    expected = {str(ds.SOPInstanceUID) for ds in network.instances if ds.StudyInstanceUID == first.StudyInstanceUID}
    assert set(received) == expected | {j2k.sop_instance_uid}
    assert transfer_syntax(received[j2k.sop_instance_uid]) == JPEG2000Lossless
    _assert_as_stored(archive, received)


def test_move_decompresses_for_a_peer_that_takes_only_uncompressed(
    archive: Archive, j2k: StoredInstance, tmp_path: Path
) -> None:
    out = tmp_path / "peer"
    # dcmtk's storescp default: uncompressed transfer syntaxes only
    with storescp(out) as peer_port, _hub(archive, peer_port) as hub:
        result = movescu(hub.port, "STORESCP", {"QueryRetrieveLevel": "SERIES",
                                                "SeriesInstanceUID": j2k.series_instance_uid})
    assert result.returncode == 0, result.stderr
    (path,) = _received(out).values()
    assert transfer_syntax(path) == ExplicitVRLittleEndian
    assert np.array_equal(dcmread(path).pixel_array, dcmread(j2k.path).pixel_array)


def test_move_to_an_unknown_destination_is_refused(hub: DicomServer, network: Loaded) -> None:
    result = movescu(hub.port, "NOBODY", {"QueryRetrieveLevel": "STUDY",
                                          "StudyInstanceUID": str(network.instances[0].StudyInstanceUID)})
    assert "Refused: MoveDestinationUnknown" in result.stdout + result.stderr  # dcmtk's name for 0xA801


def test_move_sends_only_the_callers_projects(archive: Archive, network: Loaded, tmp_path: Path) -> None:
    out = tmp_path / "peer"
    in_scope = next(ds for ds in network.instances if ds.ClinicalTrialProtocolID == "PROJ-A")
    out_of_scope = next(ds for ds in network.instances if ds.ClinicalTrialProtocolID == "PROJ-B")
    uids = f"{in_scope.StudyInstanceUID}\\{out_of_scope.StudyInstanceUID}"
    project_a = Unrestricted(frozenset({"PROJ-A"}))
    with storescp(out, "+xa") as peer_port, _hub(archive, peer_port, lambda ae, address: project_a) as hub:
        result = movescu(hub.port, "STORESCP", {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": uids})
    assert result.returncode == 0, result.stderr
    assert set(_received(out)) == {
        str(ds.SOPInstanceUID) for ds in network.instances if ds.StudyInstanceUID == in_scope.StudyInstanceUID
    }


def test_getscu_receives_stored_files(
    hub: DicomServer, archive: Archive, network: Loaded, j2k: StoredInstance, tmp_path: Path
) -> None:
    patient = network.instances[-1]
    plain = getscu(hub.port, {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": str(patient.StudyInstanceUID)},
                   tmp_path / "plain")
    # getscu +xv proposes JPEG 2000 lossless and the uncompressed syntaxes in one context; the hub accepts
    # uncompressed first (every instance can be sent that way), so this one is decompressed for it.
    compressed = getscu(hub.port, {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": j2k.study_instance_uid},
                        tmp_path / "compressed", "+xv")
    assert plain.returncode == 0 and compressed.returncode == 0, plain.stderr + compressed.stderr
    received = _received(tmp_path / "plain")
    assert set(received) == {
        str(ds.SOPInstanceUID) for ds in network.instances if ds.StudyInstanceUID == patient.StudyInstanceUID
    }
    _assert_as_stored(archive, received)
    (decompressed,) = _received(tmp_path / "compressed").values()
    assert transfer_syntax(decompressed) == ExplicitVRLittleEndian
    assert np.array_equal(dcmread(decompressed).pixel_array, dcmread(j2k.path).pixel_array)


def _scu_get(port: int, sop_instance_uid: str, storage_syntax: str, received: list[bytes]) -> Dataset:
    """C-GET one MR instance, proposing MR storage in ``storage_syntax`` only; the final response."""

    def keep(event: Event) -> int:
        received.append(event.encoded_dataset(include_meta=False))
        return 0x0000

    ae = AE(ae_title="GETSCU")
    ae.add_requested_context(STUDY_ROOT_GET)
    ae.add_requested_context(MR_IMAGE_STORAGE, [storage_syntax])
    assoc = ae.associate("127.0.0.1", port, ae_title=HUB_AE, ext_neg=[build_role(MR_IMAGE_STORAGE, scp_role=True)],
                         evt_handlers=[(evt.EVT_C_STORE, keep)])
    assert assoc.is_established
    identifier = Dataset()
    identifier.QueryRetrieveLevel = "IMAGE"
    identifier.SOPInstanceUID = sop_instance_uid
    try:
        responses = [status for status, _ in assoc.send_c_get(identifier, STUDY_ROOT_GET)]
    finally:
        assoc.release()
    return responses[-1]


def test_get_sends_the_stored_syntax_when_proposed_alone(hub: DicomServer, j2k: StoredInstance) -> None:
    received: list[bytes] = []
    final = _scu_get(hub.port, j2k.sop_instance_uid, JPEG2000Lossless, received)
    assert final.Status == 0x0000 and final.NumberOfCompletedSuboperations == 1
    assert received == [dataset_bytes(j2k.path)]


def test_get_fails_the_suboperation_when_no_syntax_fits(hub: DicomServer, j2k: StoredInstance) -> None:
    final = _scu_get(hub.port, j2k.sop_instance_uid, JPEGLSLossless, [])  # neither JPEG 2000 nor uncompressed
    assert final.Status == 0xA702  # every sub-operation failed
    assert final.NumberOfFailedSuboperations == 1 and final.NumberOfCompletedSuboperations == 0
