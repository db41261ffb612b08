"""A project's acquisition checks: rules on how an image was acquired (slice thickness, tube voltage, field
strength, protocol ...) that the spoke applies to each de-identified instance before it is queued.

A rule that fails either warns (the instance goes, and reconciliation shows the finding per study) or holds
(the instance stays at the spoke, quarantined with the rule named, and the study shows as failed with why).
Values shown in findings come from the de-identified instance, and only for coded and numeric attributes:
free text is never quoted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator
from pydicom.datadict import dictionary_VR, tag_for_keyword
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

_NUMERIC_VRS = {"DS", "IS", "FL", "FD", "SL", "SS", "UL", "US", "SV", "UV"}
_QUOTABLE_VRS = _NUMERIC_VRS | {"CS", "UI"}
_MAX_SHOWN = 64


class AcquisitionRule(BaseModel):
    """One check on one attribute; every condition given must hold."""

    model_config = {"extra": "forbid"}

    attribute: str  # DICOM keyword, e.g. "SliceThickness"
    modalities: list[str] = Field(default_factory=list)  # the rule applies to these only (empty: all)
    required: bool = False  # present with a value
    equals: str | None = None
    one_of: list[str] | None = None
    min: float | None = None
    max: float | None = None
    pattern: str | None = None  # a regular expression each value must match in full
    action: Literal["warn", "hold"] = "warn"

    @field_validator("attribute")
    @classmethod
    def _known_keyword(cls, keyword: str) -> str:
        tag = tag_for_keyword(keyword)
        if tag is None:
            raise ValueError(f"acquisition check: {keyword!r} is not a DICOM attribute keyword")
        if dictionary_VR(tag) == "SQ":
            raise ValueError(f"acquisition check: {keyword} is a sequence; check an attribute inside it instead")
        return keyword

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"acquisition check: pattern {pattern!r} is not a regular expression: {exc}") from exc
        return pattern

    @model_validator(mode="after")
    def _something_to_check(self) -> AcquisitionRule:
        if not self.required and self.equals is None and self.one_of is None and self.min is None \
                and self.max is None and self.pattern is None:
            raise ValueError(f"acquisition check on {self.attribute}: give at least one of required, equals, "
                             "one_of, min, max or pattern")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"acquisition check on {self.attribute}: min is above max")
        self.modalities = [m.upper() for m in self.modalities]
        return self


@dataclass(frozen=True)
class Finding:
    action: Literal["warn", "hold"]
    text: str  # e.g. "SliceThickness 5 above 2.5"; never free text from the image


def check_acquisition(rules: Sequence[AcquisitionRule], ds: Dataset) -> list[Finding]:
    """The failed rules for this (de-identified) instance."""
    modality = str(ds.get("Modality", "") or "").upper()
    findings = []
    for rule in rules:
        if rule.modalities and modality not in rule.modalities:
            continue
        problem = _problem(rule, ds)
        if problem:
            findings.append(Finding(rule.action, f"{rule.attribute} {problem}"))
    return findings


def summary(findings: Iterable[Finding]) -> str:
    return "; ".join(f.text for f in findings)


def _problem(rule: AcquisitionRule, ds: Dataset) -> str:
    values = _values(ds.get(rule.attribute))
    if not values:
        return "missing" if rule.required else ""
    vr = dictionary_VR(rule.attribute)
    for value in values:
        text = str(value).strip()
        if rule.equals is not None and text != rule.equals:
            return f"{_shown(text, vr)} is not {rule.equals}"
        if rule.one_of is not None and text not in rule.one_of:
            return f"{_shown(text, vr)} is not one of {', '.join(rule.one_of)}"
        if rule.pattern is not None and re.fullmatch(rule.pattern, text) is None:
            return f"{_shown(text, vr)} does not match {rule.pattern}"
        if rule.min is not None or rule.max is not None:
            number = _number(value)
            if number is None:
                return f"{_shown(text, vr)} is not a number"
            if rule.min is not None and number < rule.min:
                return f"{_shown(text, vr)} below {rule.min:g}"
            if rule.max is not None and number > rule.max:
                return f"{_shown(text, vr)} above {rule.max:g}"
    return ""


def _values(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, MultiValue | list | tuple):
        return [v for v in value if v not in (None, "")]
    return [value]


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _shown(text: str, vr: str) -> str:
    if vr not in _QUOTABLE_VRS:
        return "value"  # free text may carry what de-identification could not recognise: never quoted
    return text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + "..."
