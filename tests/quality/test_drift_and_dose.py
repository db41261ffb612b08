"""Drift per scanner (Mann-Whitney U, Holm) and research dose (RDSR or headers, per participant and timepoint,
against the constraint and the UKHSA DRLs), on records and reports whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from quality_records import record
from scipy.stats import mannwhitneyu

from imaging_hub.quality import (
    NATIONAL_CT_DRLS,
    ProtocolError,
    drift_tests,
    parse_protocol,
    quality_overview,
)
from imaging_hub.quality.dose import XRAY_DOSE_SR, header_dose, report_dose

PROTOCOL = """
[protocol]
name = "NET"
version = "1"
dose = { dlp_mgy_cm = 500, reference = "REC 26/LO/0001 section 9" }

[[series]]
name = "CT chest"
match = { modality = "CT" }
drl = "chest"
"""


def scanner_series(rng: np.random.Generator, snr_before: float, snr_after: float, n: int = 12) -> list:  # type: ignore[type-arg]
    found = []
    for i in range(n):
        upgraded = i >= n // 2
        snr = rng.normal(snr_after if upgraded else snr_before, 2.0)
        found.append(record(f"1.{i}", software="2.0" if upgraded else "1.0", acquired=f"202601{i + 1:02d}",
                            metrics={"snr": float(snr), "noise_sd": 10.0 + rng.normal(0, 1)}))
    return found


def test_a_software_upgrade_that_changes_snr_raises_an_alert_and_nothing_else_does() -> None:
    rng = np.random.default_rng(3)
    records = scanner_series(rng, 40.0, 25.0)
    tests = drift_tests(records)
    by_metric = {t.metric: t for t in tests}
    assert set(by_metric) == {"snr", "noise_sd"}
    snr = by_metric["snr"]
    assert (snr.change, snr.before, snr.after, snr.alert) == ("software 1.0 -> 2.0", 6, 6, True)
    before = [r.conformance.metrics["snr"] for r in records[:6]]
    after = [r.conformance.metrics["snr"] for r in records[6:]]
    assert snr.p_value == pytest.approx(mannwhitneyu(before, after, alternative="two-sided").pvalue)
    assert snr.p_adjusted == pytest.approx(min(1.0, 2 * snr.p_value))  # Holm, smallest of two p-values
    assert not by_metric["noise_sd"].alert


def test_no_change_no_alert_and_too_few_series_are_not_tested() -> None:
    rng = np.random.default_rng(4)
    assert not any(t.alert for t in drift_tests(scanner_series(rng, 40.0, 40.0)))
    assert drift_tests(scanner_series(rng, 40.0, 10.0, n=6)) == []  # 3 each side: below the minimum of 5


def dose_report(events: list[tuple[float, float]], total: float | None) -> Dataset:
    def num(code: str, value: float) -> Dataset:
        item = Dataset()
        item.ValueType = "NUM"
        name = Dataset()
        name.CodeValue, name.CodingSchemeDesignator, name.CodeMeaning = code, "DCM", code
        item.ConceptNameCodeSequence = Sequence([name])
        measured = Dataset()
        measured.NumericValue = str(value)
        item.MeasuredValueSequence = Sequence([measured])
        return item

    report = Dataset()
    report.SOPClassUID = XRAY_DOSE_SR
    containers = []
    for ctdivol, dlp in events:
        event = Dataset()
        event.ValueType = "CONTAINER"
        dose = Dataset()
        dose.ValueType = "CONTAINER"
        dose.ContentSequence = Sequence([num("113830", ctdivol), num("113838", dlp)])
        event.ContentSequence = Sequence([dose])
        containers.append(event)
    if total is not None:
        accumulated = Dataset()
        accumulated.ValueType = "CONTAINER"
        accumulated.ContentSequence = Sequence([num("113813", total)])
        containers.append(accumulated)
    report.ContentSequence = Sequence(containers)
    return report


def test_dose_from_a_report_and_from_image_headers() -> None:
    assert report_dose(dose_report([(8.0, 300.0), (12.0, 150.0)], 450.0)) == {"ctdivol_mgy": 12.0,
                                                                            "dlp_mgy_cm": 450.0}
    assert report_dose(dose_report([(8.0, 300.0), (12.0, 150.0)], None))["dlp_mgy_cm"] == 450.0
    headers = []
    for value in (10.0, 12.0):
        ds = Dataset()
        ds.CTDIvol, ds.SliceThickness = value, "2.5"
        headers.append(ds)
    found = header_dose(headers, coverage_mm=97.5)  # 40 slices 2.5 mm apart: 100 mm irradiated
    assert found["ctdivol_mgy"] == pytest.approx(11.0)
    assert found["dlp_estimated_mgy_cm"] == pytest.approx(11.0 * 10.0)
    assert header_dose([Dataset()], 10.0) == {}


def test_doses_add_up_per_participant_and_timepoint_and_a_breach_is_an_alert() -> None:
    protocol = parse_protocol(PROTOCOL)
    records = [
        # P1 baseline: two studies, one with a report (measured 300), one estimated from headers (250).
        record("a", study="s1", metrics={"ctdivol_mgy": 8.0, "dlp_estimated_mgy_cm": 280.0}),
        record("a-sr", study="s1", modality="SR", matched=None, metrics={"dlp_mgy_cm": 300.0, "ctdivol_mgy": 8.0}),
        record("b", study="s2", metrics={"ctdivol_mgy": 14.0, "dlp_estimated_mgy_cm": 250.0}),
        # P1 follow-up and P2 baseline stay below the constraint.
        record("c", study="s3", timepoint="month 6", metrics={"ctdivol_mgy": 8.5, "dlp_estimated_mgy_cm": 200.0}),
        record("d", study="s4", participant="P2", site="RY2", metrics={"ctdivol_mgy": 6.0,
                                                                       "dlp_estimated_mgy_cm": 180.0}),
    ]
    overview = quality_overview(records, protocol)
    doses = {(d.participant, d.timepoint): d for d in overview.doses}
    assert doses[("P1", "baseline")].dlp_mgy_cm == pytest.approx(550.0)  # the report wins over the estimate
    assert not doses[("P1", "baseline")].measured and doses[("P1", "baseline")].studies == 2
    assert [(d.participant, d.timepoint) for d in overview.dose_breaches] == [("P1", "baseline")]
    # the chest NDRL is 8.5 mGy: c, at 8.5, is not above it
    assert {c.series_instance_uid: c.above for c in overview.drl} == {"a": False, "b": True, "c": False,
                                                                      "d": False}
    assert overview.drl[0].level == NATIONAL_CT_DRLS["chest"]
    assert [r.series_instance_uid for r in overview.records] == ["a", "b", "c", "d"]  # the report is no series


def test_an_unknown_drl_examination_is_named() -> None:
    with pytest.raises(ProtocolError, match="drl"):
        parse_protocol(PROTOCOL.replace('drl = "chest"', 'drl = "knee"'))
