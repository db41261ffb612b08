"""DIMSE under governance, with dcmtk as the peers: a mapped AE finds, retrieves and sends only within its
account's projects; an unmapped AE is answered (C-ECHO works) but finds nothing, gets nothing and may send
nothing. Every store decision is in the audit trail."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydicom import dcmread

from imaging_hub.dimse import DicomServer, Peer
from imaging_hub.governance import SYSTEM, AuditFilter, Governance, SettableClock
from imaging_hub.governance.dimse_scope import DimseScopes
from imaging_hub.store import Archive

from .hub import study_bytes
from .network import START, Network, build_network

HUB_AE = "IMAGINGHUB"
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
    server = DicomServer(archive, port=0, peers=peers, scope_for=DimseScopes(gov))
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


def test_unmapped_ae_is_answered_but_sees_and_gets_nothing(rig: Rig, tmp_path: Path) -> None:
    echo = dcmtk("echoscu", "-aet", "STRANGER", "-aec", HUB_AE, "127.0.0.1", str(rig.port))
    assert echo.returncode == 0, echo.stderr
    assert find_studies(rig, "STRANGER", tmp_path / "stranger") == set()
    assert move_study(rig, "STRANGER", rig.studies["LUNG1"]) == set()
    denied = rig.gov.audit.entries(AuditFilter(action="dicom.associate", outcome="denied", limit=50))
    assert any(e.entity_id == "STRANGER" for e in denied)


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
    for calling_ae, seed in (("STRANGER", 31), ("RESWS", 32)):  # a researcher reads LUNG1 but does not send
        uids, log = store(rig, calling_ae, "LUNG1", "RXX", seed, tmp_path)
        assert all(rig.archive.get(uid) is None for uid in uids), calling_ae
        assert "not authorised to send instances of project LUNG1" in log
    assert rig.gov.verify_audit().ok
