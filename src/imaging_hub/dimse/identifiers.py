"""Reading Query/Retrieve identifiers (PS3.4 C.4) into the archive's terms, and shaping C-FIND answers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydicom.datadict import dictionary_VR, keyword_for_tag
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.tag import BaseTag
from pydicom.uid import UID
from pydicom.valuerep import PersonName

from imaging_hub.dimse.archive import Level
from imaging_hub.dimse.contexts import PATIENT_ROOT
from imaging_hub.errors import ImagingHubError

# Query/Retrieve level -> the archive's level and that level's unique key (PS3.4 C.6.1.1 / C.6.2.1)
ARCHIVE_LEVEL: dict[str, Level] = {"PATIENT": "PATIENT", "STUDY": "STUDY", "SERIES": "SERIES", "IMAGE": "INSTANCE"}
UNIQUE_KEY = {
    "PATIENT": "PatientID",
    "STUDY": "StudyInstanceUID",
    "SERIES": "SeriesInstanceUID",
    "IMAGE": "SOPInstanceUID",
}
PROJECT_KEY = "ClinicalTrialProtocolID"
_NOT_KEYS = frozenset({"QueryRetrieveLevel", "SpecificCharacterSet", "RetrieveAETitle", "InstanceAvailability"})


class IdentifierError(ImagingHubError, ValueError):
    """An identifier the SCP cannot act on; ``status`` is the DIMSE failure status to answer with."""

    def __init__(self, message: str, status: int = 0xA900) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ParsedIdentifier:
    """An identifier in the archive's terms."""

    level: str  # the Query/Retrieve level as sent: PATIENT, STUDY, SERIES or IMAGE
    filters: dict[str, str]  # keyword -> DICOM matching string
    return_tags: tuple[BaseTag, ...]  # every key the requestor asked for, in its order

    @property
    def return_keywords(self) -> frozenset[str]:
        keywords = (_keyword(tag) for tag in self.return_tags)
        return frozenset(k for k in keywords if k and k not in _NOT_KEYS)


def read_level(identifier: Dataset, model: UID) -> str:
    """The Query/Retrieve level, checked against the information model (no PATIENT level in study root)."""
    level = str(identifier.get("QueryRetrieveLevel", "") or "").strip().upper()
    if level not in ARCHIVE_LEVEL:
        raise IdentifierError(f"QueryRetrieveLevel {level!r} is not PATIENT, STUDY, SERIES or IMAGE")
    if level == "PATIENT" and model not in PATIENT_ROOT:
        raise IdentifierError("the study root information model has no PATIENT level")
    return level


def parse_identifier(identifier: Dataset, model: UID) -> ParsedIdentifier:
    """Split an identifier into matching keys (a value given) and return keys (empty)."""
    level = read_level(identifier, model)
    filters: dict[str, str] = {}
    tags: list[BaseTag] = []
    for element in identifier:
        keyword = element.keyword
        if element.tag.group == 0x0000 or keyword in ("QueryRetrieveLevel", "SpecificCharacterSet"):
            continue
        tags.append(element.tag)
        if not keyword or element.VR == "SQ" or keyword in _NOT_KEYS:
            continue  # private, sequence and informational keys are returned, never matched on
        value = matching_value(element)
        if value:
            filters[keyword] = value
    return ParsedIdentifier(level=level, filters=filters, return_tags=tuple(tags))


def matching_value(element: DataElement) -> str:
    """The element's value as a DICOM matching string ('' for a universal match)."""
    value = element.value
    if value is None:
        return ""
    if isinstance(value, MultiValue | list | tuple):
        return "\\".join(str(v) for v in value)
    if isinstance(value, bytes):
        return ""
    return str(value).strip()


def unique_uids(identifier: Dataset, keyword: str) -> list[str]:
    """The UID list a retrieve names at one level ('' or absent gives an empty list)."""
    element = identifier.get(keyword)
    if element is None:
        return []
    return [uid for uid in matching_value(identifier[keyword]).split("\\") if uid]


def answer(match: Dataset, parsed: ParsedIdentifier, retrieve_ae_title: str) -> Dataset:
    """One C-FIND pending identifier: the keys asked for, filled from the match, nothing else (C.4.1.1.3.2)."""
    response = Dataset()
    for tag in parsed.return_tags:
        if tag in match:
            response[tag] = match[tag]
        else:
            response.add(_empty(tag))
    unique = UNIQUE_KEY[parsed.level]
    if unique in match and unique not in response:
        response[unique] = match[unique]
    response.QueryRetrieveLevel = parsed.level
    response.RetrieveAETitle = retrieve_ae_title
    if not _is_ascii(response):
        # The archive hands back Python strings; say how they are encoded rather than lose characters.
        response.SpecificCharacterSet = "ISO_IR 192"
    return response


def _keyword(tag: BaseTag) -> str:
    return keyword_for_tag(tag)


def _empty(tag: BaseTag) -> DataElement:
    try:
        vr = dictionary_VR(tag)
    except KeyError:
        vr = "UN"
    if vr == "SQ":
        return DataElement(tag, vr, [])
    return DataElement(tag, vr.split(" or ")[0], None)


def _is_ascii(dataset: Dataset) -> bool:
    return all(_ascii_value(element.value) for element in dataset)


def _ascii_value(value: object) -> bool:
    if isinstance(value, str | PersonName):
        return str(value).isascii()
    if isinstance(value, Iterable) and not isinstance(value, bytes | Dataset):
        return all(_ascii_value(v) for v in value)
    return True

