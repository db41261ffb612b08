"""Agreement statistics against values computed independently: textbook examples and statsmodels directly."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix
from statsmodels.stats.inter_rater import cohens_kappa, fleiss_kappa

from imaging_hub.labelling import LabellingError, cohen, fleiss, pairwise, staple

# Fleiss' kappa's worked example (Wikipedia, "Fleiss' kappa"): 10 subjects, 14 raters, 5 categories; kappa 0.210.
FLEISS_EXAMPLE = np.array([
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
])


def test_cohen_matches_the_textbook_example_and_statsmodels_interval() -> None:
    # 50 proposals, two readers: yes/yes 20, yes/no 5, no/yes 10, no/no 15 -> p_o 0.7, p_e 0.5, kappa 0.4.
    first = ["yes"] * 25 + ["no"] * 25
    second = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    estimate = cohen(first, second, ["yes", "no"])
    p_o, p_e = (20 + 15) / 50, (25 / 50) * (30 / 50) + (25 / 50) * (20 / 50)
    assert estimate.kappa == pytest.approx((p_o - p_e) / (1 - p_e)) == pytest.approx(0.4)
    independent = cohens_kappa(np.array([[20, 5], [10, 15]]))
    assert (estimate.low, estimate.high) == pytest.approx((independent.kappa_low, independent.kappa_upp))
    assert estimate.low < 0.4 < estimate.high


def test_cohen_interval_stays_within_kappas_range_on_few_studies() -> None:
    first = ["yes", "yes", "no", "no", "yes", "no", "yes"]
    second = ["yes", "yes", "no", "no", "yes", "no", "no"]
    independent = cohens_kappa(confusion_matrix(first, second, labels=["yes", "no"]))
    assert independent.kappa_upp > 1  # the Wald interval runs past 1 here
    estimate = cohen(first, second, ["yes", "no"])
    assert estimate.high == 1.0 and estimate.low == pytest.approx(max(independent.kappa_low, -1.0))


def test_fleiss_matches_the_worked_example_with_a_bootstrap_interval() -> None:
    estimate = fleiss(FLEISS_EXAMPLE)
    assert estimate.kappa == pytest.approx(0.20993, abs=5e-5)
    assert estimate.kappa == pytest.approx(fleiss_kappa(FLEISS_EXAMPLE, method="fleiss"))
    assert estimate.low < estimate.kappa < estimate.high and estimate.raters == 14
    assert fleiss(FLEISS_EXAMPLE) == estimate  # seeded: reproducible


def test_bad_tables_are_refused() -> None:
    with pytest.raises(LabellingError, match="same number"):
        fleiss(np.array([[1, 1], [2, 1]]))
    with pytest.raises(LabellingError, match="not paired"):
        cohen(["a", "b"], ["a"], ["a", "b"])
    with pytest.raises(LabellingError, match="not categories"):
        cohen(["a", "c"], ["a", "b"], ["a", "b"])


def _cube(offset: int) -> np.ndarray:
    mask = np.zeros((20, 20, 20), np.uint8)
    mask[5 + offset:13 + offset, 5:13, 5:13] = 1
    return mask


def test_pairwise_dice_and_hd95_of_shifted_cubes() -> None:
    masks = {"alice": _cube(0), "bob": _cube(2), "carol": _cube(0)}
    pairs = {tuple(p.to_json()["readers"]): p.agreement for p in pairwise(masks, (1.0, 1.0, 1.0))}
    a, b = masks["alice"].astype(bool), masks["bob"].astype(bool)
    dice = 2 * (a & b).sum() / (a.sum() + b.sum())
    assert pairs[("alice", "bob")].dice == pytest.approx(dice)  # 6/8 of the cube overlaps: 0.75
    assert pairs[("alice", "bob")].hd95 == pytest.approx(2.0)  # faces two voxels apart
    assert pairs[("alice", "carol")].dice == 1.0 and pairs[("alice", "carol")].hd95 == 0.0
    spaced = {tuple(p.to_json()["readers"]): p.agreement for p in pairwise(masks, (2.5, 1.0, 1.0))}
    assert spaced[("alice", "bob")].hd95 == pytest.approx(5.0)  # the shift is between frames 2.5 mm apart


def test_staple_follows_the_majority_of_readers() -> None:
    majority, outlier = _cube(0), _cube(4)
    consensus = staple({"alice": majority, "bob": majority, "carol": outlier})
    assert np.array_equal(consensus.mask, majority)
    assert consensus.sensitivity["alice"] > consensus.sensitivity["carol"]
    assert all(0 <= v <= 1 and math.isfinite(v) for v in consensus.specificity.values())
    with pytest.raises(LabellingError, match="one shape"):
        staple({"alice": majority, "bob": majority[:10]})
