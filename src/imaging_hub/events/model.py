"""What the archive and the hub announce: plain, frozen values that name data by UID and project only.

Events never carry identifiable values (no patient name, ID or birth date); ``origin`` says who caused the
change, as far as the caller that stored or removed it told the archive.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    """Who caused a change: the interface it came through and, when known, the caller's audit name."""

    interface: str  # "dicomweb", "dimse", "api", "cli", "hub" ...; opaque to the archive
    principal: str = ""  # the caller's audit name (an account or peer, never a patient)
    address: str = ""  # the caller's network address, when known


@dataclass(frozen=True)
class InstanceStored:
    """A new instance entered the index (a duplicate resend or a conflicting copy is not one)."""

    sequence: int  # position in the archive's change feed (``Archive.changes``)
    sop_instance_uid: str
    series_instance_uid: str
    study_instance_uid: str
    sop_class_uid: str
    project: str  # ClinicalTrialProtocolID as indexed ("" when absent)
    site: str  # ClinicalTrialSiteID as indexed ("" when absent)
    modality: str
    size: int
    sha256: str  # of the stored Part 10 file
    recorded_at: dt.datetime
    origin: Origin | None = None


@dataclass(frozen=True)
class InstanceRemoved:
    """An instance left the index (deleted or withdrawn); its file is unlinked after the commit."""

    sequence: int
    sop_instance_uid: str
    series_instance_uid: str
    study_instance_uid: str
    project: str
    site: str
    recorded_at: dt.datetime
    origin: Origin | None = None


@dataclass(frozen=True)
class StudyComplete:
    """A spoke reported a study complete and the hub holds every instance the spoke has had acknowledged."""

    study_instance_uid: str
    project: str
    site: str
    instances: int  # what the hub holds of it in that project
    recorded_at: dt.datetime


Change = InstanceStored | InstanceRemoved  # what the archive's change feed replays
Event = InstanceStored | InstanceRemoved | StudyComplete
