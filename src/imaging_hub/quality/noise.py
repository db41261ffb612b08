"""SNR and CNR from the body mask's foreground and the background around it.

MR magnitude images: the noise in air is Rayleigh-distributed, so sigma = background SD / 0.655 (NEMA MS 1,
the single-image background method), and SNR = mean signal / sigma.
Other modalities (CT): the background is not at zero and CT noise is measured in the object, so sigma = SD in
the central region and SNR = (mean signal - mean background) / sigma; for CT this equals CNR.
CNR = (mean signal - mean background) / sigma throughout.
"""

from __future__ import annotations

import numpy as np

from imaging_hub.quality.body_mask import Regions
from imaging_hub.quality.results import Metrics
from imaging_hub.quality.volume import Volume

RAYLEIGH_SD_FACTOR = 0.655  # SD of the magnitude of complex Gaussian noise, in units of its sigma
_MIN_PIXELS = 50


def signal_and_noise(volume: Volume, regions: Regions) -> Metrics:
    values = volume.values
    signal = _per_slice(values, regions.central, np.mean)
    background = _per_slice(values, regions.background, np.mean)
    if signal is None or background is None:
        return {"signal_mean": signal, "background_mean": background, "noise_sd": None, "snr": None, "cnr": None}
    if volume.modality == "MR":
        background_sd = _per_slice(values, regions.background, np.std)
        sigma = background_sd / RAYLEIGH_SD_FACTOR if background_sd is not None else None
        snr = signal / sigma if sigma else None
    else:
        sigma = _per_slice(values, regions.central, np.std)
        snr = (signal - background) / sigma if sigma else None
    cnr = (signal - background) / sigma if sigma else None
    return {"signal_mean": signal, "background_mean": background, "noise_sd": sigma, "snr": snr, "cnr": cnr}


def _per_slice(values: np.ndarray, region: np.ndarray, statistic: object) -> float | None:
    """The median over slices of a statistic in the region, so one odd slice does not decide it."""
    per_slice = [float(statistic(values[z][region[z]]))  # type: ignore[operator]
                 for z in range(values.shape[0]) if int(region[z].sum()) >= _MIN_PIXELS]
    return float(np.median(per_slice)) if per_slice else None
