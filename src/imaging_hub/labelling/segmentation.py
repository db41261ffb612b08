"""Agreement between readers' segmentations: pairwise Dice and HD95, and a STAPLE consensus mask (SimpleITK).

Masks are binary arrays on the source series' grid (frames, rows, columns), with the voxel spacing in mm as
(between frames, row spacing, column spacing); the pairwise measures come from ``imaging_hub.masks``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import SimpleITK as sitk
from numpy.typing import NDArray

from imaging_hub.labelling.errors import LabellingError
from imaging_hub.masks import Agreement, agreement

DEFAULT_TOLERANCE_MM = 2.0


@dataclass(frozen=True)
class PairAgreement:
    first: str
    second: str
    agreement: Agreement

    def to_json(self) -> dict[str, Any]:
        return {"readers": [self.first, self.second], **self.agreement.to_json()}


def _image(mask: NDArray[np.generic], spacing: Sequence[float]) -> sitk.Image:
    image = sitk.GetImageFromArray((np.asarray(mask) > 0).astype(np.uint8))
    image.SetSpacing([float(s) for s in reversed(spacing)])  # SimpleITK orders x, y, z
    return image


def _checked(masks: Mapping[str, NDArray[np.generic]], spacing: Sequence[float], least: int) -> None:
    if len(masks) < least:
        raise LabellingError(f"segmentation agreement: needs at least {least} readers' masks")
    shapes = {np.asarray(m).shape for m in masks.values()}
    if len(shapes) != 1 or len(next(iter(shapes))) != 3:
        raise LabellingError("segmentation agreement: the masks must be 3-D and of one shape (the series' grid)")
    if len(spacing) != 3 or any(not s > 0 for s in spacing):
        raise LabellingError("segmentation agreement: spacing is three positive millimetre values")


def pairwise(masks: Mapping[str, NDArray[np.generic]], spacing: Sequence[float],
             tolerance_mm: float = DEFAULT_TOLERANCE_MM) -> list[PairAgreement]:
    """Dice, HD95 and surface Dice for every pair of readers (HD95 is symmetric, so each pair once)."""
    _checked(masks, spacing, 2)
    images = {reader: _image(m, spacing) for reader, m in masks.items()}
    return [PairAgreement(a, b, agreement(images[a], images[b], tolerance_mm))
            for a, b in itertools.combinations(sorted(images), 2)]


@dataclass(frozen=True)
class Consensus:
    mask: NDArray[np.uint8]  # STAPLE probability >= 0.5
    probability: NDArray[np.float64]
    sensitivity: Mapping[str, float]  # per reader, STAPLE's estimate
    specificity: Mapping[str, float]


def staple(masks: Mapping[str, NDArray[np.generic]], spacing: Sequence[float] = (1.0, 1.0, 1.0)) -> Consensus:
    _checked(masks, spacing, 2)
    readers = sorted(masks)
    staple_filter = sitk.STAPLEImageFilter()
    staple_filter.SetForegroundValue(1.0)
    probability = staple_filter.Execute([_image(masks[r], spacing) for r in readers])
    p = sitk.GetArrayFromImage(probability).astype(float)
    return Consensus((p >= 0.5).astype(np.uint8), p,
                     dict(zip(readers, staple_filter.GetSensitivity(), strict=True)),
                     dict(zip(readers, staple_filter.GetSpecificity(), strict=True)))
