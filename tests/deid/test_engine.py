"""The engine on synthetic studies: identities gone, pseudonyms and UIDs keyed and consistent, dates
shifted with intervals kept, the de-identification marks present."""

from __future__ import annotations

import datetime as dt

import pytest
from pydicom.dataset import Dataset

from imaging_hub.deid import Deidentifier, Profile, ProjectKey, Quarantined

from .helpers import add_private_block, roundtrip, synthetic_study, to_bytes


def _identities(patient) -> list[bytes]:
    family, given = patient.name.split("^")
    return [v.encode() for v in (family, given, patient.patient_id, patient.nhs_number, patient.birth_date)]


@pytest.mark.parametrize("profile", ["basic", "research"])
def test_no_identity_survives_in_output_bytes(key: ProjectKey, profile: str) -> None:
    patient, study = synthetic_study()
    deid = Deidentifier(Profile.builtin(profile), key)
    for ds in study:
        ds.StudyDescription = f"CT chest for {patient.name.replace('^', ' ').title()} NHS {patient.nhs_number}"
        data = to_bytes(deid.deidentify(ds).dataset)
        for value in _identities(patient):
            assert value not in data
        assert b"ROYAL EXAMPLE HOSPITAL" not in data


def test_marks_and_method_codes(research: Deidentifier) -> None:
    _, study = synthetic_study()
    out = roundtrip(research.deidentify(study[0]).dataset)
    assert out.PatientIdentityRemoved == "YES"
    assert out.LongitudinalTemporalInformationModified == "MODIFIED"
    codes = {item.CodeValue for item in out.DeidentificationMethodCodeSequence}
    assert codes == {"113100", "113107", "113108", "113109", "113111", "113105", "113104", "113103"}
    assert out.ClinicalTrialProtocolID == "LUNG1" and out.ClinicalTrialSiteID == "RX1"
    assert out.file_meta.MediaStorageSOPInstanceUID == out.SOPInstanceUID
    assert out.SOPInstanceUID.startswith("2.25.")


def test_pseudonyms_and_uids_are_keyed_and_consistent(key: ProjectKey) -> None:
    _, study = synthetic_study(instances=3)
    originals = [(ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID, ds.PatientID) for ds in study]
    site_a = Deidentifier(Profile.builtin("research"), key)
    site_b = Deidentifier(Profile.builtin("research"), key)  # another site, same project key
    other = Deidentifier(Profile.builtin("research"), ProjectKey.generate())
    outs = [site_a.deidentify(ds).dataset for ds in study]
    assert len({o.StudyInstanceUID for o in outs}) == 1
    assert len({o.SOPInstanceUID for o in outs}) == 3
    assert outs[0].StudyInstanceUID == site_b.uid(originals[0][0]) != other.uid(originals[0][0])
    assert outs[0].FrameOfReferenceUID == site_b.uid(originals[0][2])
    assert outs[0].PatientID == site_b.pseudonym(originals[0][3]) == outs[0].PatientName
    assert len(outs[0].StudyInstanceUID) <= 64


def test_references_stay_consistent(research: Deidentifier) -> None:
    _, study = synthetic_study(instances=2)
    first, second = study
    target_uid = first.SOPInstanceUID
    ref = Dataset()
    ref.ReferencedSOPClassUID = first.SOPClassUID
    ref.ReferencedSOPInstanceUID = target_uid
    second.ReferencedImageSequence = [ref]
    out_first = research.deidentify(first).dataset
    out_second = research.deidentify(second).dataset
    item = out_second.ReferencedImageSequence[0]
    assert item.ReferencedSOPInstanceUID == out_first.SOPInstanceUID
    assert item.ReferencedSOPClassUID == out_first.SOPClassUID  # a standard UID is kept


def test_dates_shift_by_one_offset_per_subject(research: Deidentifier) -> None:
    _patient, study = synthetic_study()
    ds = study[0]
    ds.SeriesDate = "20240301"
    ds.AcquisitionDateTime = "20240314101500.25+0000"
    out = research.deidentify(ds).dataset
    study_date = dt.datetime.strptime(out.StudyDate, "%Y%m%d").date()
    series_date = dt.datetime.strptime(out.SeriesDate, "%Y%m%d").date()
    assert (dt.date(2024, 3, 14) - study_date).days >= 365
    assert (study_date - series_date).days == 13  # the interval survives
    assert out.AcquisitionDateTime == out.StudyDate + "101500.25+0000"
    assert out.StudyTime == "101500"
    _, again = synthetic_study()
    assert research.deidentify(again[1]).dataset.StudyDate == out.StudyDate


def test_basic_profile_removes_dates_and_descriptions(basic: Deidentifier) -> None:
    _, study = synthetic_study()
    out = basic.deidentify(study[0]).dataset
    assert out.LongitudinalTemporalInformationModified == "REMOVED"
    assert "SeriesDescription" not in out
    assert out.StudyDate in ("", None)
    assert out.get("PatientSex") in ("", None)


def test_nested_sequences_are_walked_at_every_depth(research: Deidentifier) -> None:
    patient, study = synthetic_study()
    ds = study[0]
    leaf = Dataset()
    leaf.PersonName = patient.name
    leaf.TextValue = f"Patient {patient.name.split('^')[0]} seen at 12 Acacia Avenue"
    middle = Dataset()
    middle.ContentSequence = [leaf]
    top = Dataset()
    top.ContentSequence = [middle]
    top.PatientID = patient.patient_id
    ds.ContentSequence = [top]
    data = to_bytes(research.deidentify(ds).dataset)
    for value in _identities(patient):
        assert value not in data


def test_safe_private_keeps_kb_keep_entries_and_drops_the_rest(key: ProjectKey) -> None:
    patient, study = synthetic_study()
    ds = study[0]
    add_private_block(ds, 0x0019, "GEMS_ACQU_01", {0x03: ("DS", "12.5"), 0x77: ("LO", patient.patient_id)})
    add_private_block(ds, 0x0029, "UNKNOWN VENDOR", {0x10: ("LO", "anything")})
    research = Deidentifier(Profile.builtin("research"), key)
    out = roundtrip(research.deidentify(ds).dataset)
    block = out.private_block(0x0019, "GEMS_ACQU_01")
    assert block[0x03].value == "12.5"
    assert (block.get_tag(0x77)) not in out
    assert not any(elem.tag.group == 0x0029 for elem in out)
    basic = Deidentifier(Profile.builtin("basic"), key)
    _, study2 = synthetic_study()
    add_private_block(study2[0], 0x0019, "GEMS_ACQU_01", {0x03: ("DS", "12.5")})
    assert not any(elem.tag.is_private for elem in basic.deidentify(study2[0]).dataset)


def test_unknown_text_is_cleaned_not_passed(research: Deidentifier) -> None:
    patient, study = synthetic_study()
    ds = study[0]
    ds.ImageComments = f"pt {patient.patient_id}, call 07700 900123 or jo.bloggs@nhs.net, LS1 4AB"
    out = research.deidentify(ds)
    comments = str(out.dataset.get("ImageComments", ""))
    for fragment in (patient.patient_id, "07700", "bloggs", "LS1"):
        assert fragment not in comments


def test_encapsulated_document_is_quarantined(research: Deidentifier) -> None:
    _, study = synthetic_study()
    ds = study[0]
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.104.1"
    ds.EncapsulatedDocument = b"%PDF-1.4 fake"
    with pytest.raises(Quarantined, match="encapsulated document"):
        research.deidentify(ds)


def test_override_from_profile_is_applied(key: ProjectKey, tmp_path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('base = "research"\n[overrides]\nBodyPartExamined = "X"\n"(0018,0050)" = "Z"\n')
    deid = Deidentifier(Profile.from_toml(path), key)
    _, study = synthetic_study()
    out = deid.deidentify(study[0]).dataset
    assert "BodyPartExamined" not in out
    assert out.SliceThickness in ("", None)
