"""STOW-RS (PS3.18 10.5), both ends: the outcome of each part, the Store Instances Response written by the
server and read by a client, and a part sink that completes a Part 10 file sent without its preamble.

Where the parts are stored is the caller's business (the hub stores them in its archive): this module
knows DICOMweb, not any store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from imaging_hub.dicom.part10 import PREAMBLE, PREAMBLE_LENGTH
from imaging_hub.dicomweb.json_model import JsonDataset
from imaging_hub.dicomweb.multipart import PartSink

# Store Instances Response attributes (PS3.18 Table 10.5.3-3), as Annex F keys
_RETRIEVE_URL = "00081190"
_REFERENCED_SOP_CLASS = "00081150"
_REFERENCED_SOP_INSTANCE = "00081155"
_WARNING_REASON = "00081196"
_FAILURE_REASON = "00081197"
_FAILED_SOP_SEQUENCE = "00081198"
_REFERENCED_SOP_SEQUENCE = "00081199"

# Failure reasons worth trying again later (PS3.18 Table 10.5.3-1 / PS3.4 C-STORE statuses).
TRANSIENT_FAILURES = frozenset({0xA700, 0xA701, 0xA702, 0x0110, 0x0213})


class FailureReason(IntEnum):
    PROCESSING_FAILURE = 0x0110
    DUPLICATE_SOP_INSTANCE = 0x0111  # same UID, different content: kept aside for review, not indexed
    NOT_AUTHORIZED = 0x0124
    OUT_OF_RESOURCES = 0xA700
    DATASET_DOES_NOT_MATCH = 0xA900  # includes a Study Instance UID other than the request's
    CANNOT_UNDERSTAND = 0xC000


class WarningReason(IntEnum):
    """Why a stored part is not exactly what was sent (PS3.18 Table 10.5.3-2 / PS3.4 C-STORE warnings)."""

    COERCION_OF_DATA_ELEMENTS = 0xB000


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
    warning: WarningReason | None = None  # stored, but changed on the way (coerced)

    @property
    def stored(self) -> bool:
        return self.failure is None


class Part10Sink:
    """Writes a part into another sink (a spool); a part sent as file meta without the 128-byte preamble and
    'DICM' (dicomweb-client does this) gets them in front, so what is stored is a complete Part 10 file."""

    def __init__(self, spool: PartSink) -> None:
        self.spool = spool
        self.path = getattr(spool, "path", None)
        self._head: bytearray | None = bytearray()  # the first bytes, until it is clear which case this is

    def write(self, data: bytes | bytearray | memoryview, /) -> object:
        if self._head is None:
            return self.spool.write(data)
        missing = PREAMBLE_LENGTH - len(self._head)
        self._head += data[:missing]  # only the first bytes wait; the rest goes straight on
        if len(self._head) >= PREAMBLE_LENGTH:
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
        if head[128:PREAMBLE_LENGTH] != b"DICM" and head[:2] == b"\x02\x00":
            self.spool.write(PREAMBLE)
        self.spool.write(head)


def failed_outcome(identity: tuple[str, str, str, str] | None, failure: FailureReason, reason: str) -> PartOutcome:
    """A refused part, named by what of (SOP class, SOP instance, study, project) could be read."""
    sop_class, sop_instance, study = identity[:3] if identity else ("", "", "")
    return PartOutcome(sop_class, sop_instance, study, failure, reason)


def response_status(outcomes: list[PartOutcome]) -> int:
    """200 all stored as sent, 202 some stored or stored with warnings, 409 none stored (PS3.18 Table 10.5.3-1)."""
    stored = sum(1 for o in outcomes if o.stored)
    if stored == len(outcomes):
        return 202 if any(o.warning is not None for o in outcomes) else 200
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
            if outcome.warning is not None:
                item[_WARNING_REASON] = _json("US", int(outcome.warning))
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


@dataclass
class StowResponse:
    """A Store Instances Response as a client reads it."""

    referenced: set[str] = field(default_factory=set)
    failed: dict[str, int] = field(default_factory=dict)  # SOP Instance UID -> failure reason
    warnings: dict[str, int] = field(default_factory=dict)


def parse_stow_response(body: Any) -> StowResponse:
    """Read the DICOM JSON (Annex F) of a STOW-RS response; tolerant of a list-wrapped object. ValueError
    if it is not a DICOM JSON object."""
    if isinstance(body, list):
        body = body[0] if body else {}
    if not isinstance(body, dict):
        raise ValueError("STOW-RS response is not a DICOM JSON object")
    result = StowResponse()
    for item in (body.get(_REFERENCED_SOP_SEQUENCE) or {}).get("Value") or []:
        uid = _first(item, _REFERENCED_SOP_INSTANCE)
        if uid:
            result.referenced.add(str(uid))
            warning = _first(item, _WARNING_REASON)
            if warning is not None:
                result.warnings[str(uid)] = int(warning)
    for item in (body.get(_FAILED_SOP_SEQUENCE) or {}).get("Value") or []:
        uid = _first(item, _REFERENCED_SOP_INSTANCE)
        if uid:
            reason = _first(item, _FAILURE_REASON)
            result.failed[str(uid)] = int(reason) if reason is not None else int(FailureReason.PROCESSING_FAILURE)
    return result


def _first(item: dict[str, Any], tag: str) -> Any:
    values = (item.get(tag) or {}).get("Value") or []
    return values[0] if values else None
