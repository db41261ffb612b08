"""Uniformity in the central region: ACR/NEMA percent integral uniformity, and for CT the spread in HU.

Local means over about 1 cm squared (ACR's small ROIs) are taken inside the central region; PIU =
100 x (1 - (max - min) / (max + min)). CT values sit around 0 HU, where PIU means nothing, so CT reports the
difference between the highest and lowest local mean in HU instead.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from imaging_hub.quality.body_mask import Regions
from imaging_hub.quality.results import Metrics
from imaging_hub.quality.volume import Volume

_SMALL_ROI_MM = 10.0


def uniformity(volume: Volume, regions: Regions) -> Metrics:
    size = max(3, round(_SMALL_ROI_MM / min(volume.pixel_spacing_mm)))
    highs: list[float] = []
    lows: list[float] = []
    for z in range(volume.values.shape[0]):
        # The local mean's window must lie inside the region, so only its centres far enough in are used.
        inner = ndimage.binary_erosion(regions.central[z], iterations=size // 2)
        if not inner.any():
            continue
        local = ndimage.uniform_filter(volume.values[z], size=size)[inner]
        highs.append(float(local.max()))
        lows.append(float(local.min()))
    if not highs:
        return {"uniformity_percent": None, "ct_uniformity_hu": None}
    high, low = float(np.median(highs)), float(np.median(lows))
    if volume.modality == "CT":
        return {"uniformity_percent": None, "ct_uniformity_hu": high - low}
    piu = 100.0 * (1.0 - (high - low) / (high + low)) if high + low > 0 else None
    return {"uniformity_percent": piu, "ct_uniformity_hu": None}
