"""DIMSE under governance, with dcmtk as the peers: a mapped AE finds, retrieves and sends only within its
account's projects; an unmapped AE's association is refused. Every association, store, query and retrieve is
in the audit trail, refusals included. Written as an attacker would try it: a second project ID smuggled in
after the pixel data, a role revoked while an association stays open."""

from __future__ import annotations

import contextlib
import io
import json
import socket
import struct
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydicom import dcmread
from pynetdicom import AE, _config

from imaging_hub.dimse import DicomServer, Peer
from imaging_hub.governance import SYSTEM, AuditFilter, Forbidden, Governance, SettableClock
from imaging_hub.governance.dimse_scope import DimseScopes
from imaging_hub.governance.tables import AuditEntry
from imaging_hub.hub import ArchiveForDicom
from imaging_hub.store import Archive, Query

from .hub import study_bytes
from .network import START, Network, build_network

HUB_AE = "IMAGINGHUB"
CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"
MOVE_DESTINATION = "RESSTORE"


@dataclass
class Rig:
    gov: Governance
    archive: Archive
    network: Network
    port: int
    storescp_port: int
    received: Path
    studies: dict[str, str]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def dcmtk(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    data = tmp_path_factory.mktemp("dimse-gov")
    gov = Governance.open(f"sqlite:///{data / 'gov.sqlite3'}", SettableClock(START))
    network = build_network(gov)
    gov.access.map_dimse_peer(SYSTEM, "RESWS", "127.0.0.1", network.researcher.person_id)
    gov.access.map_dimse_peer(SYSTEM, "RXXGW", "*", network.site_manager.person_id)
    gov.move_destinations.allow_for_peer(SYSTEM, "RESWS", "127.0.0.1", MOVE_DESTINATION)
    for code in ("LUNG1", "BRAIN2"):
        gov.move_destinations.allow_for_project(SYSTEM, code, MOVE_DESTINATION)
    archive = Archive.open(data / "archive")
    studies = {}
    for seed, project, site in ((11, "LUNG1", "RXX"), (12, "BRAIN2", "RYY")):
        for blob in study_bytes(project, site, seed):
            studies[project] = archive.store_bytes(blob).instance.study_instance_uid
    received = data / "received"
    received.mkdir()
    storescp_port = free_port()
    storescp = subprocess.Popen(
        ["storescp", "-aet", MOVE_DESTINATION, "+B", "-od", str(received), str(storescp_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    peers = [Peer(MOVE_DESTINATION, "127.0.0.1", storescp_port)]
    server = DicomServer(ArchiveForDicom(archive), port=0, peers=peers, scope_for=DimseScopes(gov))
    server.start()
    try:
        _wait_listening(storescp_port)
        yield Rig(gov, archive, network, server.port, storescp_port, received, studies)
    finally:
        server.stop()
        storescp.terminate()
        storescp.wait(10)
        archive.close()
        gov.close()


def _wait_listening(port: int) -> None:
    for _ in range(200):
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.05)
    raise RuntimeError("storescp did not start listening")


def find_studies(rig: Rig, calling_ae: str, out: Path) -> set[str]:
    out.mkdir(parents=True, exist_ok=True)
    result = dcmtk(
        "findscu", "-S", "-aet", calling_ae, "-aec", HUB_AE, "-X", "-od", out,
        "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID", "-k", "ClinicalTrialProtocolID",
        "127.0.0.1", str(rig.port),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return {str(dcmread(p).StudyInstanceUID) for p in out.glob("rsp*.dcm")}


def move_study(rig: Rig, calling_ae: str, study: str) -> set[str]:
    """C-MOVE a study to the storescp; the SOP Instance UIDs that arrived."""
    before = set(rig.received.iterdir())
    result = dcmtk(
        "movescu", "-S", "-aet", calling_ae, "-aec", HUB_AE, "-aem", MOVE_DESTINATION,
        "-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={study}", "127.0.0.1", str(rig.port),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return {str(dcmread(p).SOPInstanceUID) for p in set(rig.received.iterdir()) - before}


def store(rig: Rig, calling_ae: str, project: str, site: str, seed: int, tmp: Path) -> tuple[list[str], str]:
    """storescu one new study of ``project``; its SOP Instance UIDs and storescu's log."""
    paths, uids = [], []
    for n, blob in enumerate(study_bytes(project, site, seed)):
        path = tmp / f"{project}-{seed}-{n}.dcm"
        path.write_bytes(blob)
        paths.append(path)
        uids.append(str(dcmread(path, stop_before_pixels=True).SOPInstanceUID))
    result = dcmtk("storescu", "-d", "-nh", "-aet", calling_ae, "-aec", HUB_AE, "127.0.0.1", str(rig.port), *paths)
    return uids, result.stdout + result.stderr


def test_mapped_ae_finds_and_moves_only_its_projects(rig: Rig, tmp_path: Path) -> None:
    assert find_studies(rig, "RESWS", tmp_path / "res") == {rig.studies["LUNG1"]}
    assert len(move_study(rig, "RESWS", rig.studies["LUNG1"])) == 2
    assert move_study(rig, "RESWS", rig.studies["BRAIN2"]) == set()


def test_unmapped_ae_is_refused_at_association(rig: Rig, tmp_path: Path) -> None:
    echo = dcmtk("echoscu", "-aet", "STRANGER", "-aec", HUB_AE, "127.0.0.1", str(rig.port))
    assert echo.returncode != 0 and "Calling AE Title Not Recognized" in echo.stdout + echo.stderr
    find = dcmtk("findscu", "-S", "-aet", "STRANGER", "-aec", HUB_AE, "-k", "QueryRetrieveLevel=STUDY",
                 "-k", "StudyInstanceUID", "127.0.0.1", str(rig.port))
    assert find.returncode != 0
    denied = rig.gov.audit.entries(AuditFilter(action="dicom.associate", outcome="denied", limit=50))
    assert sum(1 for e in denied if e.entity_id == "STRANGER") >= 2
    assert rig.gov.audit.entries(AuditFilter(actor="AE STRANGER", action="dicom.search", limit=5)) == []


def test_an_association_for_another_ae_title_is_refused_in_the_audit_when_required(rig: Rig) -> None:
    server = DicomServer(ArchiveForDicom(rig.archive), ae_title=HUB_AE, port=0, scope_for=DimseScopes(rig.gov),
                         require_called_ae_title=True)
    server.start()
    try:
        for tool in (["echoscu"], ["findscu", "-S", "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID"]):
            wrong = dcmtk(*tool, "-aet", "RESWS", "-aec", "ELSEWHERE", "127.0.0.1", str(server.port))
            assert wrong.returncode != 0 and "Called AE Title Not Recognized" in wrong.stdout + wrong.stderr
        assert dcmtk("echoscu", "-aet", "RESWS", "-aec", HUB_AE, "127.0.0.1", str(server.port)).returncode == 0
    finally:
        server.stop()
    entries = rig.gov.audit.entries(AuditFilter(actor=_actor(rig, "RESWS"), action="dicom.associate", limit=3))
    assert sorted(e.outcome for e in entries) == ["denied", "denied", "success"]  # a refusal is never "success"
    assert all(_detail(e)["reason"] == "called AE title is not this server's" for e in entries if e.outcome == "denied")


def test_mapped_ae_sends_only_into_its_sites_projects(rig: Rig, tmp_path: Path) -> None:
    lung, _ = store(rig, "RXXGW", "LUNG1", "RXX", 21, tmp_path)
    assert all(rig.archive.get(uid) is not None for uid in lung)
    brain, log = store(rig, "RXXGW", "BRAIN2", "RYY", 22, tmp_path)
    assert all(rig.archive.get(uid) is None for uid in brain), "nothing of a project outside the scope is kept"
    assert "0xc124" in log.lower(), log
    assert "not authorised to send instances of project BRAIN2" in log
    writes = rig.gov.audit.entries(AuditFilter(action="dicom.write", limit=50))
    outcomes = {(e.entity_id, e.project, e.outcome) for e in writes}
    assert {(uid, "LUNG1", "success") for uid in lung} <= outcomes
    assert {(uid, "BRAIN2", "denied") for uid in brain} <= outcomes


def test_unmapped_and_read_only_aes_may_send_nothing(rig: Rig, tmp_path: Path) -> None:
    uids, log = store(rig, "STRANGER", "LUNG1", "RXX", 31, tmp_path)
    assert all(rig.archive.get(uid) is None for uid in uids)
    assert "Calling AE Title Not Recognized" in log
    uids, log = store(rig, "RESWS", "LUNG1", "RXX", 32, tmp_path)  # a researcher reads LUNG1 but does not send
    assert all(rig.archive.get(uid) is None for uid in uids)
    assert "not authorised to send instances of project LUNG1" in log
    assert rig.gov.verify_audit().ok


def _element(tag: tuple[int, int], vr: bytes, value: bytes) -> bytes:
    """One explicit VR little endian element with a short length (LO, UI, CS and the like)."""
    value += b" " if len(value) % 2 else b""
    return struct.pack("<HH2sH", tag[0], tag[1], vr, len(value)) + value


def _smuggled(rig: Rig, tmp_path: Path, name: str, tail: bytes, seed: int) -> tuple[Path, str]:
    """A LUNG1 instance with ``tail`` appended after its pixel data (the last element)."""
    blob = study_bytes("LUNG1", "RXX", seed)[0]
    path = tmp_path / f"{name}.dcm"
    path.write_bytes(blob + tail)
    return path, str(dcmread(path, stop_before_pixels=True).SOPInstanceUID)


def _send_raw(rig: Rig, calling_ae: str, path: Path) -> tuple[int, str]:
    """C-STORE a file's bytes exactly as they are (dcmtk would re-sort and de-duplicate them first)."""
    ae = AE(ae_title=calling_ae)
    ae.add_requested_context(CT_IMAGE_STORAGE, EXPLICIT_VR_LITTLE_ENDIAN)
    assoc = ae.associate("127.0.0.1", rig.port, ae_title=HUB_AE)
    assert assoc.is_established
    previous, _config.STORE_SEND_CHUNKED_DATASET = _config.STORE_SEND_CHUNKED_DATASET, True
    try:
        answer = assoc.send_c_store(path)
        return int(answer.Status), str(answer.get("ErrorComment", ""))
    finally:
        _config.STORE_SEND_CHUNKED_DATASET = previous
        assoc.release()


def _write_entries(rig: Rig, uid: str) -> list[AuditEntry]:
    return [e for e in rig.gov.audit.entries(AuditFilter(action="dicom.write", limit=500)) if e.entity_id == uid]


@pytest.mark.parametrize(
    ("name", "tail"),
    [
        # the check before storing reads LUNG1; a parser keeping the last copy would file it under BRAIN2
        ("second-project-after-pixels", _element((0x0012, 0x0020), b"LO", b"BRAIN2")),
        ("out-of-order", _element((0x0008, 0x103E), b"LO", b"LATE")),
    ],
    ids=["second-project-after-pixels", "out-of-order"],
)
def test_a_second_project_id_or_elements_out_of_order_are_refused(
    rig: Rig, tmp_path: Path, name: str, tail: bytes
) -> None:
    path, uid = _smuggled(rig, tmp_path, name, tail, seed=41 + len(name))
    status, comment = _send_raw(rig, "RXXGW", path)
    assert status == 0xC210 and "tags must ascend" in comment, (hex(status), comment)
    assert rig.archive.get(uid) is None, "nothing of a malformed instance is kept"
    brain = rig.archive.search(Query(level="STUDY", filters={"ClinicalTrialProtocolID": "BRAIN2"}))
    assert {str(d.StudyInstanceUID) for d in brain} == {rig.studies["BRAIN2"]}
    (entry,) = _write_entries(rig, uid)
    assert entry.outcome == "denied" and _detail(entry)["result"] == "invalid"


def test_a_repeated_element_inside_a_sequence_is_refused(rig: Rig, tmp_path: Path) -> None:
    item = _element((0x0008, 0x0100), b"SH", b"A") + _element((0x0008, 0x0100), b"SH", b"B")
    sequence = (struct.pack("<HH2sHI", 0x7FE1, 0x0010, b"SQ", 0, 0xFFFFFFFF)  # after (7FE0,0010): in order
                + struct.pack("<HHI", 0xFFFE, 0xE000, len(item)) + item
                + struct.pack("<HHI", 0xFFFE, 0xE0DD, 0))
    path, uid = _smuggled(rig, tmp_path, "nested", sequence, seed=47)
    status, comment = _send_raw(rig, "RXXGW", path)
    assert status == 0xC210 and "appears twice" in comment, (hex(status), comment)
    assert rig.archive.get(uid) is None
    assert _write_entries(rig, uid)[0].outcome == "denied"


def test_a_project_id_with_spaces_lands_in_its_project(rig: Rig, tmp_path: Path) -> None:
    blob = study_bytes(" LUNG1 ", "RXX", 48)[0]  # leading and trailing spaces are not significant in LO
    path = tmp_path / "spaced.dcm"
    path.write_bytes(blob)
    uid = str(dcmread(path, stop_before_pixels=True).SOPInstanceUID)
    status, comment = _send_raw(rig, "RXXGW", path)
    stored = rig.archive.get(uid)
    assert status == 0 and stored is not None, comment
    assert stored.clinical_trial_protocol_id == "LUNG1"
    lung = {str(d.SOPInstanceUID) for d in rig.archive.search(
        Query(level="INSTANCE", filters={"ClinicalTrialProtocolID": "LUNG1"}, include=frozenset({"SOPInstanceUID"})))}
    assert uid in lung
    assert _write_entries(rig, uid)[0].project == "LUNG1"


def test_a_role_revoked_mid_association_refuses_the_next_store(rig: Rig) -> None:
    manager = rig.gov.directory.create_person(
        SYSTEM, "gw2@rxx.example", "Gate Way", rig.network.site_manager.organisation_id)
    membership = rig.gov.directory.grant(SYSTEM, manager.id, "site_data_manager", site_code="RXX")
    rig.gov.access.map_dimse_peer(SYSTEM, "REVOKEGW", "127.0.0.1", manager.id)
    first, second = (dcmread(io.BytesIO(b)) for b in study_bytes("LUNG1", "RXX", 49))
    ae = AE(ae_title="REVOKEGW")
    ae.add_requested_context(first.SOPClassUID, first.file_meta.TransferSyntaxUID)
    assoc = ae.associate("127.0.0.1", rig.port, ae_title=HUB_AE)
    assert assoc.is_established
    try:
        assert assoc.send_c_store(first).Status == 0x0000
        rig.gov.directory.revoke(SYSTEM, membership.id)
        refused = assoc.send_c_store(second)
        assert refused.Status == 0xC124
    finally:
        assoc.release()
    assert rig.archive.get(str(first.SOPInstanceUID)) is not None
    assert rig.archive.get(str(second.SOPInstanceUID)) is None
    assert _write_entries(rig, str(second.SOPInstanceUID))[0].outcome == "denied"


def test_dimse_reads_are_audited(rig: Rig, tmp_path: Path) -> None:
    found = dcmtk("findscu", "-S", "-aet", "RESWS", "-aec", HUB_AE, "-k", "QueryRetrieveLevel=STUDY",
                  "-k", f"StudyInstanceUID={rig.studies['LUNG1']}\\{rig.studies['BRAIN2']}", "127.0.0.1",
                  str(rig.port))
    assert found.returncode == 0, found.stderr
    (search,) = rig.gov.audit.entries(AuditFilter(actor=_actor(rig, "RESWS"), action="dicom.search", limit=1))
    assert search.outcome == "success" and _detail(search)["dimse"] == "C-FIND"
    assert _detail(search)["level"] == "STUDY" and _detail(search)["count"] == 1  # BRAIN2 is not the caller's
    assert _detail(search)["uids"] == [rig.studies["LUNG1"]]
    assert _detail(search)["keys"] == {"StudyInstanceUID": f"{rig.studies['LUNG1']}\\{rig.studies['BRAIN2']}"}
    # the query keys are kept, but a patient's identity only as "given"
    patient = dcmtk("findscu", "-S", "-aet", "RESWS", "-aec", HUB_AE, "-k", "QueryRetrieveLevel=STUDY",
                    "-k", "PatientName=SMITH*", "-k", "StudyInstanceUID", "127.0.0.1", str(rig.port))
    assert patient.returncode == 0, patient.stderr
    (search,) = rig.gov.audit.entries(AuditFilter(actor=_actor(rig, "RESWS"), action="dicom.search", limit=1))
    assert _detail(search)["keys"] == {"PatientName": "(given)"} and "SMITH" not in str(search.detail)

    move_study(rig, "RESWS", rig.studies["LUNG1"])  # (the files may be in the destination from a test before)
    (move,) = rig.gov.audit.entries(AuditFilter(actor=_actor(rig, "RESWS"), action="dicom.read", limit=1))
    assert move.outcome == "success" and _detail(move)["dimse"] == "C-MOVE"
    assert _detail(move)["destination"] == MOVE_DESTINATION and _detail(move)["count"] == 2
    assert _detail(move)["failed"] == 0 and _detail(move)["keys"] == {"StudyInstanceUID": rig.studies["LUNG1"]}

    assert move_study(rig, "RESWS", rig.studies["BRAIN2"]) == set()  # outside the researcher's projects
    (refused,) = rig.gov.audit.entries(AuditFilter(actor=_actor(rig, "RESWS"), action="dicom.read", limit=1))
    assert refused.outcome == "denied" and _detail(refused)["withheld"] == 2 and _detail(refused)["count"] == 0

    (tmp_path / "got").mkdir()
    got = dcmtk("getscu", "-S", "-aet", "RESWS", "-aec", HUB_AE, "-od", tmp_path / "got", "-k",
                "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={rig.studies['LUNG1']}",
                "127.0.0.1", str(rig.port))
    assert got.returncode == 0, got.stderr
    (get,) = rig.gov.audit.entries(AuditFilter(actor=_actor(rig, "RESWS"), action="dicom.read", limit=1))
    assert _detail(get)["dimse"] == "C-GET" and _detail(get)["count"] == 2 and get.outcome == "success"

    unknown = dcmtk("movescu", "-S", "-aet", "RESWS", "-aec", HUB_AE, "-aem", "NOWHERE", "-k",
                    "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={rig.studies['LUNG1']}",
                    "127.0.0.1", str(rig.port))
    assert "MoveDestinationUnknown" in unknown.stderr
    (nowhere,) = rig.gov.audit.entries(AuditFilter(actor=_actor(rig, "RESWS"), action="dicom.read", limit=1))
    assert nowhere.outcome == "denied" and _detail(nowhere)["destination"] == "NOWHERE"
    assert rig.gov.verify_audit().ok


def _detail(entry: AuditEntry) -> dict[str, Any]:
    detail = entry.detail
    return dict(json.loads(detail) if isinstance(detail, str) else detail)


def _actor(rig: Rig, calling_ae: str) -> str:
    return rig.gov.access.dimse_principal(calling_ae, "127.0.0.1").audit_name


# -- C-MOVE destinations per peer and per project (issue 20) ---------------------------------------------


def _last_read(rig: Rig, calling_ae: str) -> AuditEntry:
    (entry,) = rig.gov.audit.entries(AuditFilter(actor=_actor(rig, calling_ae), action="dicom.read", limit=1))
    return entry


def test_a_peer_cannot_move_to_a_destination_not_configured_for_it(rig: Rig) -> None:
    moves = rig.gov.move_destinations
    # RXXGW reads nothing anyway; RESWS loses its destination: the address book alone no longer suffices
    moves.forbid_for_peer(SYSTEM, "RESWS", "127.0.0.1", MOVE_DESTINATION)
    try:
        before = set(rig.received.iterdir())
        refused = dcmtk("movescu", "-S", "-aet", "RESWS", "-aec", HUB_AE, "-aem", MOVE_DESTINATION, "-k",
                        "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={rig.studies['LUNG1']}",
                        "127.0.0.1", str(rig.port))
        assert "MoveDestinationUnknown" in refused.stderr  # the same answer as for an unknown AE title
        assert set(rig.received.iterdir()) == before
        entry = _last_read(rig, "RESWS")
        assert entry.outcome == "denied" and _detail(entry)["destination"] == MOVE_DESTINATION
        assert "not allowed" in _detail(entry)["reason"]
    finally:
        moves.allow_for_peer(SYSTEM, "RESWS", "127.0.0.1", MOVE_DESTINATION)
    move_study(rig, "RESWS", rig.studies["LUNG1"])  # allowed again: the very next move goes
    entry = _last_read(rig, "RESWS")
    assert entry.outcome == "success" and _detail(entry)["count"] == 2


def test_a_projects_data_goes_only_where_the_project_allows(rig: Rig) -> None:
    moves = rig.gov.move_destinations
    moves.forbid_for_project(SYSTEM, "LUNG1", MOVE_DESTINATION)
    try:
        # the only project RESWS reads no longer allows it, so nothing it may read could go there
        refused = dcmtk("movescu", "-S", "-aet", "RESWS", "-aec", HUB_AE, "-aem", MOVE_DESTINATION, "-k",
                        "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={rig.studies['LUNG1']}",
                        "127.0.0.1", str(rig.port))
        assert "MoveDestinationUnknown" in refused.stderr
        entry = _last_read(rig, "RESWS")
        assert entry.outcome == "denied" and _detail(entry)["count"] == 0
    finally:
        moves.allow_for_project(SYSTEM, "LUNG1", MOVE_DESTINATION)
    changes = rig.gov.audit.entries(AuditFilter(action="project.", limit=5))
    assert [e.action for e in changes[:2]] == ["project.allow_move", "project.forbid_move"]


def test_only_an_administrator_changes_move_destinations(rig: Rig) -> None:
    lead = rig.network.lead
    with pytest.raises(Forbidden):
        rig.gov.move_destinations.allow_for_project(lead, "LUNG1", "ELSEWHERE")
    with pytest.raises(Forbidden):
        rig.gov.move_destinations.allow_for_peer(rig.network.researcher, "RESWS", "127.0.0.1", "ELSEWHERE")
    assert "ELSEWHERE" not in rig.gov.move_destinations.for_peer("RESWS", "127.0.0.1")
    assert rig.gov.audit.entries(AuditFilter(action="project.allow_move", outcome="denied", limit=1))
