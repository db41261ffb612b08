"""STOW-RS: storing received parts in the archive and the Store Instances Response (PS3.18 10.5.3).

Each part is checked (readable header, Study Instance UID matching the request path, project inside the
caller's scope) before the archive sees it; every outcome becomes either a ReferencedSOPSequence item
or a FailedSOPSequence item with a Failure Reason from PS3.4 / PS3.7.
"""

from __future__ import annotations

import errno
import logging
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from pydicom import dcmread

from imaging_hub.dicomweb.json_model import JsonDataset
from imaging_hub.dicomweb.media import DICOM
from imaging_hub.dicomweb.multipart import ReceivedPart

if TYPE_CHECKING:
    from imaging_hub.store import Archive, Spool, StoreOutcome

log = logging.getLogger(__name__)
_GROUP = 256  # parts per index transaction: bounds how long one request holds the index's write lock
_PREAMBLE_LENGTH = 132  # 128-byte preamble + "DICM"
# Store Instances Response attributes (PS3.18 Table 10.5.3-3), as Annex F keys
_RETRIEVE_URL = "00081190"
_REFERENCED_SOP_CLASS = "00081150"
_REFERENCED_SOP_INSTANCE = "00081155"
_FAILURE_REASON = "00081197"
_FAILED_SOP_SEQUENCE = "00081198"
_REFERENCED_SOP_SEQUENCE = "00081199"


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


class StowSpools:
    """The parts of one STOW-RS request, each received straight into an archive spool (no copy to store).

    ``open_part`` is the multipart reader's sink factory; ``discard_all`` removes whatever was not stored.
    """

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.spools: list[Spool] = []

    def open_part(self, index: int, headers: dict[str, str]) -> Part10Sink:
        spool = self.archive.spool()
        self.spools.append(spool)
        return Part10Sink(spool)

    def discard_all(self) -> None:
        for spool in self.spools:
            self.archive.discard(spool)  # a stored spool's temp name is gone already: nothing happens


class Part10Sink:
    """Writes a part into its spool; a part sent as file meta without the 128-byte preamble and 'DICM'
    (dicomweb-client does this) gets them in front, so the archive stores a complete Part 10 file."""

    def __init__(self, spool: Spool) -> None:
        self.spool = spool
        self.path = spool.path
        self._head: bytearray | None = bytearray()  # the first bytes, until it is clear which case this is

    def write(self, data: bytes | memoryview, /) -> object:
        if self._head is None:
            return self.spool.write(data)
        missing = _PREAMBLE_LENGTH - len(self._head)
        self._head += data[:missing]  # only the first bytes wait; the rest goes straight on
        if len(self._head) >= _PREAMBLE_LENGTH:
            self._write_head()
            if len(data) > missing:
                self.spool.write(data[missing:])
        return len(data)

    def close(self) -> None:
        if self._head is not None:
            self._write_head()
        self.spool.close()

    def _write_head(self) -> None:
        head, self._head = self._head or bytearray(), None
        if head[128:132] != b"DICM" and head[:2] == b"\x02\x00":
            self.spool.write(bytes(128) + b"DICM")
        self.spool.write(head)


def store_parts(
    archive: Archive,
    parts: Iterable[ReceivedPart],
    spools: StowSpools,
    *,
    expected_study: str | None = None,
    projects: frozenset[str] | None = None,
) -> list[PartOutcome]:
    """Store the spooled parts that pass the checks together (shared index transactions); never raises for
    a bad part, only records its failure. Refused parts' spools are left for ``spools.discard_all``."""
    outcomes: list[PartOutcome | None] = []
    accepted: list[tuple[int, ReceivedPart, Spool, tuple[str, str, str, str]]] = []
    for part in parts:
        spool = spools.spools[part.index]
        identity = _identity(archive, spool)
        refused = _refusal(part, identity, expected_study, projects)
        if refused is None and identity is not None:
            accepted.append((len(outcomes), part, spool, identity))
        outcomes.append(refused)
    for start in range(0, len(accepted), _GROUP):
        _store_group(archive, accepted[start:start + _GROUP], outcomes)
    return [o for o in outcomes if o is not None]


def _store_group(archive: Archive, group: list[tuple[int, ReceivedPart, Spool, tuple[str, str, str, str]]],
                 outcomes: list[PartOutcome | None]) -> None:
    from imaging_hub.store import InvalidInstance

    try:
        stored = archive.store_spooled([spool for _, _, spool, _ in group])
    except OSError as exc:
        for index, part, _, identity in group:
            outcomes[index] = _storage_error(part, identity, exc)
    else:
        for (index, part, _, identity), result in zip(group, stored, strict=True):
            if isinstance(result, InvalidInstance):
                outcomes[index] = _failed(identity, FailureReason.CANNOT_UNDERSTAND, f"part {part.index + 1}: {result}")
            else:
                outcomes[index] = _settled(part, identity, result)


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


def _identity(archive: Archive, spool: Spool) -> tuple[str, str, str, str] | None:
    """(SOP class, SOP instance, study, project) from the part's header, or None if unreadable.

    The archive's header reader (one walk over element headers, kept for storing) answers for a
    well-formed part; pydicom is asked only about the others, so a refused part still names what it could
    be read as.
    """
    from imaging_hub.store import InvalidInstance

    try:
        values = archive.inspect(spool).values
        return (values["SOPClassUID"], values["SOPInstanceUID"], values["StudyInstanceUID"],
                values["ClinicalTrialProtocolID"] or "")
    except (InvalidInstance, OSError, ValueError):
        pass
    try:
        # pydicom warns with the offending (possibly identifiable) value; the failure reason says enough
        with warnings.catch_warnings(), spool.path.open("rb") as fp:
            warnings.simplefilter("ignore")
            ds = dcmread(fp, stop_before_pixels=True, specific_tags=[
                "SOPClassUID", "SOPInstanceUID", "StudyInstanceUID", "ClinicalTrialProtocolID"])
        return (str(ds.get("SOPClassUID", "")), str(ds.get("SOPInstanceUID", "")),
                str(ds.get("StudyInstanceUID", "")), str(ds.get("ClinicalTrialProtocolID", "")))
    except Exception:  # pydicom raises many exception types on corrupt input; all mean "unreadable"
        return None


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
    """The Store Instances Response dataset as DICOM JSON (Annex F), written directly: a few fixed
    attributes per part, so no Dataset is built."""
    response: JsonDataset = {}
    if study_url:
        response[_RETRIEVE_URL] = _json("UR", study_url)
    referenced: list[JsonDataset] = []
    failed: list[JsonDataset] = []
    for outcome in outcomes:
        item = {_REFERENCED_SOP_CLASS: _json("UI", outcome.sop_class_uid),
                _REFERENCED_SOP_INSTANCE: _json("UI", outcome.sop_instance_uid)}
        if outcome.stored:
            item[_RETRIEVE_URL] = _json("UR", instance_url(outcome))
            referenced.append(item)
        else:
            assert outcome.failure is not None
            item[_FAILURE_REASON] = _json("US", int(outcome.failure))
            failed.append(item)
    if failed:
        response[_FAILED_SOP_SEQUENCE] = {"vr": "SQ", "Value": failed}
    if referenced:
        response[_REFERENCED_SOP_SEQUENCE] = {"vr": "SQ", "Value": referenced}
    return response


def _json(vr: str, value: str | int) -> dict[str, Any]:
    """One attribute; an empty string has no "Value" (Annex F)."""
    return {"vr": vr, "Value": [value]} if value != "" else {"vr": vr}
