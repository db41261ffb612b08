"""Participants enrolled by NHS number only, at a PACS that keys patients by local ID: found through
OtherPatientIDsSequence / OtherPatientIDs where the PACS matches on them; otherwise reconciliation says
plainly "not found in PACS by NHS number" instead of showing nothing."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import OrthancPacs, part10

from imaging_hub.deid import ProjectKey
from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
from imaging_hub.nhs_number import nhs_number_check_digit
from imaging_hub.spoke import SpokeSettings, classify, connect, load_enrolment_file, study_reports
from imaging_hub.spoke.delivery.reconciliation import NOT_FOUND_BY_NHS_NUMBER
from imaging_hub.spoke.pacs.dimse import DimsePacs
from imaging_hub.spoke.runtime.gateway import Spoke

SPEC = StudySpec(rows=8, columns=8, series=1, instances_per_series=2)


def _valid_nhs_number(rng: random.Random) -> str:
    while True:
        nine = "".join(str(rng.randrange(10)) for _ in range(9))
        check = nhs_number_check_digit(nine)
        if check < 10:
            return f"{nine}{check}"


@pytest.fixture(scope="module")
def pacs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OrthancPacs, list[SyntheticPatient]]]:
    rng = random.Random(44)
    in_sequence, in_string = SyntheticPatient.make(rng, "RX1"), SyntheticPatient.make(rng, "RX1")
    with OrthancPacs.running(tmp_path_factory.mktemp("pacs"), dicomweb=False) as orthanc:
        orthanc.upload_many([part10(ds) for ds in make_study(in_sequence, SPEC, seed=1)])  # NHS no. in the sequence
        string_only = []
        for ds in make_study(in_string, SPEC, seed=2):  # an older PACS: the NHS number in OtherPatientIDs only
            del ds.OtherPatientIDsSequence
            ds.OtherPatientIDs = in_string.nhs_number
            string_only.append(part10(ds))
        orthanc.upload_many(string_only)
        yield orthanc, [in_sequence, in_string]


def _spoke(tmp_path: Path, orthanc: OrthancPacs, keys: list[str]) -> Spoke:
    key_file = tmp_path / "p.key"
    ProjectKey.generate().save(key_file)
    settings = SpokeSettings(
        site_id="RX1", data=tmp_path / "data", deid_workers=0,
        projects=[{"id": "NHS1", "key_file": key_file, "opt_out": "consent", "opt_out_basis": "test"}],
        pacs={"kind": "dimse", "host": "127.0.0.1", "port": orthanc.dicom_port, "ae_title": "ORTHANC",
              "retrieve": "get", "nhs_number_keys": keys},
    )
    return Spoke(settings)


def test_pacs_answers_are_checked_against_the_nhs_number(
        pacs: tuple[OrthancPacs, list[SyntheticPatient]]) -> None:
    orthanc, (in_sequence, in_string) = pacs
    dimse = DimsePacs("127.0.0.1", orthanc.dicom_port, "ORTHANC", "TESTSPOKE")
    by_local_id = [dimse.find_studies(p.patient_id, "", "") for p in (in_sequence, in_string)]
    assert [len(found) for found in by_local_id] == [1, 1]
    assert dimse.find_studies(in_sequence.nhs_number, "", "") == []  # the PACS keys by local ID
    assert len(dimse.find_studies(in_string.nhs_number, "", "", key="OtherPatientIDs")) == 1
    # Whatever the PACS does with a key it cannot match, only answers showing the number count.
    for found in dimse.find_studies(in_sequence.nhs_number, "", "", key="OtherPatientIDsSequence"):
        assert found.study_uid == by_local_id[0][0].study_uid


def test_enrolled_by_nhs_number_only_is_found_or_explicitly_not_found(
        tmp_path: Path, pacs: tuple[OrthancPacs, list[SyntheticPatient]]) -> None:
    orthanc, (in_sequence, in_string) = pacs
    absent = _valid_nhs_number(random.Random(9))
    spoke = _spoke(tmp_path, orthanc, ["PatientID", "OtherPatientIDsSequence", "OtherPatientIDs"])
    conn = connect(spoke.settings.data)
    enrol = tmp_path / "enrol.csv"
    enrol.write_text("participant_id,nhs_number\n"
                     f"N-SEQ,{in_sequence.nhs_number}\nN-STR,{in_string.nhs_number}\nN-ABSENT,{absent}\n")
    load_enrolment_file(conn, "NHS1", enrol)
    summary = spoke.pull()
    assert not summary.errors
    by_participant = {r.participant_id: r for r in study_reports(conn)}
    conn.close()
    assert by_participant["N-STR"].expected_instances == 2  # found through OtherPatientIDs
    absent_row = by_participant["N-ABSENT"]
    assert classify(absent_row)[0] == "failed" and absent_row.study_uid == ""
    assert classify(absent_row)[1].startswith(NOT_FOUND_BY_NHS_NUMBER)
    sequence_row = by_participant["N-SEQ"]  # found if the PACS matches inside the sequence, else said so
    assert sequence_row.expected_instances == 2 or classify(sequence_row)[1].startswith(NOT_FOUND_BY_NHS_NUMBER)
    for row in by_participant.values():  # no identifier in what reconciliation reports
        text = row.model_dump_json() + classify(row)[1]
        assert in_sequence.nhs_number not in text and absent not in text and in_string.nhs_number not in text


def test_only_the_configured_keys_are_searched(
        tmp_path: Path, pacs: tuple[OrthancPacs, list[SyntheticPatient]]) -> None:
    orthanc, (_, in_string) = pacs
    spoke = _spoke(tmp_path, orthanc, ["PatientID"])
    conn = connect(spoke.settings.data)
    enrol = tmp_path / "enrol.csv"
    enrol.write_text(f"participant_id,nhs_number\nN-STR,{in_string.nhs_number}\n")
    load_enrolment_file(conn, "NHS1", enrol)
    spoke.pull()
    (row,) = study_reports(conn)
    conn.close()
    assert classify(row) == ("failed", f"{NOT_FOUND_BY_NHS_NUMBER} (searched PatientID)")
