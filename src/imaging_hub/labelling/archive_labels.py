"""Putting a SEG or SR into the archive through the same ingest path as any instance.

The label carries the source's clinical trial attributes (project, site, pseudonymised subject) so the archive
files it under the same project and site, and governance scopes it like its source. The caller authorises the
store and records it (as DICOMweb STOW does); ``origin`` says who caused it for the archive's event feed.
"""

from __future__ import annotations

import io

from pydicom.dataset import Dataset

from imaging_hub.events import Origin
from imaging_hub.labelling.errors import LabellingError
from imaging_hub.store import Archive, InvalidInstance, StoreStatus

_CARRIED = ("ClinicalTrialSponsorName", "ClinicalTrialProtocolID", "ClinicalTrialProtocolName",
            "ClinicalTrialSiteID", "ClinicalTrialSiteName", "ClinicalTrialSubjectID")


def carry_project(label: Dataset, source: Dataset) -> None:
    for keyword in _CARRIED:
        if keyword in source and keyword not in label:
            setattr(label, keyword, source[keyword].value)


def part10(label: Dataset) -> bytes:
    buffer = io.BytesIO()
    label.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def store_label(archive: Archive, label: Dataset, *, origin: Origin | None = None) -> str:
    """Store the label's Part 10 bytes; returns its SOP Instance UID. A conflicting copy is refused."""
    try:
        outcome = archive.store_bytes(part10(label), origin=origin)
    except InvalidInstance as exc:
        raise LabellingError(f"the archive refused the label object: {exc}") from None
    if outcome.status is StoreStatus.CONFLICT:
        raise LabellingError("a different object with this label's SOP Instance UID is already archived")
    return str(label.SOPInstanceUID)
