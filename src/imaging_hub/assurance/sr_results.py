"""Results from the AI tool's own DICOM Structured Reports in the archive, and a reference standard from readers'
consensus answers (joined by the face from the labelling room), as the rows validation takes.

The tool's SR is recognised by its device (Manufacturer Model Name = the register's name, Software Versions
holding the register's version); its score is the NUM content item with the concept code the caller names
(e.g. the vendor's "probability of malignancy"), read anywhere in the content tree.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pydicom.dataset import Dataset

from imaging_hub.assurance.errors import AssuranceInputError
from imaging_hub.assurance.register import CaseResult, Tool

SR_CLASS_PREFIX = "1.2.840.10008.5.1.4.1.1.88."  # every Structured Report storage SOP class


def made_by(dataset: Dataset, tool: Tool) -> bool:
    versions = dataset.get("SoftwareVersions", "")
    listed = [str(v) for v in versions] if not isinstance(versions, str) else [versions]
    return str(dataset.get("ManufacturerModelName", "")) == tool.name and tool.version in listed


def _scores(items: Any, code: tuple[str, str]) -> list[float]:
    found: list[float] = []
    for item in items or []:
        concept = item.get("ConceptNameCodeSequence")
        if item.get("ValueType") == "NUM" and concept and \
                (concept[0].get("CodeValue"), concept[0].get("CodingSchemeDesignator")) == code:
            measured = item.get("MeasuredValueSequence")
            if measured:
                value = float(measured[0].NumericValue)
                unit = measured[0].get("MeasurementUnitsCodeSequence")
                found.append(value / 100.0 if unit and unit[0].get("CodeValue") == "%" else value)
        found.extend(_scores(item.get("ContentSequence"), code))
    return found


def sr_score(dataset: Dataset, code: tuple[str, str]) -> float:
    """The one score the report gives under ``code`` (value, scheme), as a fraction in 0..1."""
    if not str(dataset.get("SOPClassUID", "")).startswith(SR_CLASS_PREFIX):
        raise AssuranceInputError("the instance is not a Structured Report")
    scores = _scores(dataset.get("ContentSequence"), code)
    if len(scores) != 1:
        raise AssuranceInputError(f"the report holds {len(scores)} scores under the code asked for, not one")
    if not (math.isfinite(scores[0]) and 0.0 <= scores[0] <= 1.0):
        raise AssuranceInputError("the report's score is not in 0..1 (or 0..100 %)")
    return scores[0]


def sr_result(dataset: Dataset, code: tuple[str, str], site: str) -> CaseResult:
    return CaseResult("study", str(dataset.StudyInstanceUID), str(dataset.StudyInstanceUID),
                      str(dataset.get("PatientID", "")), site, sr_score(dataset, code))


def reference_from_answers(answers: Mapping[str, Mapping[str, str] | None], question: str,
                           positive: str) -> dict[str, dict[str, str]]:
    """Readers' final answers (consensus or adjudicated) as the reference: label 1 where ``question`` was
    answered ``positive``. Studies still without a final answer are left out, and counted by the caller."""
    reference: dict[str, dict[str, str]] = {}
    for study, final in answers.items():
        if final is None:
            continue
        if question not in final:
            raise AssuranceInputError(f"the readers' answers have no question {question!r}")
        reference[study] = {"label": "1" if final[question] == positive else "0"}
    return reference
