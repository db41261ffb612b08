"""STOW-RS: storing received parts in the archive and the Store Instances Response (PS3.18 10.5.3).

Each part is checked (readable header, Study Instance UID matching the request path, project inside the
caller's scope) before the archive sees it; every outcome becomes either a ReferencedSOPSequence item
or a FailedSOPSequence item with a Failure Reason from PS3.4 / PS3.7.
"""

from __future__ import annotations

import errno
import logging
import shutil
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any, BinaryIO

from pydicom import dcmread

from imaging_hub.dicomweb.json_model import JsonDataset, dataset_to_json
from imaging_hub.dicomweb.media import DICOM
from imaging_hub.dicomweb.multipart import ReceivedPart

if TYPE_CHECKING:
    from imaging_hub.store import Archive, StoreOutcome

log = logging.getLogger(__name__)
_GROUP = 64  # parts handed to the archive at once


class FailureReason(IntEnum):
    PROCESSING_FAILURE = 0x0110
    DUPLICATE_SOP_INSTANCE = 0x0111  # same UID, different content: kept aside for review, not indexed
    NOT_AUTHORIZED = 0x0124
    OUT_OF_RESOURCES = 0xA700
    DATASET_DOES_NOT_MATCH = 0xA900  # includes a Study Instance UID other than the request's
    CANNOT_UNDERSTAND = 0xC000


@dataclass(frozen=True)
class PartOutcome:
    """What happened to one part; ``reason`` is for logs and headers and holds no identifiable value."""

    sop_class_uid: str
    sop_instance_uid: str
    study_instance_uid: str
    failure: FailureReason | None = None
    reason: str = ""
    duplicate: bool = False
    series_instance_uid: str = ""

    @property
    def stored(self) -> bool:
        return self.failure is None


def store_parts(
    archive: Archive,
    parts: Iterable[ReceivedPart],
    *,
    expected_study: str | None = None,
    projects: frozenset[str] | None = None,
) -> list[PartOutcome]:
    """Store the spooled parts that pass the checks together (shared index transactions); never raises for
    a bad part, only records its failure."""
    outcomes: list[PartOutcome | None] = []
    accepted: list[tuple[int, ReceivedPart, tuple[str, str, str, str]]] = []
    for part in parts:
        identity = _identity(part)
        refused = _refusal(part, identity, expected_study, projects)
        if refused is None and identity is not None:
            accepted.append((len(outcomes), part, identity))
        outcomes.append(refused)
    for start in range(0, len(accepted), _GROUP):  # bounded: each part is an open file until stored
        _store_group(archive, accepted[start:start + _GROUP], outcomes)
    return [o for o in outcomes if o is not None]


def _store_group(archive: Archive, group: list[tuple[int, ReceivedPart, tuple[str, str, str, str]]],
                 outcomes: list[PartOutcome | None]) -> None:
    from imaging_hub.store import InvalidInstance

    streams: list[BinaryIO] = []
    try:
        for _, part, _ in group:
            streams.append(open_part10(part))
        stored = archive.store_streams(streams)
    except OSError as exc:
        for index, part, identity in group:
            outcomes[index] = _storage_error(part, identity, exc)
    else:
        for (index, part, identity), result in zip(group, stored, strict=True):
            if isinstance(result, InvalidInstance):
                outcomes[index] = _failed(identity, FailureReason.CANNOT_UNDERSTAND, f"part {part.index + 1}: {result}")
            else:
                outcomes[index] = _settled(part, identity, result)
    finally:
        for stream in streams:
            stream.close()


def store_part(
    archive: Archive,
    part: ReceivedPart,
    *,
    expected_study: str | None = None,
    projects: frozenset[str] | None = None,
) -> PartOutcome:
    (outcome,) = store_parts(archive, [part], expected_study=expected_study, projects=projects)
    return outcome


def _refusal(part: ReceivedPart, identity: tuple[str, str, str, str] | None, expected_study: str | None,
             projects: frozenset[str] | None) -> PartOutcome | None:
    """Why a part is refused before the archive sees it, or None."""
    content_type = (part.content_type or DICOM).split(";")[0].strip().lower()
    if content_type != DICOM:
        return _failed(identity, FailureReason.CANNOT_UNDERSTAND, f"part {part.index + 1} is {content_type}")
    if identity is None:
        return _failed(None, FailureReason.CANNOT_UNDERSTAND,
                       f"part {part.index + 1} is not a readable DICOM Part 10 instance")
    if expected_study and identity[2] != expected_study:
        return _failed(identity, FailureReason.DATASET_DOES_NOT_MATCH,
                       f"part {part.index + 1} belongs to another study than the request path names")
    if projects is not None and identity[3] not in projects:
        return _failed(identity, FailureReason.NOT_AUTHORIZED,
                       f"part {part.index + 1} belongs to a project outside the caller's scope")
    return None


def _storage_error(part: ReceivedPart, identity: tuple[str, str, str, str], exc: OSError) -> PartOutcome:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return _failed(identity, FailureReason.OUT_OF_RESOURCES, "storage is full")
    log.error("storing STOW part %d failed: %s", part.index + 1, exc.strerror or type(exc).__name__)
    return _failed(identity, FailureReason.PROCESSING_FAILURE, "storage error")


def _settled(part: ReceivedPart, identity: tuple[str, str, str, str], outcome: StoreOutcome) -> PartOutcome:
    from imaging_hub.store import StoreStatus

    instance = outcome.instance
    if outcome.status == StoreStatus.CONFLICT:
        return _failed(identity, FailureReason.DUPLICATE_SOP_INSTANCE,
                       f"part {part.index + 1} has the UID of a stored instance with different content")
    return PartOutcome(instance.sop_class_uid, instance.sop_instance_uid, instance.study_instance_uid,
                       duplicate=outcome.status == StoreStatus.DUPLICATE,
                       series_instance_uid=instance.series_instance_uid)


def _identity(part: ReceivedPart) -> tuple[str, str, str, str] | None:
    """(SOP class, SOP instance, study, project) from the part's header, or None if unreadable.

    The archive's header reader (one walk over element headers) answers for a well-formed part; pydicom
    is asked only about the others, so a refused part still names what it could be read as.
    """
    from imaging_hub.store import InvalidInstance, peek_header

    try:
        with open_part10(part) as fp:
            values = peek_header(fp).values
        return (values["SOPClassUID"], values["SOPInstanceUID"], values["StudyInstanceUID"],
                values["ClinicalTrialProtocolID"] or "")
    except (InvalidInstance, OSError, ValueError):
        pass
    try:
        # pydicom warns with the offending (possibly identifiable) value; the failure reason says enough
        with warnings.catch_warnings(), open_part10(part) as fp:
            warnings.simplefilter("ignore")
            ds = dcmread(fp, stop_before_pixels=True, specific_tags=[
                "SOPClassUID", "SOPInstanceUID", "StudyInstanceUID", "ClinicalTrialProtocolID"])
        return (str(ds.get("SOPClassUID", "")), str(ds.get("SOPInstanceUID", "")),
                str(ds.get("StudyInstanceUID", "")), str(ds.get("ClinicalTrialProtocolID", "")))
    except Exception:  # pydicom raises many exception types on corrupt input; all mean "unreadable"
        return None


def open_part10(part: ReceivedPart) -> BinaryIO:
    """The part as a Part 10 stream.

    Some clients (dicomweb-client among them) send the file meta without the 128-byte preamble and
    'DICM'; such a part is rewritten once with an empty preamble so the archive stores a complete file.
    """
    fp = part.path.open("rb")
    head = fp.read(132)
    fp.seek(0)
    if head[128:132] == b"DICM" or head[:2] != b"\x02\x00":
        return fp
    fixed = part.path.with_suffix(".part10")
    with fp, fixed.open("wb") as out:
        out.write(bytes(128) + b"DICM")
        shutil.copyfileobj(fp, out, 1 << 20)
    fixed.replace(part.path)
    return part.path.open("rb")


def _failed(identity: tuple[str, str, str, str] | None, failure: FailureReason, reason: str) -> PartOutcome:
    sop_class, sop_instance, study = identity[:3] if identity else ("", "", "")
    return PartOutcome(sop_class, sop_instance, study, failure, reason)


def response_status(outcomes: list[PartOutcome]) -> int:
    """200 all stored, 202 some stored, 409 none stored (PS3.18 Table 10.5.3-1)."""
    stored = sum(1 for o in outcomes if o.stored)
    if stored == len(outcomes):
        return 200
    return 202 if stored else 409


def build_response(
    outcomes: list[PartOutcome],
    instance_url: Callable[[PartOutcome], str],
    study_url: str | None,
) -> JsonDataset:
    """The Store Instances Response dataset as DICOM JSON."""
    from pydicom.dataset import Dataset

    response = Dataset()
    if study_url:
        response.RetrieveURL = study_url
    referenced, failed = [], []
    for outcome in outcomes:
        item = Dataset()
        item.ReferencedSOPClassUID = outcome.sop_class_uid or None
        item.ReferencedSOPInstanceUID = outcome.sop_instance_uid or None
        if outcome.stored:
            item.RetrieveURL = instance_url(outcome)
            referenced.append(item)
        else:
            assert outcome.failure is not None
            item.FailureReason = int(outcome.failure)
            failed.append(item)
    if referenced:
        response.ReferencedSOPSequence = referenced
    if failed:
        response.FailedSOPSequence = failed
    encoded: dict[str, Any] = dataset_to_json(response)
    return encoded
