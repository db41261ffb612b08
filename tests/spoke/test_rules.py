"""Enrolment, opt-out register and gatekeeper rules, on the spoke's real state database."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest

from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
from imaging_hub.spoke import (
    EnrolmentError,
    OptOutFileError,
    SubjectHasher,
    connect,
    load_enrolment_file,
    load_register_file,
    normalise_nhs_number,
    register_status,
)
from imaging_hub.spoke.participants.gatekeeper import (
    NOT_ENROLLED,
    OPT_OUT_UNCHECKABLE,
    OPTED_OUT,
    WITHDRAWN,
    Gatekeeper,
)
from imaging_hub.spoke.participants.identity import InstanceIdentity
from imaging_hub.spoke.participants.withdrawal import withdraw
from imaging_hub.spoke.settings import OptOutPolicy, ProjectSettings, SpokeSettings


def _identity(patient: SyntheticPatient, modality: str = "CT", date: dt.date = dt.date(2024, 3, 14),
              with_nhs: bool = True) -> InstanceIdentity:
    ds = next(make_study(patient, StudySpec(modality=modality, study_date=date, rows=8, columns=8)))
    if not with_nhs:
        del ds.OtherPatientIDsSequence
    return InstanceIdentity.of(ds)


def _project(key: Path, pid: str = "P1", policy: OptOutPolicy = OptOutPolicy.APPLIES, basis: str = "") -> (
        ProjectSettings):
    return ProjectSettings(id=pid, key_file=key, opt_out=policy, opt_out_basis=basis)


def test_nhs_numbers_are_normalised_and_checked() -> None:
    assert normalise_nhs_number("943 476 5919") == "9434765919"
    assert normalise_nhs_number("943-476-5919") == "9434765919"
    assert normalise_nhs_number("9434765918") is None  # wrong check digit
    assert normalise_nhs_number("94347659") is None


def test_instance_identity_finds_nhs_number_in_other_patient_ids(patients: list[SyntheticPatient]) -> None:
    who = _identity(patients[0])
    assert who.nhs_numbers == {patients[0].nhs_number}
    assert who.patient_id == patients[0].patient_id


def test_opt_out_file_formats_and_errors(tmp_path: Path, patients: list[SyntheticPatient]) -> None:
    hasher = SubjectHasher.for_data_dir(tmp_path)
    conn = connect(tmp_path)
    good = tmp_path / "optout.txt"
    a, b = patients[0].nhs_number, patients[1].nhs_number
    good.write_text(f"NHS_NUMBER,DATE_CHECKED\n{a},2024-05-01\n\n{b[:3]} {b[3:6]} {b[6:]}\t20240502\n")
    assert load_register_file(conn, good, hasher) == 2
    status = register_status(conn)
    assert status.entries == 2 and status.latest_check == "2024-05-02"
    stored = " ".join(str(v) for row in conn.exec_driver_sql("SELECT * FROM opt_out") for v in row)
    assert a not in stored and b not in stored  # hashes only

    bad = tmp_path / "bad.txt"
    bad.write_text(f"{a},2024-05-01\n1234567890,2024-05-01\n")
    with pytest.raises(OptOutFileError) as caught:
        load_register_file(conn, bad, hasher)
    assert "line 2" in str(caught.value) and "1234567890" not in str(caught.value)
    assert register_status(conn).entries == 2  # the old register is kept whole


def test_enrolment_csv_validation(tmp_path: Path, patients: list[SyntheticPatient]) -> None:
    conn = connect(tmp_path)
    csv = tmp_path / "enrol.csv"
    csv.write_text("participant_id,local_patient_id,nhs_number,window_start,window_end,modalities\n"
                   f"P-1,{patients[0].patient_id},,2024-01-01,2024-12-31,CT\n"
                   f"P-2,,{patients[1].nhs_number},,,\n")
    assert load_enrolment_file(conn, "P1", csv) == 2
    for body, expected in [
        ("participant_id,local_patient_id\n,X1\n", "row 2: participant_id is empty"),
        ("participant_id,nhs_number\nP-9,1234567890\n", "row 2: nhs_number is not a valid NHS number"),
        ("participant_id,local_patient_id,window_start\nP-9,X1,2024-13-01\n", "row 2, window_start"),
        ("participant_id,shoe_size\nP-9,9\n", "unknown column"),
        ("participant_id,local_patient_id\nP-9,\n", "needs local_patient_id or nhs_number"),
    ]:
        csv.write_text(body)
        with pytest.raises(EnrolmentError, match=expected):
            load_enrolment_file(conn, "P1", csv)
    assert conn.exec_driver_sql("SELECT COUNT(*) FROM participant").fetchone()[0] == 2  # nothing partial


def test_gatekeeper_decisions(tmp_path: Path, patients: list[SyntheticPatient], project_key_file: Path,
                              caplog: pytest.LogCaptureFixture) -> None:
    conn = connect(tmp_path)
    hasher = SubjectHasher.for_data_dir(tmp_path)
    enrolled, opted_out, no_nhs, stranger = patients
    csv = tmp_path / "enrol.csv"
    csv.write_text("participant_id,local_patient_id,nhs_number,window_start,window_end,modalities\n"
                   f"A,{enrolled.patient_id},,2024-01-01,2024-06-30,CT\n"
                   f"B,{opted_out.patient_id},,,,\n"
                   f"C,{no_nhs.patient_id},,,,\n")
    load_enrolment_file(conn, "P1", csv)
    load_enrolment_file(conn, "P2", csv)
    optout = tmp_path / "optout.csv"
    optout.write_text(f"{opted_out.nhs_number},2024-05-01\n")
    load_register_file(conn, optout, hasher)
    gate = Gatekeeper({"P1": _project(project_key_file),
                       "P2": _project(project_key_file, "P2", OptOutPolicy.CONSENT, "signed consent, REC 24/LO/0001")},
                      hasher)

    def verdicts(who: InstanceIdentity) -> dict[str, str]:
        return {d.project_id: d.reason or "accepted" for d in gate.decide(conn, who)}

    assert verdicts(_identity(enrolled)) == {"P1": "accepted", "P2": "accepted"}
    assert verdicts(_identity(enrolled, modality="MR"))["P1"] == "modality not wanted"
    assert verdicts(_identity(enrolled, date=dt.date(2024, 7, 1)))["P1"] == "outside time window"
    assert verdicts(_identity(opted_out)) == {"P1": OPTED_OUT, "P2": "accepted"}  # consent: opt-out not applied
    assert verdicts(_identity(no_nhs, with_nhs=False)) == {"P1": OPT_OUT_UNCHECKABLE, "P2": "accepted"}
    assert verdicts(_identity(stranger)) == {"": NOT_ENROLLED}

    with caplog.at_level(logging.INFO):
        who = _identity(opted_out)
        gate.record(conn, who, gate.decide(conn, who))
    logged = caplog.text + " ".join(str(v) for row in conn.exec_driver_sql("SELECT * FROM decision") for v in row)
    assert "opted" in logged.lower() or OPTED_OUT in logged
    assert opted_out.nhs_number not in logged and opted_out.patient_id not in logged
    assert "signed consent" in logged  # the recorded basis for not applying the opt-out

    withdraw(conn, "P2", "A")
    assert verdicts(_identity(enrolled))["P2"] == WITHDRAWN


def test_project_without_opt_out_needs_a_recorded_basis(project_key_file: Path) -> None:
    with pytest.raises(ValueError, match="opt_out_basis"):
        ProjectSettings(id="P", key_file=project_key_file, opt_out=OptOutPolicy.EXEMPTION)
    with pytest.raises(ValueError, match="listed twice"):
        SpokeSettings(projects=[_project(project_key_file), _project(project_key_file)])
