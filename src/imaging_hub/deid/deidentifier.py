"""The de-identifier: one profile and one project key applied to one instance at a time.

Usable alone::

    deid = Deidentifier(Profile.builtin("research"), ProjectKey.load("project.key"), project_id="LUNG1")
    outcome = deid.deidentify(pydicom.dcmread(path))   # the dataset is changed in place and returned
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset
from pydicom.tag import BaseTag
from pydicom.uid import UID, ExplicitVRLittleEndian, ImplicitVRLittleEndian

from imaging_hub import __version__
from imaging_hub.deid.burned_in import PixelFacts, check_pixels
from imaging_hub.deid.errors import HeldForReview, Quarantined
from imaging_hub.deid.identity import PatientIdentity
from imaging_hub.deid.plan import ActionPlan, compile_plan
from imaging_hub.deid.profile import Profile
from imaging_hub.deid.project_key import ProjectKey
from imaging_hub.deid.raw_values import has_value, put_text, text_value
from imaging_hub.deid.walker import KeyedUIDs, WalkContext, walk
from imaging_hub.dicom import BASIC_PROFILE_CODE, CLEAN_PIXEL_DATA_CODE, iod_kind
from imaging_hub.dicom.part10 import encode_value, new_file_meta

IMPLEMENTATION_CLASS_UID = "1.2.826.0.1.3680043.10.1452.1"
IMPLEMENTATION_VERSION_NAME = f"IMAGINGHUB_{__version__}"[:16]
DEFAULT_SPONSOR = "Imaging Hub research network"

SOP_CLASS_UID = 0x00080016
SOP_INSTANCE_UID = 0x00080018
STUDY_INSTANCE_UID = 0x0020000D
SERIES_INSTANCE_UID = 0x0020000E
_REQUIRED_UIDS = (("SOPClassUID", SOP_CLASS_UID), ("SOPInstanceUID", SOP_INSTANCE_UID),
                  ("StudyInstanceUID", STUDY_INSTANCE_UID), ("SeriesInstanceUID", SERIES_INSTANCE_UID))
PATIENT_NAME = 0x00100010
PATIENT_ID = 0x00100020
PATIENT_IDENTITY_REMOVED = 0x00120062
DEIDENTIFICATION_METHOD = 0x00120063
METHOD_CODES = 0x00120064  # DeidentificationMethodCodeSequence
LONGITUDINAL_MODIFIED = 0x00280303  # LongitudinalTemporalInformationModified
CLINICAL_TRIAL_SPONSOR_NAME = 0x00120010
CLINICAL_TRIAL_PROTOCOL_ID = 0x00120020
CLINICAL_TRIAL_PROTOCOL_NAME = 0x00120021
CLINICAL_TRIAL_SITE_ID = 0x00120030
CLINICAL_TRIAL_SITE_NAME = 0x00120031
CLINICAL_TRIAL_SUBJECT_ID = 0x00120040


@dataclass
class DeidOutcome:
    dataset: Dataset
    actions: Counter[str] = field(default_factory=Counter)
    review: list[str] = field(default_factory=list)
    masks: tuple[tuple[int, int, int, int], ...] = ()  # burned-in text masked: x, y, width, height per frame


class Deidentifier:
    def __init__(
        self, profile: Profile, key: ProjectKey, project_id: str | None = None, site_id: str | None = None,
        sponsor: str = DEFAULT_SPONSOR,
    ) -> None:
        self.profile = profile
        self._key = key
        self.project_id = project_id
        self.site_id = site_id
        self.sponsor = sponsor
        self._plans: dict[str, ActionPlan] = {}  # by kind of IOD
        self._plan_by_class: dict[str, ActionPlan] = {}  # by SOP class UID (a few dozen at most)
        self._offsets: dict[str, int] = {}
        self._uids = KeyedUIDs(key.uid)
        self._codes: dict[tuple[int, bool, bool], bytes] = {}
        self._method = f"Imaging Hub {__version__}: PS3.15 E.1-1 profile {profile.name}"[:64]

    def __repr__(self) -> str:
        return f"Deidentifier(profile={self.profile.name!r}, key={self._key!r}, project_id={self.project_id!r})"

    def uid(self, original_uid: str) -> str:
        """The keyed 2.25 UID that replaces ``original_uid`` (the same at every site for the same key)."""
        return self._uids(original_uid)

    def pseudonym(self, value: str) -> str:
        return self._key.pseudonym(value)

    def plan_for(self, sop_class_uid: str) -> ActionPlan:
        plan = self._plan_by_class.get(sop_class_uid)
        if plan is None:
            kind = iod_kind(sop_class_uid)
            plan = self._plans.get(kind)
            if plan is None:
                plan = self._plans[kind] = compile_plan(self.profile, kind)
            self._plan_by_class[sop_class_uid] = plan
        return plan

    def _date_offset_days(self, subject: str) -> int:
        """The key's offset for the subject, remembered: a study's instances all ask for the same one."""
        days = self._offsets.get(subject)
        if days is None:
            if len(self._offsets) > 100_000:
                self._offsets.clear()
            days = self._offsets[subject] = self._key.date_offset_days(subject)
        return days

    def deidentify(self, ds: Dataset, subject_id: str | None = None) -> DeidOutcome:
        """De-identify one instance in place. Raises Quarantined if it cannot be made safe, and its kind
        HeldForReview (with the proposed masks) when its pixels may carry text nothing could mask."""
        for required, tag in _REQUIRED_UIDS:
            if not has_value(ds, tag):
                raise Quarantined(f"{required} is missing: not a storable instance")
        read_implicit = _read_as_implicit(ds)
        facts = PixelFacts.of(ds)
        identity = PatientIdentity.of(ds)
        original_id = text_value(ds, PATIENT_ID)
        subject = subject_id or (self._key.pseudonym(original_id) if original_id else
                                 self._key.pseudonym(text_value(ds, STUDY_INSTANCE_UID)))
        plan = self.plan_for(facts.sop_class_uid)
        ctx = WalkContext(
            plan=plan,
            matcher=identity.matcher(),
            uids=self._uids,
            pseudonym=self._key.pseudonym,
            offset_days=self._date_offset_days(subject) if plan.dates == "shift" else None,
        )
        walk(ds, ctx)
        review = sorted(ctx.review)
        try:
            pixels = check_pixels(ds, facts, self.profile.burned_in, ctx.matcher)
        except HeldForReview as held:
            # the header is done: finish it, so a reviewer's release needs only the pixels' decision
            self._mark(ds, subject, plan, False)
            self._file_meta(ds, read_implicit)
            held.candidate = ds
            raise
        review.extend(pixels.notes)
        self._mark(ds, subject, plan, bool(pixels.masks))
        self._file_meta(ds, read_implicit)
        return DeidOutcome(ds, ctx.actions, review, pixels.masks)

    def _mark(self, ds: Dataset, subject: str, plan: ActionPlan, pixels_cleaned: bool) -> None:
        marks: list[tuple[int, str, str]] = [
            (PATIENT_NAME, "PN", subject),
            (PATIENT_ID, "LO", subject),
            (PATIENT_IDENTITY_REMOVED, "CS", "YES"),
            (DEIDENTIFICATION_METHOD, "LO", self._method),
            (LONGITUDINAL_MODIFIED, "CS", {"shift": "MODIFIED", "keep": "UNMODIFIED", "remove": "REMOVED"}[plan.dates]),
        ]
        if self.project_id:
            marks += [
                (CLINICAL_TRIAL_SPONSOR_NAME, "LO", self.sponsor),
                (CLINICAL_TRIAL_PROTOCOL_ID, "LO", self.project_id),
                (CLINICAL_TRIAL_PROTOCOL_NAME, "LO", ""),
                (CLINICAL_TRIAL_SITE_ID, "LO", self.site_id or ""),
                (CLINICAL_TRIAL_SITE_NAME, "LO", ""),
                (CLINICAL_TRIAL_SUBJECT_ID, "LO", subject),
            ]
        for tag, vr, value in marks:
            put_text(ds, tag, vr, [value])
        self._put_method_codes(ds, plan, pixels_cleaned)

    def _put_method_codes(self, ds: Dataset, plan: ActionPlan, pixels_cleaned: bool) -> None:
        """The CID 7050 items, encoded once per plan and encoding and set as a raw element (decoded only
        if someone reads them); datasets built in memory get ordinary items."""
        implicit, little = ds.original_encoding
        if implicit is None or not little or (METHOD_CODES in ds and not ds.get_item(METHOD_CODES).is_raw):
            ds[METHOD_CODES] = DataElement(METHOD_CODES, "SQ", _code_items(plan, pixels_cleaned))
            return
        cache_key = (id(plan), pixels_cleaned, implicit)
        value = self._codes.get(cache_key)
        if value is None:
            value = self._codes[cache_key] = encode_value(
                DataElement(METHOD_CODES, "SQ", _code_items(plan, pixels_cleaned)), implicit=implicit)
        ds._dict[BaseTag(METHOD_CODES)] = RawDataElement(
            BaseTag(METHOD_CODES), "SQ", len(value), value, 0, implicit, True)

    def _file_meta(self, ds: Dataset, read_implicit: bool) -> None:
        old = getattr(ds, "file_meta", None)
        syntax = old.get("TransferSyntaxUID") if old is not None else None
        sop_class, sop_instance = UID(text_value(ds, SOP_CLASS_UID)), UID(text_value(ds, SOP_INSTANCE_UID))
        declared = UID(str(syntax) if syntax else str(ExplicitVRLittleEndian))
        ds.file_meta = new_file_meta(sop_class, sop_instance, _output_syntax(ds, declared, read_implicit),
                                     IMPLEMENTATION_VERSION_NAME)
        ds.preamble = None  # written as zeros: an input preamble (e.g. a TIFF header) may hold anything


def _code_items(plan: ActionPlan, pixels_cleaned: bool) -> list[Dataset]:
    codes = [BASIC_PROFILE_CODE]
    if pixels_cleaned:
        codes.append(CLEAN_PIXEL_DATA_CODE)
    codes.extend((opt.code, opt.meaning) for opt in sorted(plan.options, key=lambda o: o.code))
    items = []
    for value, meaning in codes:
        item = Dataset()
        item.CodeValue = value
        item.CodingSchemeDesignator = "DCM"
        item.CodeMeaning = meaning
        items.append(item)
    return items


def _read_as_implicit(ds: Dataset) -> bool:
    """Whether the body was parsed as implicit VR (checked before any element is decoded)."""
    first = next(iter(ds.keys()), None)
    raw = ds.get_item(first) if first is not None else None
    return bool(getattr(raw, "is_implicit_VR", False))


def _output_syntax(ds: Dataset, declared: UID, read_implicit: bool) -> UID:
    """The declared syntax; a body read as implicit VR under an explicit syntax (a mislabelled file) is
    written implicit, or, if its pixels are compressed, has every element decoded to get real VRs."""
    if read_implicit and not declared.is_implicit_VR:
        if not declared.is_compressed:
            return ImplicitVRLittleEndian
        for _ in ds.iterall():
            pass  # iterating decodes each raw element and gives it its dictionary VR
    return declared


__all__ = ["DeidOutcome", "Deidentifier", "HeldForReview", "Quarantined"]
