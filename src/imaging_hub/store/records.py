"""What the archive hands back: stored instances, store outcomes and conflicts (plain frozen values)."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from pathlib import Path


class StoreStatus(enum.Enum):
    STORED = "stored"
    DUPLICATE = "duplicate"  # same SOP Instance UID, same content: nothing changed
    CONFLICT = "conflict"  # same SOP Instance UID, different content: new bytes kept aside for review


@dataclass(frozen=True)
class StoredInstance:
    sop_instance_uid: str
    sop_class_uid: str
    study_instance_uid: str
    series_instance_uid: str
    patient_id: str
    transfer_syntax_uid: str
    path: Path  # absolute
    size: int
    sha256: str
    number_of_frames: int | None
    clinical_trial_protocol_id: str | None  # project
    clinical_trial_site_id: str | None  # site


@dataclass(frozen=True)
class StoreOutcome:
    status: StoreStatus
    instance: StoredInstance  # for CONFLICT: the instance the index keeps (the original)
    reason: str = ""


@dataclass(frozen=True)
class Conflict:
    """A second arrival of an indexed SOP Instance UID with different content, kept aside for review."""

    sop_instance_uid: str
    study_instance_uid: str
    series_instance_uid: str
    path: Path  # absolute, under the data folder's conflicts/
    size: int
    sha256: str
    existing_sha256: str
    received_at: dt.datetime
