"""People of the network: imaging champions and mentors, their skills and interests, training and fellowships,
and research sessions in their job plans. Each person edits their own profile; network managers see all."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from imaging_hub.network.errors import NetworkInputError


@dataclass(frozen=True)
class Training:
    """Research training or a fellowship a person has held or holds."""

    title: str
    kind: str  # course | fellowship | degree
    start: date
    end: date | None = None


@dataclass(frozen=True)
class Profile:
    person: str  # the account (email) the person signs in with
    name: str
    site: str
    region: str
    champion: bool = False  # an imaging champion for their site
    skills: frozenset[str] = frozenset()  # what they can teach: "MRI physics", "trial imaging", "AI validation"
    interests: frozenset[str] = frozenset()  # what they want to learn
    mentoring_hours: int = 0  # hours a month offered to mentoring; 0: not a mentor
    mentees_max: int = 0
    research_sessions: int = 0  # programmed activities for research in the job plan, per week
    training: tuple[Training, ...] = ()

    def __post_init__(self) -> None:
        if not self.person.strip() or not self.name.strip() or not self.site.strip():
            raise NetworkInputError("a profile needs the person's account, name and site")
        if min(self.mentoring_hours, self.mentees_max, self.research_sessions) < 0:
            raise NetworkInputError(f"profile of {self.name}: hours, mentees and sessions cannot be negative")
        if self.research_sessions > 10:
            raise NetworkInputError(f"profile of {self.name}: a job plan has at most 10 sessions a week")

    @property
    def mentors(self) -> bool:
        return self.mentoring_hours > 0 and self.mentees_max > 0 and bool(self.skills)


@dataclass(frozen=True)
class MentoringRequest:
    request_id: str
    person: str  # who asks
    site: str
    skills: frozenset[str]  # what they want to learn
    hours: int = 2  # a month
    note: str = ""

    def __post_init__(self) -> None:
        if not self.skills:
            raise NetworkInputError(f"mentoring request {self.request_id}: name at least one skill to learn")
        if self.hours <= 0:
            raise NetworkInputError(f"mentoring request {self.request_id}: hours a month must be positive")


@dataclass(frozen=True)
class Pairing:
    """One mentoring pair in the history: who, from when, why they were matched, and how it ended."""

    request_id: str
    mentee: str
    mentor: str
    start: date
    reason: str
    end: date | None = None
    outcome: str = ""
    skills: frozenset[str] = field(default_factory=frozenset)
    ended_by: str = ""  # the member or administrator who ended it

    @property
    def active(self) -> bool:
        return self.end is None

    def member(self, person: str) -> bool:
        return person.lower() in (self.mentee.lower(), self.mentor.lower())


@dataclass(frozen=True)
class Step:
    """One step on the way from a mentoring request to an ended pairing: who took it, when, and the note (a
    match's reason, why nobody fitted, or why the pairing ended)."""

    request_id: str
    at: datetime  # UTC
    step: str  # asked | proposed | unmatched | paired | ended
    by: str
    note: str = ""
