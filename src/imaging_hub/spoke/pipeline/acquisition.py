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

from pydicom.datadict import dictionary_VR
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from imaging_hub.spoke.acquisition_rule import AcquisitionRule

_NUMERIC_VRS = {"DS", "IS", "FL", "FD", "SL", "SS", "UL", "US", "SV", "UV"}
_QUOTABLE_VRS = _NUMERIC_VRS | {"CS", "UI"}
_MAX_SHOWN = 64


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
        if not _recognised(rule, ds):
            continue
        problem = _problem(rule, ds)
        if problem:
            findings.append(Finding(rule.action, f"{rule.attribute} {problem}"))
    return findings


def summary(findings: Iterable[Finding]) -> str:
    return "; ".join(f.text for f in findings)


def _recognised(rule: AcquisitionRule, ds: Dataset) -> bool:
    for keyword, pattern in (("SeriesDescription", rule.series_description), ("ProtocolName", rule.protocol_name)):
        if pattern is not None and re.search(pattern, str(ds.get(keyword, "") or "")) is None:
            return False
    return True


def _same(text: str, expected: str) -> bool:
    """Equal as text, or as numbers ("120.0" is 120 kV as much as "120" is)."""
    if text == expected:
        return True
    number, wanted = _number(text), _number(expected)
    return number is not None and wanted is not None and number == wanted


def _problem(rule: AcquisitionRule, ds: Dataset) -> str:
    values = _values(ds.get(rule.attribute))
    if not values:
        return "missing" if rule.required else ""
    vr = dictionary_VR(rule.attribute)
    for value in values:
        text = str(value).strip()
        if rule.equals is not None and not _same(text, rule.equals):
            return f"{_shown(text, vr)} is not {rule.equals}"
        if rule.one_of is not None and not any(_same(text, option) for option in rule.one_of):
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
