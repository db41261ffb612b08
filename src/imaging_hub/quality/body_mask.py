"""The automatic body (or phantom) mask and the regions the metrics are measured in."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from skimage.filters import threshold_otsu

from imaging_hub.quality.volume import Volume


@dataclass(frozen=True)
class Regions:
    body: np.ndarray  # (slices, rows, columns) bool: the object, holes filled, largest piece per slice
    central: np.ndarray  # a disc at the centre of the body covering about half its area, inside the body
    background: np.ndarray  # away from the body by a margin, inside the reconstructed field


def regions(volume: Volume) -> Regions:
    """Otsu's threshold over the whole series, cleaned per slice (opening, filled holes, largest component)."""
    values = volume.values
    usable = volume.valid
    threshold = threshold_otsu(values[usable]) if np.any(usable) else 0.0
    rough = (values > threshold) & usable
    body = np.zeros_like(rough)
    central = np.zeros_like(rough)
    background = np.zeros_like(rough)
    margin = max(3, round(0.05 * min(values.shape[1:])))
    for z in range(values.shape[0]):
        piece = _largest(ndimage.binary_fill_holes(ndimage.binary_opening(rough[z], iterations=2)))
        body[z] = piece
        central[z] = _central_disc(piece)
        background[z] = ~ndimage.binary_dilation(piece, iterations=margin) & usable[z]
    return Regions(body, central, background)


def _largest(mask: np.ndarray) -> np.ndarray:
    labels, count = ndimage.label(mask)
    if count <= 1:
        return mask.astype(bool)
    sizes = ndimage.sum_labels(mask, labels, index=np.arange(1, count + 1))
    return np.asarray(labels == (int(np.argmax(sizes)) + 1))


def _central_disc(body: np.ndarray) -> np.ndarray:
    area = int(body.sum())
    if area == 0:
        return body
    cy, cx = ndimage.center_of_mass(body)
    radius = np.sqrt(0.5 * area / np.pi)  # half the body's area, as ACR's large ROI is most of the phantom
    y, x = np.ogrid[:body.shape[0], :body.shape[1]]
    return np.asarray(((y - cy) ** 2 + (x - cx) ** 2 <= radius**2) & ndimage.binary_erosion(body, iterations=2))
