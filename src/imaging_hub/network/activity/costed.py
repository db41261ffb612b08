"""The counted activity as the costs engine's recorded activity, so a study's costs come from what the hub saw.

A portfolio study's schedule of events names its visits after the study's protocol timepoints. Each study that
arrived for a timepoint is one visit: every activity of that visit happens ``per_visit`` times, except research
reads, which are priced by the reads actually done (each read one occurrence) at the timepoint of the study read.
The hub cannot tell a participant's arm, so a timepoint whose visit appears in several arms is not priced, and
neither is a read whose study's timepoint is unknown (a manual count of reads, say): each is listed, with why.
"""

from __future__ import annotations

from dataclasses import dataclass

from imaging_hub.network.activity.aggregate import ActivityReport, SiteMonthActivity
from imaging_hub.network.costs import ActivityKind, ActivityLog, RecordedActivity, Schedule, ScheduledActivity, VisitKey

READ_KINDS = frozenset({ActivityKind.RESEARCH_READ})
SOURCE = "recorded activity"


@dataclass(frozen=True)
class Unpriced:
    iras_id: str
    site: str
    month: str
    what: str  # "3 scans at baseline", "2 reads"
    why: str


def recorded_activity(report: ActivityReport, schedule: Schedule) -> tuple[ActivityLog, list[Unpriced]]:
    """``schedule``'s visits are keyed by IRAS ID (``VisitKey.study``), arm and timepoint."""
    entries: list[RecordedActivity] = []
    unpriced: list[Unpriced] = []
    for row in report.rows:
        iras = row.study.iras_id

        def skip(what: str, why: str, at: SiteMonthActivity = row) -> None:
            unpriced.append(Unpriced(at.study.iras_id, at.site, at.month, what, why))

        for timepoint, scans in sorted(row.scans.items()):
            visit, why = _visit(schedule, iras, timepoint)
            if visit is None:
                skip(f"{scans} scans at {timepoint}", why)
                continue
            for activity in visit:
                if activity.kind not in READ_KINDS:
                    entries.append(RecordedActivity(row.site, row.month, activity.visit, scans, activity.name))
        for timepoint, reads in sorted(row.reads_at.items()):
            if not timepoint:
                skip(f"{reads} reads", "the timepoint of the study read is not known")
                continue
            visit, why = _visit(schedule, iras, timepoint)
            kinds = [a for a in visit or () if a.kind in READ_KINDS]
            if visit is None or len(kinds) != 1:
                skip(f"{reads} reads at {timepoint}", why or f"the visit has {len(kinds)} research reads, not one")
                continue
            entries.append(RecordedActivity(row.site, row.month, kinds[0].visit, reads, kinds[0].name,
                                            occurrences=True))
        manual_reads = row.manual_reads
        if manual_reads:
            skip(f"{manual_reads} reads entered by hand", "a manual count of reads names no timepoint")
    return ActivityLog(SOURCE, tuple(entries)), unpriced


def _visit(schedule: Schedule, iras_id: str, timepoint: str) -> tuple[list[ScheduledActivity] | None, str]:
    arms = sorted({a.visit.arm for a in schedule.activities if a.visit.study == iras_id and a.visit.visit == timepoint})
    if not arms:
        return None, "the schedule of events has no visit for this timepoint"
    if len(arms) > 1:
        return None, f"the visit is in {len(arms)} arms and the hub cannot tell a participant's arm"
    return schedule.visit(VisitKey(iras_id, arms[0], timepoint)), ""
