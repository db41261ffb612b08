"""QIDO-RS parameters: keywords or tags, VR checks, includefield, paging, project restriction."""

from __future__ import annotations

import pytest

from imaging_hub.dicomweb.qido import QidoParameterError, parse_search


def test_keywords_tags_and_reserved_parameters() -> None:
    search = parse_search("STUDY", [
        ("PatientName", "SMITH*"), ("00100020", "RX1*"), ("StudyDate", "20200101-20201231"),
        ("includefield", "StudyDescription,00080090"), ("includefield", "all"),
        ("limit", "10"), ("offset", "5"), ("fuzzymatching", "true"),
    ])
    assert search.filters == {"PatientName": "SMITH*", "PatientID": "RX1*", "StudyDate": "20200101-20201231"}
    assert search.include == frozenset({"StudyDescription", "ReferringPhysicianName", "all"})
    assert (search.limit, search.offset, search.fuzzy) == (10, 5, True)


def test_uid_lists_with_commas_backslashes_and_repeats() -> None:
    search = parse_search("SERIES", [("StudyInstanceUID", "1.2,1.3"), ("StudyInstanceUID", "1.4")])
    assert search.filters["StudyInstanceUID"] == "1.2\\1.3\\1.4"


def test_path_uids_join_the_filters() -> None:
    search = parse_search("INSTANCE", [("Modality", "CT")], {"StudyInstanceUID": "1.2.3"})
    assert search.filters == {"Modality": "CT", "StudyInstanceUID": "1.2.3"}


@pytest.mark.parametrize("params,named", [
    ([("PatientNme", "X")], "PatientNme"),
    ([("StudyDate", "2020-01-01")], "StudyDate"),
    ([("StudyDate", "20200101-2020")], "StudyDate"),
    ([("StudyTime", "25h")], "StudyTime"),
    ([("StudyInstanceUID", "1.2.abc")], "StudyInstanceUID"),
    ([("limit", "ten")], "limit"),
    ([("limit", "0")], "limit"),
    ([("offset", "-1")], "offset"),
    ([("fuzzymatching", "maybe")], "fuzzymatching"),
    ([("includefield", "Nonsense")], "Nonsense"),
    ([("00091010", "x")], "00091010"),
    ([("ReferencedStudySequence.StudyInstanceUID", "1.2")], "ReferencedStudySequence"),
    ([("PatientName", "A"), ("PatientName", "B")], "PatientName"),
    ([("SeriesNumber", "one")], "SeriesNumber"),
])
def test_bad_parameters_are_named(params: list[tuple[str, str]], named: str) -> None:
    with pytest.raises(QidoParameterError, match=named):
        parse_search("STUDY", params)


def test_error_messages_hold_no_matching_value() -> None:
    with pytest.raises(QidoParameterError) as caught:
        parse_search("STUDY", [("PatientBirthDate", "1952/01/20")])
    assert "1952" not in str(caught.value)


def test_project_restriction() -> None:
    search = parse_search("STUDY", [])
    assert search.restricted_to(None) is search
    assert search.restricted_to(frozenset()) is None
    restricted = search.restricted_to(frozenset({"P2", "P1"}))
    assert restricted is not None and restricted.filters["ClinicalTrialProtocolID"] == "P1\\P2"
    asked = parse_search("STUDY", [("ClinicalTrialProtocolID", "P2*")]).restricted_to(frozenset({"P1", "P22"}))
    assert asked is not None and asked.filters["ClinicalTrialProtocolID"] == "P22"
    assert parse_search("STUDY", [("ClinicalTrialProtocolID", "P3")]).restricted_to(frozenset({"P1"})) is None
