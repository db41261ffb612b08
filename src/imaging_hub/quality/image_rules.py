"""Checking a series' image QC metrics against the protocol's image rules."""

from __future__ import annotations

from imaging_hub.quality.protocol import ImageRules
from imaging_hub.quality.results import Metrics, Problem

# rule field -> (metric, "min" or "max" bound on it)
_BOUNDS = {
    "min_snr": ("snr", "min"),
    "min_cnr": ("cnr", "min"),
    "min_uniformity_percent": ("uniformity_percent", "min"),
    "max_ghosting_ratio": ("ghosting_ratio", "max"),
    "min_coverage_mm": ("coverage_mm", "min"),
    "min_laplacian_variance": ("laplacian_variance", "min"),
}


def check_image(rules: ImageRules, metrics: Metrics) -> tuple[list[Problem], list[str]]:
    """Problems, and the rules that could not be checked because their metric was not measured."""
    problems: list[Problem] = []
    not_checked: list[str] = []
    for rule, (metric, bound) in _BOUNDS.items():
        limit = getattr(rules, rule)
        if limit is None:
            continue
        value = metrics.get(metric)
        if value is None:
            not_checked.append(rule)
        elif (bound == "min" and value < limit) or (bound == "max" and value > limit):
            sign = ">=" if bound == "min" else "<="
            problems.append(Problem(rule, metric, f"{sign} {limit:g}", f"{value:.4g}"))
    for name, expected, tolerance in (("ct_air_hu", rules.ct_air_expected_hu, rules.max_ct_air_error_hu),
                                      ("ct_water_hu", rules.ct_water_expected_hu, rules.max_ct_water_error_hu)):
        if tolerance is None:
            continue
        value = metrics.get(name)
        if value is None:
            not_checked.append(f"max_{name.removesuffix('_hu')}_error_hu")
        elif abs(value - expected) > tolerance:
            problems.append(Problem(f"max_{name.removesuffix('_hu')}_error_hu", name,
                                    f"{expected:g} ± {tolerance:g} HU", f"{value:.1f} HU"))
    return problems, not_checked
