"""C-FIND SCP: dcmtk findscu at patient and study root, every level; matching, scope, charset, cancel."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from dimse_tools import findscu, keyed, scu_find
from network_sample import Loaded, load_network, part10
from pydicom.dataset import Dataset

from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
from imaging_hub.dimse import DicomServer
from imaging_hub.dimse.callers import Callers
from imaging_hub.dimse.find import FindSCP
from imaging_hub.dimse.scope import Unrestricted
from imaging_hub.hub import ArchiveForDicom
from imaging_hub.store import Archive

PATIENT_ROOT = "1.2.840.10008.5.1.4.1.2.1.1"
STUDY_ROOT = "1.2.840.10008.5.1.4.1.2.2.1"


@pytest.fixture
def network(archive: Archive) -> Loaded:
    return load_network(archive)


def test_patient_root_every_level(hub: DicomServer, network: Loaded, tmp_path: Path) -> None:
    patients = findscu(hub.port, "-P", {
        "QueryRetrieveLevel": "PATIENT", "PatientID": "", "PatientName": "",
        "NumberOfPatientRelatedStudies": "", "NumberOfPatientRelatedInstances": "",
    }, tmp_path)
    assert {str(p.PatientID) for p in patients} == network.patients()
    assert all(int(p.NumberOfPatientRelatedInstances) == 4 for p in patients)
    assert all(p.QueryRetrieveLevel == "PATIENT" for p in patients)

    first = network.instances[0]
    studies = findscu(hub.port, "-P", {
        "QueryRetrieveLevel": "STUDY", "PatientID": first.PatientID, "StudyInstanceUID": "", "StudyDate": "",
    }, tmp_path)
    assert [str(s.StudyInstanceUID) for s in studies] == [first.StudyInstanceUID]
    assert studies[0].StudyDate == first.StudyDate

    series = findscu(hub.port, "-P", {
        "QueryRetrieveLevel": "SERIES", "PatientID": first.PatientID,
        "StudyInstanceUID": first.StudyInstanceUID, "SeriesInstanceUID": "", "Modality": "",
    }, tmp_path)
    assert len(series) == 2 and {s.Modality for s in series} == {first.Modality}

    images = findscu(hub.port, "-P", {
        "QueryRetrieveLevel": "IMAGE", "PatientID": first.PatientID, "StudyInstanceUID": first.StudyInstanceUID,
        "SeriesInstanceUID": first.SeriesInstanceUID, "SOPInstanceUID": "", "InstanceNumber": "",
    }, tmp_path)
    assert sorted(int(i.InstanceNumber) for i in images) == [1, 2]
    assert first.SOPInstanceUID in {i.SOPInstanceUID for i in images}


def test_study_root_matching(hub: DicomServer, network: Loaded, tmp_path: Path) -> None:
    everything = findscu(hub.port, "-S", {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": ""}, tmp_path)
    assert {str(s.StudyInstanceUID) for s in everything} == network.studies()

    first = network.instances[0]
    family = str(first.PatientName).split("^")[0]
    by_name_and_date = findscu(hub.port, "-S", {
        "QueryRetrieveLevel": "STUDY", "PatientName": f"{family[:2]}*",
        "StudyDate": f"{first.StudyDate}-{first.StudyDate}", "StudyInstanceUID": "", "ModalitiesInStudy": "",
        "NumberOfStudyRelatedInstances": "",
    }, tmp_path)
    assert first.StudyInstanceUID in {s.StudyInstanceUID for s in by_name_and_date}
    match = next(s for s in by_name_and_date if s.StudyInstanceUID == first.StudyInstanceUID)
    assert match.ModalitiesInStudy == first.Modality and int(match.NumberOfStudyRelatedInstances) == 4

    series = findscu(hub.port, "-S", {
        "QueryRetrieveLevel": "SERIES", "StudyInstanceUID": first.StudyInstanceUID, "SeriesInstanceUID": "",
        "SeriesNumber": "1",
    }, tmp_path)
    assert [s.SeriesInstanceUID for s in series] == [first.SeriesInstanceUID]

    both = "\\".join(str(ds.SOPInstanceUID) for ds in network.instances[:2])
    images = findscu(hub.port, "-S", {"QueryRetrieveLevel": "IMAGE", "SOPInstanceUID": both}, tmp_path)
    assert {i.SOPInstanceUID for i in images} == {ds.SOPInstanceUID for ds in network.instances[:2]}


def test_study_root_has_no_patient_level(hub: DicomServer, network: Loaded) -> None:
    responses = scu_find(hub.port, STUDY_ROOT, keyed(QueryRetrieveLevel="PATIENT", PatientID=""))
    assert [status for status, _ in responses] == [0xA900]


def test_unsupported_matching_key_is_a_return_key(hub: DicomServer, network: Loaded) -> None:
    identifier = keyed(QueryRetrieveLevel="STUDY", StudyInstanceUID="", StudyComments="anything")
    responses = scu_find(hub.port, STUDY_ROOT, identifier)
    assert [status for status, _ in responses[:-1]] == [0xFF01] * len(network.studies())
    assert responses[-1][0] == 0x0000


def test_scope_limits_answers_to_the_callers_projects(archive: Archive, network: Loaded, tmp_path: Path) -> None:
    calls: list[tuple[str, str]] = []

    def scope_for(calling_ae: str, address: str) -> Unrestricted:
        calls.append((calling_ae, address))
        return Unrestricted(projects=frozenset({"PROJ-A"}))

    with DicomServer(ArchiveForDicom(archive), port=0, scope_for=scope_for) as server:
        studies = findscu(server.port, "-S", {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": ""}, tmp_path)
        patients = findscu(server.port, "-P", {
            "QueryRetrieveLevel": "PATIENT", "PatientID": "", "NumberOfPatientRelatedStudies": "",
        }, tmp_path)
        other = findscu(server.port, "-S", {
            "QueryRetrieveLevel": "SERIES", "ClinicalTrialProtocolID": "PROJ-B", "SeriesInstanceUID": "",
        }, tmp_path)
    assert {str(s.StudyInstanceUID) for s in studies} == network.studies("PROJ-A")
    assert {str(p.PatientID) for p in patients} == network.patients("PROJ-A")
    assert all(int(p.NumberOfPatientRelatedStudies) == 1 for p in patients)
    assert other == []
    assert calls and calls[0][0] == "FINDSCU"


def test_non_ascii_names_come_back_intact(hub: DicomServer, archive: Archive) -> None:
    patient = SyntheticPatient("RX1999", "9990000018", "MÜLLER^JOSÉ", "19700101", "M")
    ds = next(make_study(patient, StudySpec(series=1, instances_per_series=1, rows=8, columns=8)))
    archive.store_bytes(part10(ds))  # synthetic instances say ISO_IR 100
    responses = scu_find(hub.port, STUDY_ROOT, keyed(QueryRetrieveLevel="STUDY", PatientName="MÜ*",
                                                      SpecificCharacterSet="ISO_IR 192", StudyInstanceUID=""))
    (status, found), (final, _) = responses
    assert status == 0xFF00 and final == 0x0000
    assert found is not None and str(found.PatientName) == "MÜLLER^JOSÉ"


def test_cancel_stops_pending_answers(archive: Archive, network: Loaded) -> None:
    class Requestor:
        requestor = SimpleNamespace(ae_title="FINDSCU", address="127.0.0.1", primitive=None)

    class Cancelling:
        """The request as the handler sees it; the requestor cancels after the first answer."""

        identifier = keyed(QueryRetrieveLevel="IMAGE", SOPInstanceUID="")
        request = SimpleNamespace(AffectedSOPClassUID=STUDY_ROOT)
        assoc = Requestor()
        answered = 0

        @property
        def is_cancelled(self) -> bool:
            return self.answered > 0

    event = Cancelling()
    statuses = []
    find = FindSCP(ArchiveForDicom(archive), "IMAGINGHUB", Callers(_everything, 1, 32))
    results: Iterator[tuple[int | Dataset, Dataset | None]] = find(event)  # type: ignore[arg-type]
    for status, _ in results:
        statuses.append(status)
        event.answered += 1
    assert statuses == [0xFF00, 0xFE00]


def _everything(calling_ae: str, address: str) -> Unrestricted:
    return Unrestricted()
