"""A series' pixels as one volume in modality units (rescale slope and intercept applied), slices in order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pydicom.dataset import Dataset
from pydicom.pixels import apply_rescale

from imaging_hub.errors import ImagingHubError
from imaging_hub.quality.values import as_number


class PixelsError(ImagingHubError, ValueError):
    """The series' pixels cannot form one volume (no pixels, differing sizes, undecodable)."""


@dataclass(frozen=True)
class Volume:
    values: np.ndarray  # (slices, rows, columns), float64, modality units (HU for CT)
    valid: np.ndarray  # False where the scanner padded outside the reconstructed field (PixelPaddingValue)
    pixel_spacing_mm: tuple[float, float]  # between rows, between columns
    modality: str
    phase_encoding: str | None  # InPlanePhaseEncodingDirection: "ROW" or "COL"


def series_volume(headers: Sequence[Dataset]) -> Volume:
    """The volume of single- or multi-frame instances, sorted by their position along the slice normal."""
    if not headers or any("PixelData" not in ds for ds in headers):
        raise PixelsError("the series has instances without pixel data")
    ordered = sorted(headers, key=_slice_key)
    slices: list[np.ndarray] = []
    valid: list[np.ndarray] = []
    for ds in ordered:
        try:
            raw = ds.pixel_array
        except Exception as exc:  # pydicom raises many kinds for undecodable pixel data
            raise PixelsError(f"instance {ds.get('InstanceNumber', '?')}: pixels cannot be decoded: {exc}") from exc
        frames = raw if int(ds.get("NumberOfFrames", 1) or 1) > 1 else raw[np.newaxis]
        if frames.ndim != 3:
            raise PixelsError("only single-channel (greyscale) images are measured")
        padding = ds.get("PixelPaddingValue")
        valid.append(np.ones(frames.shape, bool) if padding is None else frames != padding)
        slices.append(np.asarray(apply_rescale(frames, ds), dtype=np.float64))
    if len({s.shape[1:] for s in slices}) > 1:
        raise PixelsError("the instances differ in rows and columns")
    spacing = [as_number(v) for v in ordered[0].get("PixelSpacing", [1, 1])]
    rows_mm, cols_mm = (s if s else 1.0 for s in spacing[:2]) if len(spacing) >= 2 else (1.0, 1.0)
    phase = ordered[0].get("InPlanePhaseEncodingDirection")
    return Volume(np.concatenate(slices), np.concatenate(valid), (float(rows_mm), float(cols_mm)),
                  str(ordered[0].get("Modality", "")).upper(), str(phase).upper() if phase else None)


def _slice_key(ds: Dataset) -> tuple[float, float]:
    position, orientation = ds.get("ImagePositionPatient"), ds.get("ImageOrientationPatient")
    if position is not None and orientation is not None and len(position) == 3 and len(orientation) == 6:
        o = np.array([float(v) for v in orientation])
        return float(np.dot(np.array([float(v) for v in position]), np.cross(o[:3], o[3:]))), 0.0
    return 0.0, float(as_number(ds.get("InstanceNumber")) or 0)
