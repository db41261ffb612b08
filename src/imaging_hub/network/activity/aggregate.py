"""Research activity per study, site and month: a pure count over the hub's records and the manual entries.

Each hub record counts once (by its key; the earliest time wins when one is fed twice), in the UK-local
calendar month of its time, at the site it names (listed for the study or not). Manual entries add to the
count and are shown apart, so a reader can see how much the hub saw. Records of projects that are no portfolio
study, and scans of a timepoint the study's protocol does not list, are not counted but tallied, so nothing
disappears silently. A study that arrived without a timepoint counts at the study's timepoint when its protocol
has only one. A read counts at the timepoint its study arrived for (``reads_at``; '' when that is unknown).

Recruitment at a site whose spoke reports its counts (``recruiting_sites``, with ``recruited``) is those counts,
in the month the spoke enrolled each participant; elsewhere a participant's first study at the hub stands for
it. Each row says which (``recruited_from``); the participant-level ``enrolments`` stay the hub's own.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from imaging_hub.network.activity.errors import ActivityInputError
from imaging_hub.network.activity.records import (
    RECRUITED_AT_HUB,
    RECRUITED_AT_SPOKE,
    UNSTATED,
    ManualEntry,
    Measure,
    ParticipantEnrolled,
    ReadCompleted,
    RecruitedCount,
    StudyArrived,
)
from imaging_hub.network.activity.study import PortfolioStudy

UK = ZoneInfo("Europe/London")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
R = TypeVar("R", StudyArrived, ReadCompleted, ParticipantEnrolled)


@dataclass
class SiteMonthActivity:
    study: PortfolioStudy
    site: str
    month: str
    recruited: int = 0
    scans: Counter[str] = field(default_factory=Counter)  # by protocol timepoint
    reads: int = 0
    reads_at: Counter[str] = field(default_factory=Counter)  # hub-seen reads by their study's timepoint
    manual_recruited: int = 0  # the part of each count that came from manual entries
    manual_scans: int = 0
    manual_reads: int = 0
    recruited_from: str = RECRUITED_AT_HUB  # or RECRUITED_AT_SPOKE: the source of ``recruited`` less manual


@dataclass(frozen=True)
class ActivityReport:
    rows: tuple[SiteMonthActivity, ...]
    enrolments: tuple[tuple[PortfolioStudy, ParticipantEnrolled], ...]  # each counted once: participant-level export
    not_portfolio: int  # hub records of projects that are no portfolio study
    unknown_timepoints: Counter[str]  # scans of timepoints outside the study's protocol, by timepoint


def month_of(at: datetime) -> str:
    if at.tzinfo is None:
        raise ActivityInputError("a record's time has no timezone, so its month is unknown")
    return at.astimezone(UK).strftime("%Y-%m")


def count_activity(
    studies: Sequence[PortfolioStudy],
    arrivals: Iterable[StudyArrived] = (),
    reads: Iterable[ReadCompleted] = (),
    enrolments: Iterable[ParticipantEnrolled] = (),
    manual: Iterable[ManualEntry] = (),
    recruited: Iterable[RecruitedCount] = (),
    recruiting_sites: Collection[str] = (),
) -> ActivityReport:
    """``recruited``: the spokes' counts; ``recruiting_sites``: the sites whose spokes report them (even none)."""
    by_project = _one_study_per(studies, "project", lambda s: s.project)
    by_iras = _one_study_per(studies, "IRAS ID", lambda s: s.iras_id)
    rows: dict[tuple[str, str, str], SiteMonthActivity] = {}
    not_portfolio = 0
    unknown: Counter[str] = Counter()

    counts = list(recruited)
    from_spokes = set(recruiting_sites) | {c.site for c in counts}

    def row(study: PortfolioStudy, site: str, month: str) -> SiteMonthActivity:
        source = RECRUITED_AT_SPOKE if site in from_spokes else RECRUITED_AT_HUB
        return rows.setdefault((study.iras_id, site, month), SiteMonthActivity(study, site, month,
                                                                                recruited_from=source))

    timepoint_of: dict[tuple[str, str], str] = {}
    for arrival in _once(arrivals, lambda a: (a.project, a.study_uid)):
        study = by_project.get(arrival.project)
        timepoint = arrival.timepoint
        if study is not None and timepoint == UNSTATED and len(study.timepoints) == 1:
            timepoint = study.timepoints[0]  # the only timepoint there is
        if study is None:
            not_portfolio += 1
        elif timepoint not in study.timepoints:
            unknown[timepoint] += 1
        else:
            row(study, arrival.site, month_of(arrival.at)).scans[timepoint] += 1
            timepoint_of[arrival.project, arrival.study_uid] = timepoint
    for read in _once(reads, lambda r: (r.project, r.task_id)):
        study = by_project.get(read.project)
        if study is None:
            not_portfolio += 1
        else:
            target = row(study, read.site, month_of(read.at))
            target.reads += 1
            target.reads_at[timepoint_of.get((read.project, read.study_uid), "")] += 1
    counted: list[tuple[PortfolioStudy, ParticipantEnrolled]] = []
    for enrolment in _once(enrolments, lambda e: (e.project, e.participant)):
        study = by_project.get(enrolment.project)
        if study is None:
            not_portfolio += 1
        else:
            if enrolment.site not in from_spokes:  # the spoke's own count stands for it
                row(study, enrolment.site, month_of(enrolment.at)).recruited += 1
            counted.append((study, enrolment))
    for count in counts:
        study = by_project.get(count.project)
        if count.count < 0 or not _MONTH.fullmatch(count.month):
            raise ActivityInputError("a spoke's recruitment count needs a month (YYYY-MM) and a count from 0")
        if study is None:
            not_portfolio += 1
        elif count.count:
            row(study, count.site, count.month).recruited += count.count
    for entry in manual:
        _add_manual(row(_study_of(entry, by_iras), entry.site, _manual_month(entry)), entry)
    ordered = tuple(rows[key] for key in sorted(rows))
    counted.sort(key=lambda pair: (pair[0].iras_id, pair[1].site, pair[1].at))
    return ActivityReport(ordered, tuple(counted), not_portfolio, unknown)


def _add_manual(target: SiteMonthActivity, entry: ManualEntry) -> None:
    if entry.count < 0:
        raise ActivityInputError("manual entry: count cannot be negative")
    if not entry.entered_by.strip():
        raise ActivityInputError("manual entry: names no person who entered it")
    if entry.measure is Measure.RECRUITED:
        target.recruited += entry.count
        target.manual_recruited += entry.count
    elif entry.measure is Measure.READS:
        target.reads += entry.count
        target.manual_reads += entry.count
    else:
        if entry.timepoint not in target.study.timepoints:
            raise ActivityInputError("manual entry: scans need a timepoint of the study's protocol")
        target.scans[entry.timepoint] += entry.count
        target.manual_scans += entry.count


def _study_of(entry: ManualEntry, by_iras: dict[str, PortfolioStudy]) -> PortfolioStudy:
    study = by_iras.get(entry.iras_id.strip())
    if study is None:
        raise ActivityInputError("manual entry: IRAS ID names no portfolio study")
    return study


def _manual_month(entry: ManualEntry) -> str:
    if not _MONTH.fullmatch(entry.month):
        raise ActivityInputError("manual entry: month is written YYYY-MM")
    return entry.month


def _one_study_per(
    studies: Sequence[PortfolioStudy], what: str, key: Callable[[PortfolioStudy], str]
) -> dict[str, PortfolioStudy]:
    found: dict[str, PortfolioStudy] = {}
    for study in studies:
        value = key(study)
        if value in found:
            raise ActivityInputError(f"two portfolio studies share a {what}")
        found[value] = study
    return found


def _once(records: Iterable[R], key: Callable[[R], Hashable]) -> list[R]:
    """Each record once by its key, keeping the earliest."""
    first: dict[Hashable, R] = {}
    for record in records:
        month_of(record.at)  # refuse a naive time even on a repeat
        k = key(record)
        if k not in first or record.at < first[k].at:
            first[k] = record
    return list(first.values())
