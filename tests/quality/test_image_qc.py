"""QC metrics on synthetic phantoms match values known from how the phantoms were made."""

from __future__ import annotations

import numpy as np
import pytest
from pydicom.dataset import Dataset
from quality_phantoms import COLUMNS, RADIUS, ROWS, disk, magnitude_with_noise, series, set_pixels
from scipy import ndimage

from imaging_hub.quality import PixelsError, header_metrics, measure_series


def mr(images: list[np.ndarray], phase: str = "COL") -> list[Dataset]:
    headers = series("MR", len(images), seed=3)
    for ds, image in zip(headers, images, strict=True):
        set_pixels(ds, image)
        ds.InPlanePhaseEncodingDirection = phase
    return headers


def test_mr_snr_is_mean_over_sigma_with_rayleigh_background() -> None:
    rng = np.random.default_rng(11)
    mean, sigma = 400.0, 10.0
    metrics = measure_series(mr([magnitude_with_noise(disk(mean), sigma, rng) for _ in range(6)]))
    assert metrics["snr"] == pytest.approx(mean / sigma, rel=0.05)
    assert metrics["noise_sd"] == pytest.approx(sigma, rel=0.05)
    # The air's mean is sigma * sqrt(pi / 2) for Rayleigh noise.
    background = sigma * np.sqrt(np.pi / 2)
    assert metrics["background_mean"] == pytest.approx(background, rel=0.05)
    assert metrics["cnr"] == pytest.approx((mean - background) / sigma, rel=0.05)


def test_ct_numbers_noise_and_snr_on_a_water_phantom_in_air() -> None:
    rng = np.random.default_rng(12)
    headers = series("CT", 6)
    for ds in headers:
        set_pixels(ds, disk(0.0, -1000.0) + rng.normal(0, 12, (ROWS, COLUMNS)))
    metrics = measure_series(headers)
    assert metrics["ct_water_hu"] == pytest.approx(0.0, abs=1.0)
    assert metrics["ct_air_hu"] == pytest.approx(-1000.0, abs=1.0)
    assert metrics["noise_sd"] == pytest.approx(12.0, rel=0.05)
    assert metrics["snr"] == pytest.approx(1000.0 / 12.0, rel=0.05)
    assert metrics["uniformity_percent"] is None and metrics["ct_uniformity_hu"] is not None


def test_the_rescale_is_applied_before_ct_numbers() -> None:
    headers = series("CT", 3)
    for ds in headers:
        ds.RescaleIntercept = "-1000"
        ds.RescaleSlope = "2"
        ds.PixelData = np.rint(disk(500.0, 0.0)).astype(np.uint16).tobytes()  # stored: water 500, air 0
    metrics = measure_series(headers)
    assert metrics["ct_water_hu"] == pytest.approx(0.0, abs=0.01)
    assert metrics["ct_air_hu"] == pytest.approx(-1000.0, abs=0.01)


def test_uniformity_falls_with_a_shading_gradient_as_predicted() -> None:
    rng = np.random.default_rng(13)
    flat = measure_series(mr([magnitude_with_noise(disk(400.0), 5, rng) for _ in range(4)]))
    x = np.arange(COLUMNS)[np.newaxis, :] - COLUMNS / 2
    gradient = 0.2  # +-20 % across the disk's radius
    shaded = disk(400.0) * (1 + gradient * x / RADIUS)
    ramp = measure_series(mr([magnitude_with_noise(shaded, 5, rng) for _ in range(4)]))
    # The local means lie within the central disc (radius sqrt(1/2) x the disk's, less 2 px eroded), less
    # half the 1 cm window (0.7 mm pixels: 14 px), so the ramp spans +-gradient x reach / radius.
    reach = np.sqrt(0.5) * RADIUS - 2 - 7
    expected = 100 * (1 - gradient * reach / RADIUS)
    assert flat["uniformity_percent"] > 99.0
    assert ramp["uniformity_percent"] == pytest.approx(expected, abs=1.0)


def test_ghosting_along_the_phase_encode_direction() -> None:
    rng = np.random.default_rng(14)
    clean = [magnitude_with_noise(disk(400.0), 5, rng) for _ in range(4)]
    ghosted = [magnitude_with_noise(disk(400.0) + 0.1 * np.roll(disk(400.0), ROWS // 2, axis=0), 5, rng)
               for _ in range(4)]
    assert abs(measure_series(mr(clean))["ghosting_ratio"]) < 0.005
    along_columns = measure_series(mr(ghosted, phase="COL"))["ghosting_ratio"]
    assert along_columns > 0.02
    # The same ghost, read as if the phase were encoded along the rows, sits on the frequency axis.
    assert measure_series(mr(ghosted, phase="ROW"))["ghosting_ratio"] == pytest.approx(-along_columns)


def test_blur_lowers_the_variance_of_the_laplacian() -> None:
    rng = np.random.default_rng(15)
    sharp = [disk(400.0) + rng.normal(0, 2, (ROWS, COLUMNS)) for _ in range(3)]
    blurred = [ndimage.gaussian_filter(image, 2.0) for image in sharp]
    sharp_value = measure_series(mr(sharp))["laplacian_variance"]
    blurred_value = measure_series(mr(blurred))["laplacian_variance"]
    # The metric is the Laplacian's variance near the object: computed here directly for the sharp phantom.
    body = ndimage.binary_dilation(disk(1.0) > 0, iterations=2)
    direct = np.median([ndimage.laplace(np.rint(image))[body].var() for image in sharp])
    assert sharp_value == pytest.approx(direct, rel=0.1)
    assert blurred_value < sharp_value / 10


def test_slice_coverage_from_the_positions() -> None:
    headers = series("CT", 12)
    for ds in headers:
        set_pixels(ds, disk(0.0, -1000.0))
    assert header_metrics(headers)["coverage_mm"] == pytest.approx(12 * 2.5)


def test_series_without_pixels_cannot_be_measured() -> None:
    headers = series("CT", 2)
    del headers[0].PixelData
    with pytest.raises(PixelsError, match="without pixel data"):
        measure_series(headers)
