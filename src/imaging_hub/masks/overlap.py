"""Agreement between two binary masks (a prediction and a reference, or two readers): Dice, HD95, surface Dice.

SimpleITK rather than MONAI: MONAI's metrics need torch (hundreds of MB) for three formulas, while SimpleITK is
one wheel and reads NIfTI itself. Dice from LabelOverlapMeasuresImageFilter. Surfaces are the masks' face-connected
contour voxels (LabelContour); distances from one surface to the other are read off the unsigned Maurer
distance map of the other contour, in millimetres. HD95 follows MONAI's convention: the larger of the two directed 95th
percentiles. Surface Dice (Nikolov et al.) counts surface voxels within the tolerance of the other surface.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import SimpleITK as sitk
from numpy.typing import NDArray

# ITK's distance maps are float32: a distance equal to the tolerance may come back a few micrometres over it.
FLOAT32_SLACK_MM = 1e-4


@dataclass(frozen=True)
class Agreement:
    dice: float
    hd95: float  # mm; inf when exactly one mask is empty
    surface_dice: float
    reference_voxels: int
    predicted_voxels: int

    def to_json(self) -> dict[str, Any]:
        return {"dice": self.dice, "hd95_mm": self.hd95 if math.isfinite(self.hd95) else None,
                "surface_dice": self.surface_dice, "reference_voxels": self.reference_voxels,
                "predicted_voxels": self.predicted_voxels}


def _contour(mask: sitk.Image) -> sitk.Image:
    return sitk.LabelContour(mask, fullyConnected=False)


def _surface_distances(source: sitk.Image, target: sitk.Image) -> NDArray[np.float64]:
    """Distance (mm) from each contour voxel of ``source`` to the nearest contour voxel of ``target``.

    The distance map is taken of the target's contour, not of its mask: inside a mask, ITK's Maurer map measures
    to its own notion of the boundary, which can be a voxel diagonal away from the contour voxels.
    """
    distance = sitk.Abs(sitk.SignedMaurerDistanceMap(_contour(target), insideIsPositive=False,
                                                      squaredDistance=False, useImageSpacing=True))
    # Copies, not views: a view of a temporary image outlives the image's memory.
    on_contour = sitk.GetArrayFromImage(_contour(source)) > 0
    return np.asarray(sitk.GetArrayFromImage(distance)[on_contour], dtype=float)


def agreement(reference: sitk.Image, prediction: sitk.Image, tolerance_mm: float) -> Agreement:
    """Both images binary (non-zero is foreground) on the same grid."""
    # One background voxel around the grid closes a mask that touches its edge (a SEG may omit empty frames), so
    # its face on the edge counts as surface.
    ref = sitk.ConstantPad(sitk.Cast(reference != 0, sitk.sitkUInt8), [1, 1, 1], [1, 1, 1], 0)
    pred = sitk.ConstantPad(sitk.Cast(prediction != 0, sitk.sitkUInt8), [1, 1, 1], [1, 1, 1], 0)
    n_ref = int(sitk.GetArrayViewFromImage(ref).sum())
    n_pred = int(sitk.GetArrayViewFromImage(pred).sum())
    if n_ref == 0 or n_pred == 0:
        same = n_ref == n_pred  # both empty: the prediction agrees perfectly
        return Agreement(1.0 if same else 0.0, 0.0 if same else math.inf, 1.0 if same else 0.0, n_ref, n_pred)
    overlap = sitk.LabelOverlapMeasuresImageFilter()
    overlap.Execute(ref, pred)
    pred_to_ref = _surface_distances(pred, ref)
    ref_to_pred = _surface_distances(ref, pred)
    hd95 = max(float(np.percentile(pred_to_ref, 95)), float(np.percentile(ref_to_pred, 95)))
    slack = tolerance_mm + FLOAT32_SLACK_MM
    within = int((pred_to_ref <= slack).sum() + (ref_to_pred <= slack).sum())
    return Agreement(float(overlap.GetDiceCoefficient()), hd95, within / (len(pred_to_ref) + len(ref_to_pred)),
                     n_ref, n_pred)
