"""Acquisition checks: rules are validated when the configuration is read, and each failed rule names the
attribute and the problem without quoting free text."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from pydantic import ValidationError
from pydicom.dataset import Dataset

from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
from imaging_hub.spoke.acquisition_rule import AcquisitionRule
from imaging_hub.spoke.delivery.reconciliation import StudyReport, classify
from imaging_hub.spoke.pipeline.acquisition import check_acquisition, summary


@pytest.fixture()
def ct() -> Dataset:
    person = SyntheticPatient.make(random.Random(3), "RX1")
    ds = next(iter(make_study(person, StudySpec(rows=8, columns=8, series=1, instances_per_series=1,
                                                study_date=dt.date(2024, 1, 2)), seed=3)))
    ds.SliceThickness = "2.5"
    ds.KVP = "120"
    ds.ProtocolName = "CHEST Mr Ffion Jones"
    return ds


def _rules(*rules: dict[str, object]) -> list[AcquisitionRule]:
    return [AcquisitionRule.model_validate(r) for r in rules]


def test_passing_rules_find_nothing(ct: Dataset) -> None:
    rules = _rules({"attribute": "SliceThickness", "min": 0.5, "max": 3},
                   {"attribute": "KVP", "one_of": ["100", "120"]},
                   {"attribute": "Modality", "equals": "CT", "required": True},
                   {"attribute": "MagneticFieldStrength", "modalities": ["MR"], "required": True},
                   {"attribute": "ProtocolName", "pattern": "CHEST.*"})
    assert check_acquisition(rules, ct) == []


def test_failed_rules_name_attribute_and_problem(ct: Dataset) -> None:
    rules = _rules({"attribute": "SliceThickness", "max": 1.0, "action": "hold"},
                   {"attribute": "KVP", "min": 130},
                   {"attribute": "ContrastBolusAgent", "required": True, "modalities": ["ct"]},
                   {"attribute": "ProtocolName", "pattern": "HEAD.*"},
                   {"attribute": "Modality", "one_of": ["MR", "PT"]})
    findings = check_acquisition(rules, ct)
    assert [(f.action, f.text) for f in findings] == [
        ("hold", "SliceThickness 2.5 above 1"),
        ("warn", "KVP 120 below 130"),
        ("warn", "ContrastBolusAgent missing"),
        ("warn", "ProtocolName value does not match HEAD.*"),  # free text is never quoted
        ("warn", "Modality CT is not one of MR, PT"),
    ]
    assert "Jones" not in summary(findings)


@pytest.mark.parametrize(("rule", "message"), [
    ({"attribute": "SliceThicknes", "max": 1}, "not a DICOM attribute keyword"),
    ({"attribute": "ReferencedImageSequence", "required": True}, "is a sequence"),
    ({"attribute": "KVP"}, "give at least one of"),
    ({"attribute": "KVP", "min": 5, "max": 1}, "min is above max"),
    ({"attribute": "ProtocolName", "pattern": "("}, "not a regular expression"),
    ({"attribute": "KVP", "max": 1, "action": "drop"}, "action"),
])
def test_bad_rules_are_refused_with_the_reason(rule: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        AcquisitionRule.model_validate(rule)


def test_reconciliation_shows_findings_per_study() -> None:
    study = StudyReport(project_id="P", participant_id="P-1", study_uid="2.25.1", expected_instances=4,
                        received=4, deidentified=4, delivered=4, acknowledged=4,
                        findings={"SliceThickness 2.5 above 1": 4})
    assert classify(study) == ("complete",
                               "4 of 4 acknowledged by the hub; acquisition findings: 4 SliceThickness 2.5 above 1")
    held = study.model_copy(update={"acknowledged": 2, "failed": 2, "findings": {},
                                    "failures": {"held by acquisition check: KVP 120 below 130": 2}})
    assert classify(held) == ("failed", "2 held by acquisition check: KVP 120 below 130")
