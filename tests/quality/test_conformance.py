"""Series with known defects are each reported with the right problem; a conformant series passes."""

from __future__ import annotations

import numpy as np
import pytest
from pydicom.dataset import Dataset
from quality_phantoms import COLUMNS, PROTOCOL, ROWS, disk, magnitude_with_noise, series, set_pixels

from imaging_hub.quality import AcquisitionProtocol, Problem, check_series, check_study, parse_protocol


@pytest.fixture(scope="module")
def protocol() -> AcquisitionProtocol:
    return parse_protocol(PROTOCOL)


def ct_series(slices: int = 10) -> list[Dataset]:
    headers = series("CT", slices)
    rng = np.random.default_rng(7)
    for ds in headers:
        set_pixels(ds, disk(0.0, -1000.0) + rng.normal(0, 10, (ROWS, COLUMNS)))
    return headers


def mr_series(sigma: float = 10.0) -> list[Dataset]:
    headers = series("MR", 8, seed=2)
    rng = np.random.default_rng(8)
    for ds in headers:
        set_pixels(ds, magnitude_with_noise(disk(400.0), sigma, rng))
    return headers


def only(problems: tuple[Problem, ...]) -> Problem:
    assert len(problems) == 1, problems
    return problems[0]


def test_a_conformant_series_passes(protocol: AcquisitionProtocol) -> None:
    for headers, name in ((ct_series(), "CT chest"), (mr_series(), "T1 brain")):
        result = check_series(headers, protocol)
        assert result.matched == name
        assert result.problems == ()
        assert result.conformant
        assert result.not_checked == ()


def test_a_missing_slice_is_found(protocol: AcquisitionProtocol) -> None:
    headers = ct_series()
    del headers[4]  # the fifth slice, at 12.5 mm
    problem = only(check_series(headers, protocol).problems)
    assert (problem.rule, problem.attribute, problem.found) == ("missing_slices", "ImagePositionPatient", "1 missing")
    assert problem.expected == "slices every 2.5 mm"
    assert problem.detail == "gaps at 10 to 15 mm"


def test_a_wrong_slice_thickness_is_found(protocol: AcquisitionProtocol) -> None:
    headers = ct_series()
    for ds in headers:
        ds.SliceThickness = "5"
    problem = only(check_series(headers, protocol).problems)
    assert (problem.rule, problem.attribute, problem.expected, problem.found) == ("max", "SliceThickness", "<= 3", "5")
    assert problem.instances == len(headers)


def test_a_wrong_kvp_is_found_on_the_one_instance(protocol: AcquisitionProtocol) -> None:
    headers = ct_series()
    headers[3].KVP = "140"
    problem = only(check_series(headers, protocol).problems)
    assert (problem.rule, problem.attribute, problem.expected, problem.found) == (
        "one_of", "KVP", "one of 100, 120", "140")
    assert problem.instances == 1


def test_noise_that_drops_snr_below_the_minimum_is_found(protocol: AcquisitionProtocol) -> None:
    result = check_series(mr_series(sigma=40.0), protocol)
    problem = only(result.problems)
    assert (problem.rule, problem.attribute, problem.expected) == ("min_snr", "snr", ">= 20")
    assert float(problem.found) == pytest.approx(10.0, rel=0.1)


def test_inconsistent_orientation_is_found(protocol: AcquisitionProtocol) -> None:
    headers = ct_series()
    headers[6].ImageOrientationPatient = [1.0, 0.0, 0.0, 0.0, 0.9848, -0.1736]  # tilted 10 degrees
    problems = {p.rule: p for p in check_series(headers, protocol).problems}
    orientation = problems["orientation"]
    assert orientation.attribute == "ImageOrientationPatient" and orientation.instances == 1
    assert orientation.found == "1\\0\\0\\0\\0.9848\\-0.1736"


def test_inconsistent_pixel_spacing_is_found(protocol: AcquisitionProtocol) -> None:
    headers = ct_series()
    headers[2].PixelSpacing = [0.8, 0.8]
    problem = only(check_series(headers, protocol).problems)
    assert (problem.rule, problem.attribute, problem.instances) == ("pixel_spacing", "PixelSpacing", 1)


def test_pixel_spacing_rules_apply_per_component(protocol: AcquisitionProtocol) -> None:
    headers = ct_series()
    for ds in headers:
        ds.PixelSpacing = [0.7, 1.2]
    problem = only(check_series(headers, protocol).problems)
    assert (problem.rule, problem.attribute, problem.found) == ("max", "PixelSpacing", "1.2")
    one_component = parse_protocol(PROTOCOL.replace("PixelSpacing = { max = 1.0 }",
                                                    "PixelSpacing = { max = 1.0, component = 0 }"))
    assert check_series(headers, one_component).conformant


def test_presence_rules(protocol: AcquisitionProtocol) -> None:
    headers = ct_series()
    for ds in headers:
        del ds.ConvolutionKernel
        ds.ContrastBolusAgent = "IOHEXOL"
    problems = {p.attribute: p for p in check_series(headers, protocol).problems}
    assert (problems["ConvolutionKernel"].rule, problems["ConvolutionKernel"].found) == ("present", "absent")
    assert (problems["ContrastBolusAgent"].expected, problems["ContrastBolusAgent"].found) == ("absent", "present")


def test_identifying_values_are_never_quoted() -> None:
    protocol = parse_protocol(PROTOCOL.replace("KVP = {", 'ProtocolName = { equals = "CHEST ROUTINE" }\nKVP = {'))
    problem = only(check_series(ct_series(), protocol).problems)
    assert problem.attribute == "ProtocolName" and problem.found == "withheld (identifying attribute)"


def test_a_missing_required_series_is_named(protocol: AcquisitionProtocol) -> None:
    study = check_study([ct_series()], protocol)
    assert study.missing == ("T1 brain",)
    assert not study.conformant
    assert check_study([ct_series(), mr_series()], protocol).missing == ()


def test_a_series_the_protocol_does_not_name_is_not_matched(protocol: AcquisitionProtocol) -> None:
    headers = series("CT", 3, description="CT ABDOMEN")
    result = check_series(headers, protocol)
    assert result.matched is None and result.conformant
    strict = parse_protocol(PROTOCOL.replace('version = "1.2"', 'version = "1.2"\nunexpected_series = "problem"'))
    assert only(check_series(headers, strict).problems).rule == "unexpected_series"


def test_an_approved_site_deviation_replaces_the_rule_for_that_site_only(protocol: AcquisitionProtocol) -> None:
    headers = ct_series()
    for ds in headers:
        ds.SliceThickness = "5"
    at_deviating_site = check_series(headers, protocol, site="RY2")
    assert at_deviating_site.conformant
    (applied,) = at_deviating_site.deviations
    assert (applied.attribute, applied.reference, applied.approved_on) == ("SliceThickness", "DEV-007", "2024-02-01")
    assert not check_series(headers, protocol).conformant  # the headers say site RX1


def test_headers_without_pixels_are_checked_and_image_rules_listed_as_not_checked(
        protocol: AcquisitionProtocol) -> None:
    headers = ct_series()
    for ds in headers:
        del ds.PixelData
    result = check_series(headers, protocol)
    assert result.conformant
    assert set(result.not_checked) == {"min_snr", "max_ct_air_error_hu", "max_ct_water_error_hu"}
    assert result.metrics["coverage_mm"] == pytest.approx(25.0)
