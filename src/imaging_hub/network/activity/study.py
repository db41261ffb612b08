"""A portfolio study as the network records it: its national identifiers, who runs it, and its imaging.

Identifier formats are checked for shape only (the hub cannot ask IRAS or CPMS whether a number exists):
an IRAS ID is a whole number of 6 or 7 digits, a CPMS ID a whole number of 1 to 7 digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from imaging_hub.network.activity.errors import ActivityInputError

_IRAS = re.compile(r"[0-9]{6,7}")
_CPMS = re.compile(r"[1-9][0-9]{0,6}")
_LIMITS = {"title": 500, "sponsor": 200, "chief_investigator": 200, "project": 64}  # the table's columns


class Phase(Enum):
    PHASE_1 = "Phase I"
    PHASE_1_2 = "Phase I/II"
    PHASE_2 = "Phase II"
    PHASE_2_3 = "Phase II/III"
    PHASE_3 = "Phase III"
    PHASE_4 = "Phase IV"
    NOT_APPLICABLE = "N/A"  # observational and imaging-method studies have no trial phase


def iras_id(text: str) -> str:
    value = text.strip()
    if not _IRAS.fullmatch(value):
        raise ActivityInputError("IRAS ID: expected a whole number of 6 or 7 digits")
    return value


def cpms_id(text: str) -> str:
    value = text.strip()
    if not _CPMS.fullmatch(value):
        raise ActivityInputError("CPMS ID: expected a whole number of 1 to 7 digits, not starting with 0")
    return value


@dataclass(frozen=True)
class PortfolioStudy:
    """``project`` is the hub project the study's imaging arrives under; ``timepoints`` come from its acquisition
    protocol and ``reads_per_participant`` from its reading (labelling or reporting) tasks."""

    iras_id: str
    cpms_id: str
    title: str
    sponsor: str
    chief_investigator: str
    phase: Phase
    project: str
    sites: frozenset[str]
    timepoints: tuple[str, ...] = ()
    reads_per_participant: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "iras_id", iras_id(self.iras_id))
        object.__setattr__(self, "cpms_id", cpms_id(self.cpms_id))
        for name in ("title", "sponsor", "chief_investigator", "project"):
            if not str(getattr(self, name)).strip():
                raise ActivityInputError(f"{name.replace('_', ' ')}: is empty")
        if not self.sites or any(not site.strip() for site in self.sites):
            raise ActivityInputError("sites: a portfolio study needs at least one named site")
        if len(set(self.timepoints)) != len(self.timepoints):
            raise ActivityInputError("timepoints: a timepoint is listed twice")
        if self.reads_per_participant < 0:
            raise ActivityInputError("reads per participant: cannot be negative")
        if self.reads_per_participant > 1000:
            raise ActivityInputError("reads per participant: more than 1000")
        for name, limit in _LIMITS.items():
            if len(str(getattr(self, name))) > limit:
                raise ActivityInputError(f"{name.replace('_', ' ')}: longer than {limit} characters")
        for name, items in (("sites", self.sites), ("timepoints", self.timepoints)):
            if any(len(item) > 64 for item in items):
                raise ActivityInputError(f"{name}: one is longer than 64 characters")
