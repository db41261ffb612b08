"""Blur as the variance of the Laplacian over the object and its edge: the lower, the blurrier."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from imaging_hub.quality.body_mask import Regions
from imaging_hub.quality.results import Metrics
from imaging_hub.quality.volume import Volume


def sharpness(volume: Volume, regions: Regions) -> Metrics:
    per_slice: list[float] = []
    for z in range(volume.values.shape[0]):
        around = ndimage.binary_dilation(regions.body[z], iterations=2)
        if around.any():
            per_slice.append(float(ndimage.laplace(volume.values[z])[around].var()))
    return {"laplacian_variance": float(np.median(per_slice)) if per_slice else None}
