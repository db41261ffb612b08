"""Searching: every PS3.4 matching kind, higher-level keys, return keys with correct VRs, paging."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_samples import make_datasets, part10

from imaging_hub.store import Archive, Query, QueryError

# Three studies: (seed, modality, name, date, time, description, project)
_STUDIES = [
    (21, "CT", "SMITH^JOHN", "20240110", "083000", "CT CHEST", "PROJ-A"),
    (22, "MR", "smythe^anna", "20240215", "141500", "MR BRAIN", "PROJ-B"),
    (23, "CT", "JONES^SMITH", "20230301", "101500.5", "CT_ABDO 100%", "PROJ-A"),
]


@pytest.fixture
def loaded(archive: Archive) -> Iterator[tuple[Archive, list[list[str]]]]:
    """The archive with three studies; also each study's [StudyUID, SeriesUIDs..., SOPUIDs...]."""
    uids = []
    for seed, modality, name, date, time, description, project in _STUDIES:
        datasets = make_datasets(
            seed, series=2, instances=2, modality=modality, PatientName=name, StudyDate=date, StudyTime=time,
            StudyDescription=description, ClinicalTrialProtocolID=project, PatientID=f"PID{seed}",
        )
        if seed == 22:
            for ds in datasets[2:]:
                ds.Modality = "SR"  # a second modality in one study
        for ds in datasets:
            archive.store_bytes(part10(ds))
        uids.append([datasets[0].StudyInstanceUID, datasets[0].SeriesInstanceUID, datasets[0].SOPInstanceUID])
    yield archive, uids


def _ids(results: list, keyword: str = "PatientID") -> list[str]:  # type: ignore[type-arg]
    return [str(ds.get(keyword)) for ds in results]


def _studies(archive: Archive, **filters: str) -> list[str]:
    return _ids(archive.search(Query(level="STUDY", filters=filters)))


def test_universal_and_single_value(loaded: tuple[Archive, list[list[str]]]) -> None:
    archive, _ = loaded
    assert _studies(archive) == ["PID21", "PID22", "PID23"]
    assert _studies(archive, PatientID="PID22") == ["PID22"]
    assert _studies(archive, PatientID="PID2") == []
    assert _studies(archive, AccessionNumber="") == ["PID21", "PID22", "PID23"]  # return key only


def test_wildcards_and_case(loaded: tuple[Archive, list[list[str]]]) -> None:
    archive, _ = loaded
    assert _studies(archive, StudyDescription="CT*") == ["PID21", "PID23"]
    assert _studies(archive, StudyDescription="ct*") == []  # LO matching is case-sensitive
    assert _studies(archive, StudyDescription="?R BRAIN") == ["PID22"]
    assert _studies(archive, StudyDescription="*100%") == ["PID23"]  # % and _ are literal, not SQL wildcards
    assert _studies(archive, StudyDescription="CT_*") == ["PID23"]
    assert _studies(archive, PatientID="PID2*") == ["PID21", "PID22", "PID23"]


def test_person_names_match_case_insensitively_and_fuzzily(loaded: tuple[Archive, list[list[str]]]) -> None:
    archive, _ = loaded
    assert _studies(archive, PatientName="smith^john") == ["PID21"]
    assert _studies(archive, PatientName="SM*") == ["PID21", "PID22"]
    assert _studies(archive, PatientName="smith") == []  # exact without fuzzy
    fuzzy = archive.search(Query(level="STUDY", filters={"PatientName": "smith"}, fuzzy=True))
    assert _ids(fuzzy) == ["PID21", "PID23"]  # family name, or any component
    (result,) = archive.search(Query(filters={"PatientName": "SMYTHE^ANNA"}))
    assert str(result.PatientName) == "smythe^anna"  # returned as stored


def test_date_and_time_ranges(loaded: tuple[Archive, list[list[str]]]) -> None:
    archive, _ = loaded
    assert _studies(archive, StudyDate="20240110") == ["PID21"]
    assert _studies(archive, StudyDate="20240101-20241231") == ["PID21", "PID22"]
    assert _studies(archive, StudyDate="-20240110") == ["PID21", "PID23"]
    assert _studies(archive, StudyDate="20240111-") == ["PID22"]
    assert _studies(archive, StudyTime="1000-1015") == ["PID23"]  # to the minute: 10:15:00.5 is inside
    assert _studies(archive, StudyTime="1400-") == ["PID22"]
    assert _studies(archive, StudyDate="20240110\\20230301") == ["PID21", "PID23"]


def test_uid_lists(loaded: tuple[Archive, list[list[str]]]) -> None:
    archive, uids = loaded
    assert _studies(archive, StudyInstanceUID=uids[2][0]) == ["PID23"]
    assert _studies(archive, StudyInstanceUID=f"{uids[0][0]}\\{uids[2][0]}") == ["PID21", "PID23"]


def test_modalities_in_study(loaded: tuple[Archive, list[list[str]]]) -> None:
    archive, _ = loaded
    assert _studies(archive, ModalitiesInStudy="SR") == ["PID22"]
    assert _studies(archive, ModalitiesInStudy="CT\\SR") == ["PID21", "PID22", "PID23"]
    (study,) = archive.search(Query(filters={"PatientID": "PID22"}))
    assert list(study.ModalitiesInStudy) == ["MR", "SR"]
    assert study["ModalitiesInStudy"].VR == "CS"


def test_study_results_carry_default_keys_counts_and_vrs(loaded: tuple[Archive, list[list[str]]]) -> None:
    archive, uids = loaded
    (study,) = archive.search(Query(filters={"PatientID": "PID21"}))
    assert study.StudyInstanceUID == uids[0][0]
    assert study.NumberOfStudyRelatedSeries == 2 and study.NumberOfStudyRelatedInstances == 4
    assert study["NumberOfStudyRelatedInstances"].VR == "IS"
    assert study["StudyDate"].VR == "DA" and study["PatientName"].VR == "PN"
    assert study.InstanceAvailability == "ONLINE"
    for keyword in ("StudyTime", "AccessionNumber", "ReferringPhysicianName", "PatientBirthDate", "PatientSex",
                    "StudyID"):
        assert keyword in study
    assert "StudyDescription" not in study
    assert "StudyDescription" in archive.search(Query(filters={"PatientID": "PID21"},
                                                      include=frozenset({"StudyDescription"})))[0]


def test_higher_level_keys_at_series_and_instance_level(loaded: tuple[Archive, list[list[str]]]) -> None:
    archive, uids = loaded
    series = archive.search(Query(level="SERIES", filters={"PatientID": "PID22"}))
    assert len(series) == 2
    assert {s.StudyInstanceUID for s in series} == {uids[1][0]}
    assert [s.NumberOfSeriesRelatedInstances for s in series] == [2, 2]
    assert [s.Modality for s in series] == ["MR", "SR"]
    project = archive.search(Query(level="INSTANCE", filters={"ClinicalTrialProtocolID": "PROJ-A", "Modality": "CT"}))
    assert len(project) == 8
    (one,) = archive.search(Query(level="INSTANCE", filters={"SOPInstanceUID": uids[0][2]}))
    assert one.SeriesInstanceUID == uids[0][1] and one.Rows == 8 and one["Rows"].VR == "US"
    assert one.InstanceNumber == 1 and one["InstanceNumber"].VR == "IS"
    by_tag = archive.search(Query(level="SERIES", filters={"0020000D": uids[0][0], "00200011": "2"}))
    assert [s.SeriesNumber for s in by_tag] == [2]


def test_patient_level(loaded: tuple[Archive, list[list[str]]]) -> None:
    archive, _ = loaded
    (patient,) = archive.search(Query(level="PATIENT", filters={"PatientName": "jones*"}))
    assert patient.PatientID == "PID23"
    assert (patient.NumberOfPatientRelatedStudies, patient.NumberOfPatientRelatedSeries,
            patient.NumberOfPatientRelatedInstances) == (1, 2, 4)


def test_include_all(loaded: tuple[Archive, list[list[str]]]) -> None:
    archive, _ = loaded
    (study,) = archive.search(Query(filters={"PatientID": "PID21"}, include=frozenset({"all"})))
    assert study.ClinicalTrialProtocolID == "PROJ-A" and study.StudyDescription == "CT CHEST"
    assert "SeriesInstanceUID" not in study and "NumberOfPatientRelatedStudies" not in study
    (instance, *_) = archive.search(Query(level="INSTANCE", include=frozenset({"all", "PixelSpacing"})))
    assert instance.Manufacturer == "ACME Medical" and instance.PatientID == "PID21"


def test_limit_offset_are_stable(loaded: tuple[Archive, list[list[str]]]) -> None:
    archive, _ = loaded
    pages = [_ids(archive.search(Query(level="SERIES", limit=2, offset=o)), "SeriesInstanceUID") for o in (0, 2, 4)]
    everything = _ids(archive.search(Query(level="SERIES")), "SeriesInstanceUID")
    assert [uid for page in pages for uid in page] == everything and len(everything) == 6
    assert archive.search(Query(limit=0)) == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (Query(filters={"NoSuchKeyword": "x"}), "unknown attribute"),
        (Query(filters={"PixelSpacing": "1"}), "not a supported matching key"),
        (Query(filters={"Modality": "CT"}), "SERIES attribute"),
        (Query(filters={"StudyDate": "2024"}), "not a date"),
        (Query(filters={"StudyDate": "-"}), "at least one bound"),
        (Query(filters={"StudyInstanceUID": "1.2.x"}), "not a valid UID"),
        (Query(level="SERIES", filters={"SeriesNumber": "one"}), "not an integer"),
        (Query(filters={"NumberOfStudyRelatedInstances": "3"}), "can only be returned"),
        (Query(level="VOLUME"), "unknown query level"),  # type: ignore[arg-type]
        (Query(offset=-1), "negative"),
        (Query(include=frozenset({"Bogus"})), "unknown attribute"),
    ],
)
def test_bad_queries_name_the_problem(loaded: tuple[Archive, list[list[str]]], query: Query, message: str) -> None:
    archive, _ = loaded
    with pytest.raises(QueryError, match=message):
        archive.search(query)


_ALPHABET = "AB*?"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pattern=st.text(alphabet=_ALPHABET, min_size=1, max_size=4))
def test_wildcards_agree_with_fnmatch(tmp_path: Path, pattern: str, wildcard_archive: Archive) -> None:
    expected = sorted(v for v in _WILDCARD_VALUES if fnmatch.fnmatchcase(v, pattern))
    if pattern == "*":
        expected = sorted(_WILDCARD_VALUES)
    found = sorted(_ids(wildcard_archive.search(Query(filters={"AccessionNumber": pattern})), "AccessionNumber"))
    assert found == expected


_WILDCARD_VALUES = ["A", "AB", "BA", "ABA", "BBB", "AAB"]


@pytest.fixture
def wildcard_archive(archive: Archive) -> Archive:
    for seed, accession in enumerate(_WILDCARD_VALUES, start=40):
        (ds,) = make_datasets(seed, instances=1, AccessionNumber=accession)
        archive.store_bytes(part10(ds))
    return archive
