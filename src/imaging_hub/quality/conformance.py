"""Conformance of a series, and of a study, to an acquisition protocol. Pure: headers in, findings out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydicom.dataset import Dataset

from imaging_hub.quality.attribute_rules import check_attribute
from imaging_hub.quality.geometry import check_geometry, slice_geometry
from imaging_hub.quality.image_qc import measure_series
from imaging_hub.quality.image_rules import check_image
from imaging_hub.quality.matching import recognise
from imaging_hub.quality.protocol import AcquisitionProtocol, ExpectedSeries
from imaging_hub.quality.results import AppliedDeviation, Metrics, Problem, SeriesConformance, StudyConformance
from imaging_hub.quality.volume import PixelsError


def check_series(
    headers: Sequence[Dataset], protocol: AcquisitionProtocol, *, site: str | None = None,
    metrics: Metrics | None = None,
) -> SeriesConformance:
    """Check one series (its instances' datasets; pixels optional) against the protocol.

    ``site`` chooses the approved deviations that apply (default: the headers' ClinicalTrialSiteID).
    ``metrics`` are image QC metrics measured elsewhere; without them they are measured here when every
    instance carries pixel data, and image rules are listed as not checked when none does.
    """
    if not headers:
        raise ValueError("a series needs at least one instance")
    uid = str(headers[0].get("SeriesInstanceUID", ""))
    site = site if site is not None else (str(headers[0].get("ClinicalTrialSiteID", "")) or None)
    measured: Metrics = dict(header_metrics(headers))
    not_checked: list[str] = []
    if metrics is not None:
        measured.update(metrics)
    elif all("PixelData" in ds for ds in headers):
        try:
            measured.update(measure_series(headers))
        except PixelsError as exc:
            not_checked.append(f"image metrics: {exc}")
    expected = recognise(headers[0], protocol)
    if expected is None:
        problems = [] if protocol.unexpected_series == "ignore" else [
            Problem("unexpected_series", "SeriesDescription", "a series the protocol names", "matches none")]
        return SeriesConformance(uid, None, tuple(problems), measured, (), tuple(not_checked))
    problems, deviations = _attribute_problems(headers, expected, protocol, site)
    if expected.geometry is not None:
        problems += check_geometry(headers, expected.geometry)[0]
    if expected.image is not None:
        image_problems, unmeasured = check_image(expected.image, measured)
        problems += image_problems
        not_checked += unmeasured
    return SeriesConformance(uid, expected.name, tuple(problems), measured, tuple(deviations), tuple(not_checked))


def header_metrics(headers: Sequence[Dataset]) -> Metrics:
    """What the headers alone tell: slice count, slice spacing and coverage along the normal."""
    geometry = slice_geometry(headers)
    return {
        "slices": float(len(headers)),
        "slice_spacing_mm": geometry.spacing_mm if geometry else None,
        "coverage_mm": geometry.coverage_mm if geometry else None,
    }


def _attribute_problems(
    headers: Sequence[Dataset], expected: ExpectedSeries, protocol: AcquisitionProtocol, site: str | None,
) -> tuple[list[Problem], list[AppliedDeviation]]:
    problems: list[Problem] = []
    applied: list[AppliedDeviation] = []
    deviations = protocol.deviations_for(site, expected.name)
    for keyword, rule in expected.attributes.items():
        deviation = deviations.get(keyword)
        if deviation is not None:
            rule = deviation.rule
            approval = deviation.approval
            applied.append(AppliedDeviation(keyword, approval.reference, approval.approved_by,
                                            approval.approved_on.isoformat()))
        problems += check_attribute(keyword, rule, headers)
    return problems, applied


def missing_series(matched: Iterable[str | None], protocol: AcquisitionProtocol) -> tuple[str, ...]:
    """Names of required series that none of the matched names covers, in protocol order."""
    found = set(matched)
    return tuple(s.name for s in protocol.series if s.required and s.name not in found)


def check_study(
    series: Iterable[Sequence[Dataset]], protocol: AcquisitionProtocol, *, site: str | None = None,
) -> StudyConformance:
    """Check every series of a study, and name the required series it lacks."""
    results = tuple(check_series(headers, protocol, site=site) for headers in series)
    return StudyConformance(results, missing_series((r.matched for r in results), protocol))
