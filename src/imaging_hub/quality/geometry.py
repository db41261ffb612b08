"""Where the slices of a series lie: positions projected on the slice normal, gaps, orientation, spacing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pydicom.dataset import Dataset

from imaging_hub.quality.protocol import GeometryRules
from imaging_hub.quality.results import Problem
from imaging_hub.quality.values import as_number


@dataclass(frozen=True)
class SliceGeometry:
    normal: np.ndarray
    positions_mm: np.ndarray  # sorted projections of ImagePositionPatient on the normal
    spacing_mm: float | None  # the expected distance between slices

    @property
    def coverage_mm(self) -> float:
        """Extent along the normal: first to last slice centre, plus one spacing for the slices' own width."""
        if len(self.positions_mm) == 0:
            return 0.0
        extent = float(self.positions_mm[-1] - self.positions_mm[0])
        return extent + (self.spacing_mm or 0.0)


def _vector(ds: Dataset, keyword: str, length: int) -> np.ndarray | None:
    value = ds.get(keyword)
    if value is None:
        return None
    numbers = [as_number(v) for v in value]
    if len(numbers) != length or any(n is None for n in numbers):
        return None
    return np.array(numbers, dtype=float)


def slice_geometry(headers: Sequence[Dataset]) -> SliceGeometry | None:
    """The series' geometry from its first orientation; None when positions or orientation are missing."""
    orientation = _vector(headers[0], "ImageOrientationPatient", 6)
    positions = [_vector(ds, "ImagePositionPatient", 3) for ds in headers]
    if orientation is None or any(p is None for p in positions):
        return None
    normal = np.cross(orientation[:3], orientation[3:])
    projected = np.sort(np.array([float(np.dot(p, normal)) for p in positions if p is not None]))
    return SliceGeometry(normal, projected, _expected_spacing(headers, projected))


def _expected_spacing(headers: Sequence[Dataset], positions: np.ndarray) -> float | None:
    """SpacingBetweenSlices when every instance states the same one; else the median step between slices."""
    stated = {as_number(ds.get("SpacingBetweenSlices")) for ds in headers}
    if len(stated) == 1 and (value := stated.pop()) is not None and value > 0:
        return value
    steps = np.diff(positions)
    steps = steps[steps > 1e-6]
    return float(np.median(steps)) if len(steps) else None


def check_geometry(headers: Sequence[Dataset], rules: GeometryRules) -> tuple[list[Problem], SliceGeometry | None]:
    problems: list[Problem] = []
    geometry = slice_geometry(headers)
    if geometry is None:
        problems.append(Problem("geometry", "ImagePositionPatient", "present on every instance, with "
                                "ImageOrientationPatient", "absent or malformed"))
        return problems, None
    if rules.consistent_orientation:
        problems += _differing(headers, "ImageOrientationPatient", 6, rules.orientation_tolerance, "orientation")
    if rules.consistent_pixel_spacing:
        problems += _differing(headers, "PixelSpacing", 2, rules.pixel_spacing_tolerance_mm, "pixel_spacing")
    if rules.no_missing_slices and geometry.spacing_mm is not None:
        problems += _gaps(geometry, rules.spacing_tolerance)
    return problems, geometry


def _differing(headers: Sequence[Dataset], keyword: str, length: int, tolerance: float, rule: str) -> list[Problem]:
    first = _vector(headers[0], keyword, length)
    if first is None:
        return [Problem(rule, keyword, "present", "absent or malformed", instances=1)]
    differing = [v for v in (_vector(ds, keyword, length) for ds in headers[1:])
                 if v is None or float(np.max(np.abs(v - first))) > tolerance]
    if not differing:
        return []
    example = next((v for v in differing if v is not None), None)
    found = "absent or malformed" if example is None else "\\".join(f"{x:g}" for x in example)
    return [Problem(rule, keyword, "\\".join(f"{x:g}" for x in first) + f" on every instance (±{tolerance:g})",
                    found, instances=len(differing))]


def _gaps(geometry: SliceGeometry, tolerance: float) -> list[Problem]:
    spacing = geometry.spacing_mm
    assert spacing is not None
    steps = np.diff(geometry.positions_mm)
    problems: list[Problem] = []
    wide = np.nonzero(steps > spacing * (1 + tolerance))[0]
    if len(wide):
        missing = int(sum(round(float(steps[i]) / spacing) - 1 for i in wide))
        where = ", ".join(f"{geometry.positions_mm[i]:g} to {geometry.positions_mm[i + 1]:g} mm" for i in wide[:5])
        problems.append(Problem("missing_slices", "ImagePositionPatient", f"slices every {spacing:g} mm",
                                f"{max(missing, 1)} missing", instances=len(wide), detail=f"gaps at {where}"))
    duplicates = int(np.count_nonzero(steps <= spacing * tolerance))
    if duplicates:
        problems.append(Problem("duplicate_slices", "ImagePositionPatient", "one slice per position",
                                f"{duplicates} at a position already taken", instances=duplicates))
    uneven = np.nonzero((steps > spacing * tolerance) & (steps < spacing * (1 - tolerance)))[0]
    if len(uneven):
        problems.append(Problem("uneven_spacing", "ImagePositionPatient", f"slices every {spacing:g} mm",
                                ", ".join(f"{steps[i]:g} mm" for i in uneven[:5]), instances=len(uneven)))
    return problems
