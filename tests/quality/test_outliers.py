"""Outliers of a series' metrics against the project's and the same scanner's series (robust z-scores)."""

from __future__ import annotations

import numpy as np
import pytest

from imaging_hub.quality import QcRecord, SeriesConformance, find_outliers, robust_z


def record(uid: str, snr: float, model: str, modality: str = "MR") -> QcRecord:
    conformance = SeriesConformance(uid, "T1 brain", (), {"snr": snr, "ghosting_ratio": None})
    return QcRecord(uid, "hash-" + uid, "study", modality, "RX1", {"manufacturer": "ACME", "model": model}, 10,
                    conformance)


def test_robust_z_matches_median_and_scaled_mad() -> None:
    values = [10.0, 11.0, 12.0, 13.0, 50.0]
    mad = 1.4826 * np.median(np.abs(np.array(values) - 12.0))
    assert robust_z(values) == pytest.approx((np.array(values) - 12.0) / mad, rel=1e-3)
    assert list(robust_z([3.0, 3.0, 3.0])) == [0.0, 0.0, 0.0]


def test_a_noisy_series_stands_out_from_the_project_and_its_scanner() -> None:
    snrs = [50.0, 51.0, 49.0, 52.0, 48.0, 50.5, 49.5]
    records = [record(f"a{i}", v, "Scanner A") for i, v in enumerate(snrs)]
    records += [record(f"b{i}", v, "Scanner B") for i, v in enumerate([30.0, 31.0, 29.0, 30.5, 29.5])]
    records.append(record("noisy", 12.0, "Scanner A"))
    records.append(record("ct", 12.0, "Scanner A", modality="CT"))  # another modality: not compared
    found = {(o.series_instance_uid, o.against) for o in find_outliers(records)}
    assert ("noisy", "scanner") in found
    # Against the whole project, scanner B's lower SNR widens the spread; the noisy series still stands out.
    assert ("noisy", "project") in found
    assert not any(uid.startswith("b") and against == "scanner" for uid, against in found)
    assert not any(uid == "ct" for uid, _ in found)


def test_too_few_series_make_no_outliers() -> None:
    assert find_outliers([record("a", 50, "A"), record("b", 51, "A"), record("c", 5, "A")]) == []


def test_trivial_differences_between_closely_agreeing_series_are_not_outliers() -> None:
    records = [record(f"a{i}", v, "A") for i, v in enumerate([50.0, 50.01, 50.02, 49.99, 49.98, 50.6])]
    assert find_outliers(records) == []  # 50.6 is 1.2 % above the rest: under the 2 % floor's 3.5 scales
    records.append(record("low", 40.0, "A"))  # 20 % below: an outlier however tight the rest are
    assert {o.series_instance_uid for o in find_outliers(records)} == {"low"}
