"""All image QC metrics of one series from its pixels."""

from __future__ import annotations

from collections.abc import Sequence

from pydicom.dataset import Dataset

from imaging_hub.quality.body_mask import regions
from imaging_hub.quality.ct_numbers import ct_numbers
from imaging_hub.quality.ghosting import ghosting
from imaging_hub.quality.noise import signal_and_noise
from imaging_hub.quality.results import Metrics
from imaging_hub.quality.sharpness import sharpness
from imaging_hub.quality.uniformity import uniformity
from imaging_hub.quality.volume import Volume, series_volume

IMAGE_METRICS = ("signal_mean", "background_mean", "noise_sd", "snr", "cnr", "uniformity_percent",
                 "ct_uniformity_hu", "ghosting_ratio", "ct_air_hu", "ct_water_hu", "laplacian_variance")


def measure_series(headers: Sequence[Dataset]) -> Metrics:
    """Metrics of a series whose instances carry pixel data (PixelsError otherwise)."""
    return measure_volume(series_volume(headers))


def measure_volume(volume: Volume) -> Metrics:
    found = regions(volume)
    metrics: Metrics = {}
    metrics.update(signal_and_noise(volume, found))
    metrics.update(uniformity(volume, found))
    metrics.update(ghosting(volume, found, metrics["signal_mean"]))
    metrics.update(ct_numbers(volume, found))
    metrics.update(sharpness(volume, found))
    return metrics
