"""The patient's own identifying values, gathered before anything is changed, compiled into one matcher
that finds them wherever they appear in retained text: names in any order or case, identifiers and NHS
numbers with or without separators, the date of birth in common formats, address lines, postcodes,
phone numbers and e-mail addresses."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from pydicom.datadict import tag_for_keyword
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.tag import BaseTag

from imaging_hub.deid.detectors import EMAIL, POSTCODE, REDACTION, redact_detected
from imaging_hub.deid.raw_values import ascii_values, peek, stored_element
from imaging_hub.dicom.part10 import sequence_items

_PATIENT_NAMES = ("PatientName", "OtherPatientNames", "PatientBirthName", "PatientMotherBirthName",
                  "ResponsiblePerson")
_STAFF_NAMES = ("ReferringPhysicianName", "PerformingPhysicianName", "OperatorsName",
                "NameOfPhysiciansReadingStudy", "PhysiciansOfRecord", "RequestingPhysician")
_IDENTIFIERS = ("PatientID", "OtherPatientIDs", "AccessionNumber", "MedicalRecordLocator",
                "PatientInsurancePlanCodeSequence")
_ADDRESSES = ("PatientAddress", "RegionOfResidence", "CountryOfResidence")
_PHONES = ("PatientTelephoneNumbers", "PatientTelecomInformation")
_MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)
_SEP = r"[\s./-]"
_OTHER_IDS = BaseTag(0x00101002)  # OtherPatientIDsSequence
_PATIENT_ID = BaseTag(0x00100020)
_TAGS: dict[str, int] = {
    kw: tag_for_keyword(kw)  # type: ignore[misc]
    for kw in (*_PATIENT_NAMES, *_STAFF_NAMES, *_IDENTIFIERS, *_ADDRESSES, *_PHONES, "PatientBirthDate")
}


@dataclass(frozen=True)
class PatientIdentity:
    names: tuple[str, ...]
    identifiers: tuple[str, ...]
    birth_dates: tuple[str, ...]
    addresses: tuple[str, ...]
    phones: tuple[str, ...]

    @classmethod
    def of(cls, ds: Dataset) -> PatientIdentity:
        names = [str(v) for kw in _PATIENT_NAMES + _STAFF_NAMES for v in _values(ds, kw)]
        identifiers = [str(v) for kw in _IDENTIFIERS for v in _values(ds, kw) if isinstance(v, str)]
        identifiers.extend(_other_patient_ids(ds))
        addresses = [str(v) for kw in _ADDRESSES for v in _values(ds, kw)]
        phones = [str(v) for kw in _PHONES for v in _values(ds, kw)]
        return cls(
            names=tuple(sorted(set(filter(None, names)))),
            identifiers=tuple(sorted(set(filter(None, identifiers)))),
            birth_dates=tuple(str(v) for v in _values(ds, "PatientBirthDate") if v),
            addresses=tuple(sorted(set(filter(None, addresses)))),
            phones=tuple(sorted(set(filter(None, phones)))),
        )

    def matcher(self) -> IdentityMatcher:
        return _compile(self)


def _values(ds: Dataset, keyword: str) -> list[object]:
    tag = _TAGS[keyword]
    found = stored_element(ds, tag)
    if found is None:
        return []
    if not keyword.endswith("Sequence"):
        raw = ascii_values(found)
        if raw is not None:
            return list(raw)  # plain ASCII read from the bytes, as decoding would give it
    elem = peek(ds, tag)  # a copy: the dataset keeps the raw bytes for the writer
    if elem is None or elem == "":
        return []
    if isinstance(elem, (list, tuple)) or type(elem).__name__ == "MultiValue":
        return list(elem)
    if isinstance(elem, Dataset):
        return []
    return [elem]


def _other_patient_ids(ds: Dataset) -> list[str]:
    """The IDs in Other Patient IDs Sequence. Read from the sequence's bytes where every value is plain
    ASCII (the profiles remove the sequence: decoding it in place, 30 us, would be work thrown away);
    otherwise from pydicom's decoding."""
    elem = ds._dict.get(_OTHER_IDS)
    if isinstance(elem, RawDataElement) and elem.value is not None and elem.is_little_endian:
        items = sequence_items(elem.value, elem.is_implicit_VR)
        found: list[str] | None = []
        for item in items if items is not None else ():
            values = ascii_values(item.get(_PATIENT_ID)) if _PATIENT_ID in item else []
            if values is None:
                found = None
                break
            found.extend(values)  # type: ignore[union-attr]
        if items is not None and found is not None:
            return found
    return [str(v) for item in ds.get("OtherPatientIDsSequence", None) or [] for v in _values(item, "PatientID")]


class IdentityMatcher:
    """Redacts this patient's values and the generic detectors' findings from a piece of text."""

    def __init__(self, pattern: re.Pattern[str] | None) -> None:
        self._pattern = pattern
        self._cache: dict[str, tuple[str, frozenset[str]]] = {}

    def redact(self, text: str) -> tuple[str, frozenset[str]]:
        """The cleaned text and the kinds of identifier removed (empty when nothing was)."""
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        found: set[str] = set()
        cleaned = text
        if self._pattern is not None:
            cleaned, count = self._pattern.subn(REDACTION, cleaned)
            if count:
                found.add("patient-identity")
        cleaned = redact_detected(cleaned, found)
        result = (cleaned, frozenset(found))
        if len(self._cache) < 4096:
            self._cache[text] = result
        return result


def _digits_flexible(value: str) -> str:
    """A pattern for an identifier that tolerates spaces or hyphens between its characters."""
    chars = [c for c in value if c.isalnum()]
    return r"[\s-]?".join(re.escape(c) for c in chars)


def _bounded(pattern: str) -> str:
    return rf"(?<![^\W_]){pattern}(?![^\W_])"


def _name_tokens(name: str) -> Iterable[str]:
    for group in name.split("=")[:1]:
        for component in group.split("^")[:3]:  # family, given, middle; never prefix or suffix
            for token in re.split(r"[\s,.'\-]+", component):
                if len(token) >= 2 and any(c.isalpha() for c in token):
                    yield token


def _birth_date_patterns(da: str) -> Iterable[str]:
    try:
        born = dt.datetime.strptime(da.strip()[:8], "%Y%m%d").date()
    except ValueError:
        return
    y, m, d = born.year, born.month, born.day
    yy = rf"(?:{str(y)[:2]})?{str(y)[2:]}"
    month = _MONTHS[m - 1]
    name = rf"(?:{month}|{month[:3]}\.?)"
    th = r"(?:st|nd|rd|th)?"
    yield rf"{y}{_SEP}?{m:02d}{_SEP}?{d:02d}"
    yield rf"{y}{_SEP}0?{m}{_SEP}0?{d}"
    yield rf"0?{d}{_SEP}0?{m}{_SEP}{yy}"
    yield rf"0?{m}{_SEP}0?{d}{_SEP}{yy}"
    yield rf"0?{d}{th}[\s,-]*{name}[\s,-]*{yy}"
    yield rf"{name}[\s,-]*0?{d}{th}[\s,-]*{yy}"


def _address_patterns(address: str) -> Iterable[str]:
    for line in re.split(r"[\^,\n\r;]+", address):
        line = line.strip()
        if len(line) >= 4:
            yield r"\s+".join(re.escape(word) for word in line.split())
    for postcode in POSTCODE.findall(address):
        yield _digits_flexible(postcode)
    for email in EMAIL.findall(address):
        yield re.escape(email)


def _phone_pattern(phone: str) -> str | None:
    digits = "".join(c for c in phone if c.isdigit())
    return r"[\s()+-]{0,3}".join(digits) if len(digits) >= 6 else None


@lru_cache(maxsize=512)
def _compile(identity: PatientIdentity) -> IdentityMatcher:
    patterns: set[str] = set()
    for name in identity.names:
        patterns.update(re.escape(token) for token in _name_tokens(name))
    for identifier in identity.identifiers:
        if sum(c.isalnum() for c in identifier) >= 3:
            patterns.add(_digits_flexible(identifier))
    for da in identity.birth_dates:
        patterns.update(_birth_date_patterns(da))
    for address in identity.addresses:
        patterns.update(_address_patterns(address))
    for phone in identity.phones:
        pattern = _phone_pattern(phone)
        if pattern:
            patterns.add(pattern)
        patterns.update(re.escape(e) for e in EMAIL.findall(phone))
    if not patterns:
        return IdentityMatcher(None)
    ordered = sorted(patterns, key=len, reverse=True)  # longest first: a full ID before its fragments
    # One boundary pair around the alternation matches exactly what a pair on each alternative would
    # (a failed look-ahead backtracks into the next alternative) and compiles several times faster.
    return IdentityMatcher(re.compile(_bounded("(?:" + "|".join(ordered) + ")"), re.IGNORECASE))
