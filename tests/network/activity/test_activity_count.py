"""Research activity counted from what the hub saw, once each, by UK month, plus manual entries; and its CSVs."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from imaging_hub.network.activity import (
    MONTHLY_COLUMNS,
    PORTFOLIO_COLUMNS,
    RECRUITED_AT_HUB,
    RECRUITED_AT_SPOKE,
    UNSTATED,
    ActivityInputError,
    ManualEntry,
    Measure,
    ParticipantEnrolled,
    Phase,
    PortfolioStudy,
    ReadCompleted,
    RecruitedCount,
    StudyArrived,
    count_activity,
    write_monthly_activity,
    write_portfolio_upload,
)

STUDY = PortfolioStudy(
    iras_id="1004321", cpms_id="56789", title="Whole-body MRI in myeloma", sponsor="University Hospital Trust",
    chief_investigator="Dr A. Lead", phase=Phase.NOT_APPLICABLE, project="WBM-1", sites=frozenset({"RGT", "RHM"}),
    timepoints=("baseline", "month-12"), reads_per_participant=2,
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("iras_id", "12345", "IRAS ID"),
        ("iras_id", "12345678", "IRAS ID"),
        ("iras_id", "IRAS123", "IRAS ID"),
        ("cpms_id", "01234", "CPMS ID"),
        ("cpms_id", "", "CPMS ID"),
        ("sponsor", " ", "sponsor"),
        ("sites", frozenset(), "sites"),
        ("timepoints", ("baseline", "baseline"), "timepoints"),
    ],
)
def test_a_study_with_a_malformed_field_is_refused_naming_it(field: str, value: object, message: str) -> None:
    fields = {**STUDY.__dict__, field: value}
    with pytest.raises(ActivityInputError, match=message):
        PortfolioStudy(**fields)


def test_identifiers_are_kept_trimmed() -> None:
    study = PortfolioStudy(**{**STUDY.__dict__, "iras_id": " 234567 ", "cpms_id": "7"})
    assert (study.iras_id, study.cpms_id) == ("234567", "7")


def test_each_record_counts_once_in_its_uk_month() -> None:
    arrivals = [
        StudyArrived("WBM-1", "RGT", "baseline", "1.2.3.1", at("2025-03-31T23:30:00")),  # 00:30 BST: April
        StudyArrived("WBM-1", "RGT", "baseline", "1.2.3.1", at("2025-04-02T10:00:00")),  # the same study again
        StudyArrived("WBM-1", "RGT", "month-12", "1.2.3.2", at("2025-04-15T10:00:00")),
        StudyArrived("WBM-1", "RHM", "baseline", "1.2.3.3", at("2025-03-30T00:30:00")),  # still GMT: March
        StudyArrived("WBM-1", "RHM", "month-6", "1.2.3.4", at("2025-04-01T09:00:00")),  # not in the protocol
        StudyArrived("OTHER", "RHM", "baseline", "1.2.3.5", at("2025-04-01T09:00:00")),  # no portfolio study
    ]
    reads = [
        ReadCompleted("WBM-1", "RGT", "task-1", at("2025-04-20T12:00:00")),
        ReadCompleted("WBM-1", "RGT", "task-1", at("2025-04-21T12:00:00")),
        ReadCompleted("WBM-1", "RGT", "task-2", at("2025-05-01T12:00:00")),
    ]
    enrolments = [
        ParticipantEnrolled("WBM-1", "RGT", "WBM1-0001", at("2025-04-01T08:00:00")),
        ParticipantEnrolled("WBM-1", "RGT", "WBM1-0001", at("2025-03-01T08:00:00")),  # earlier feed wins
        ParticipantEnrolled("WBM-1", "RGT", "WBM1-0002", at("2025-04-03T08:00:00")),
    ]
    report = count_activity([STUDY], arrivals, reads, enrolments)
    rows = {(r.site, r.month): r for r in report.rows}
    assert sorted(rows) == [("RGT", "2025-03"), ("RGT", "2025-04"), ("RGT", "2025-05"), ("RHM", "2025-03")]
    april = rows[("RGT", "2025-04")]
    assert (dict(april.scans), april.reads, april.recruited) == ({"baseline": 1, "month-12": 1}, 1, 1)
    assert rows[("RGT", "2025-03")].recruited == 1
    assert rows[("RGT", "2025-05")].reads == 1
    assert dict(rows[("RHM", "2025-03")].scans) == {"baseline": 1}
    assert report.not_portfolio == 1 and dict(report.unknown_timepoints) == {"month-6": 1}
    assert [e.participant for _, e in report.enrolments] == ["WBM1-0001", "WBM1-0002"]


def test_manual_entries_add_to_what_the_hub_saw_and_are_shown_apart() -> None:
    enrolled = [ParticipantEnrolled("WBM-1", "RHM", "WBM1-0009", at("2025-06-03T08:00:00"))]
    manual = [
        ManualEntry("1004321", "RHM", "2025-06", Measure.RECRUITED, 2, "site manager"),
        ManualEntry("1004321", "RHM", "2025-06", Measure.SCANS, 3, "site manager", timepoint="baseline"),
        ManualEntry("1004321", "RHM", "2025-06", Measure.READS, 4, "site manager", note="read on paper"),
    ]
    (row,) = count_activity([STUDY], enrolments=enrolled, manual=manual).rows
    assert (row.recruited, row.manual_recruited) == (3, 2)
    assert (row.scans["baseline"], row.manual_scans, row.reads, row.manual_reads) == (3, 3, 4, 4)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (ManualEntry("1004321", "RHM", "2025-06", Measure.SCANS, 1, "me"), "timepoint"),
        (ManualEntry("9999999", "RHM", "2025-06", Measure.READS, 1, "me"), "IRAS ID"),
        (ManualEntry("1004321", "RHM", "2025-6", Measure.READS, 1, "me"), "month"),
        (ManualEntry("1004321", "RHM", "2025-06", Measure.READS, -1, "me"), "negative"),
        (ManualEntry("1004321", "RHM", "2025-06", Measure.READS, 1, " "), "person"),
    ],
)
def test_a_bad_manual_entry_is_refused(entry: ManualEntry, message: str) -> None:
    with pytest.raises(ActivityInputError, match=message):
        count_activity([STUDY], manual=[entry])


def test_a_time_without_a_timezone_or_two_studies_on_one_project_are_refused() -> None:
    with pytest.raises(ActivityInputError, match="timezone"):
        count_activity([STUDY], reads=[ReadCompleted("WBM-1", "RGT", "t", datetime(2025, 4, 1))])
    twin = PortfolioStudy(**{**STUDY.__dict__, "iras_id": "234567"})
    with pytest.raises(ActivityInputError, match="project"):
        count_activity([STUDY, twin])


def test_the_exports(tmp_path: Path) -> None:
    bst = timezone(timedelta(hours=1))
    report = count_activity(
        [STUDY],
        arrivals=[StudyArrived("WBM-1", "RGT", "month-12", "1.2.9", at("2025-07-01T10:00:00"))],
        enrolments=[ParticipantEnrolled("WBM-1", "RGT", "WBM1-0003", datetime(2025, 7, 1, 0, 20, tzinfo=bst))],
        manual=[ManualEntry("1004321", "RGT", "2025-07", Measure.READS, 2, "site manager")],
    )
    monthly, upload = tmp_path / "activity.csv", tmp_path / "upload.csv"
    write_monthly_activity(report, monthly)
    write_portfolio_upload(report, upload)
    with monthly.open(newline="") as f:
        (row,) = list(csv.DictReader(f))
    assert list(row)[: len(MONTHLY_COLUMNS)] == list(MONTHLY_COLUMNS)
    assert row == {
        "iras_id": "1004321", "cpms_id": "56789", "site": "RGT", "month": "2025-07", "recruited": "1", "scans": "1",
        "reads": "2", "scans:baseline": "0", "scans:month-12": "1", "manual_recruited": "0", "manual_scans": "0",
        "manual_reads": "2", "recruited_from": "first arrival at the hub",
    }
    with upload.open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows == [list(PORTFOLIO_COLUMNS), ["56789", "RGT", "2025-07-01", "WBM1-0003", "Recruited"]]


def test_an_arrival_without_a_timepoint_counts_at_a_single_timepoint_study_only() -> None:
    single = PortfolioStudy("200300", "12", "One visit", "S", "CI", Phase.PHASE_1, "ONE", frozenset({"RGT"}),
                            ("baseline",))
    arrivals = [StudyArrived("ONE", "RGT", UNSTATED, "1.1", at("2025-05-01T10:00")),
                StudyArrived("WBM-1", "RGT", UNSTATED, "1.2", at("2025-05-01T10:00"))]
    reads = [ReadCompleted("ONE", "RGT", "labelling/1/1.1/a/reader", at("2025-05-02T10:00"), "1.1"),
             ReadCompleted("ONE", "RGT", "worklist/W9", at("2025-05-02T10:00"), "")]
    report = count_activity([single, STUDY], arrivals, reads)
    [row] = report.rows
    assert row.scans == {"baseline": 1} and row.reads_at == {"baseline": 1, "": 1}
    assert report.unknown_timepoints == {UNSTATED: 1}  # two timepoints: which one is not known


def test_a_spokes_counts_replace_the_first_arrival_proxy_for_its_site_only() -> None:
    enrolled = [ParticipantEnrolled("WBM-1", site, f"WBM1-{site}", at("2025-05-02T10:00")) for site in ("RGT", "RHM")]
    spoke = [RecruitedCount("WBM-1", "RGT", "2025-03", 4), RecruitedCount("WBM-1", "RGT", "2025-05", 1),
             RecruitedCount("OTHER", "RGT", "2025-03", 9)]
    report = count_activity([STUDY], enrolments=enrolled, recruited=spoke, recruiting_sites={"RGT"})
    shown = {(r.site, r.month): (r.recruited, r.recruited_from) for r in report.rows}
    assert shown == {("RGT", "2025-03"): (4, RECRUITED_AT_SPOKE), ("RGT", "2025-05"): (1, RECRUITED_AT_SPOKE),
                     ("RHM", "2025-05"): (1, RECRUITED_AT_HUB)}
    assert report.not_portfolio == 1 and len(report.enrolments) == 2  # the upload still lists whom the hub saw
    # a site whose spoke reports none enrolled: nothing recruited there, whatever arrived
    assert count_activity([STUDY], enrolments=enrolled[:1], recruiting_sites={"RGT"}).rows == ()
    with pytest.raises(ActivityInputError, match="month"):
        count_activity([STUDY], recruited=[RecruitedCount("WBM-1", "RGT", "2025-3", 1)])
