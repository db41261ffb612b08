"""What the hub already knows, as records the activity count is made from, plus manual entries.

The hub feeds the first three from what it has seen (no re-keying): a study arriving for a protocol timepoint,
a read finished, a participant's first study arriving (their enrolment, as far as the hub can see it); and the
spokes' own counts of participants enrolled per month (``RecruitedCount``), which replace that proxy for a site
whose spoke reports them. Each carries the key that makes it count once however
often it is fed (the Study Instance UID, the reading task, the participant's pseudonym). Times must be
timezone-aware: a month is the calendar month in UK local time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


@dataclass(frozen=True)
class StudyArrived:
    project: str
    site: str
    timepoint: str
    study_uid: str
    at: datetime


UNSTATED = "unstated"  # a study that arrived without ClinicalTrialTimePointID (de-identification blanks it)


@dataclass(frozen=True)
class ReadCompleted:
    """``task_id`` keys the read (a labelling read, a reported worklist task); ``study_uid`` the study read, so
    the count can place the read at the timepoint that study arrived for."""

    project: str
    site: str
    task_id: str
    at: datetime
    study_uid: str = ""


@dataclass(frozen=True)
class ParticipantEnrolled:
    project: str
    site: str
    participant: str  # the project pseudonym, never a hospital identifier
    at: datetime


@dataclass(frozen=True)
class RecruitedCount:
    """Participants of a project enrolled at a site in a month (YYYY-MM), as the site's spoke counted them from
    its enrolment list: a count, naming no participant."""

    project: str
    site: str
    month: str
    count: int


RECRUITED_AT_SPOKE = "spoke enrolment"  # where a site-month's recruited count came from
RECRUITED_AT_HUB = "first arrival at the hub"  # the proxy, for a site whose spoke has never reported counts


class Measure(Enum):
    RECRUITED = "recruited"
    SCANS = "scans"
    READS = "reads"


@dataclass(frozen=True)
class ManualEntry:
    """Activity the hub cannot see (scans read on paper, participants recruited before the hub), added to the
    counted activity, never replacing it. ``timepoint`` is required for scans."""

    iras_id: str
    site: str
    month: str  # YYYY-MM
    measure: Measure
    count: int
    entered_by: str
    timepoint: str | None = None
    note: str = ""
