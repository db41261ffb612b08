"""Segmentation agreement over a folder of cases: per case and structure, and summarised."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydicom.dataset import Dataset

from imaging_hub.assurance.errors import AssuranceInputError
from imaging_hub.assurance.segmentation.loading import MaskPair, as_seg, image_pairs, paired_segs, seg_pairs
from imaging_hub.masks import agreement


def assess_segmentations(ref_dir: Path, pred_dir: Path, tolerance_mm: float = 2.0) -> dict[str, Any]:
    for folder in (ref_dir, pred_dir):
        if not folder.is_dir():
            raise AssuranceInputError(f"{folder.name}: not a folder")
    if tolerance_mm <= 0:
        raise AssuranceInputError("surface tolerance must be positive")
    has_seg = any(p.suffix.lower() == ".dcm" for p in ref_dir.iterdir())
    pairs = list(seg_pairs(ref_dir, pred_dir) if has_seg else image_pairs(ref_dir, pred_dir))
    if not pairs:
        raise AssuranceInputError(f"{ref_dir.name}: no reference masks (.dcm SEG, .nii, .nii.gz or .npy)")
    return _document(pairs, "DICOM SEG paired by referenced series" if has_seg else "image files paired by name",
                     tolerance_mm)


def assess_seg_outputs(references: Sequence[tuple[str, Dataset]], outputs: Sequence[tuple[str, Dataset]],
                       tolerance_mm: float = 2.0) -> dict[str, Any]:
    """Score an AI tool's own DICOM SEG outputs (e.g. read from the archive) against reference SEGs, paired by
    the series they segment; each is named (a file name, or the output's de-identified SOP instance UID)."""
    if tolerance_mm <= 0:
        raise AssuranceInputError("surface tolerance must be positive")
    if not references:
        raise AssuranceInputError("no reference SEGs to score against")
    if not outputs:
        raise AssuranceInputError("no SEG outputs of the tool to score")
    pairs = list(paired_segs([(n, as_seg(n, d)) for n, d in references], [(n, as_seg(n, d)) for n, d in outputs]))
    return _document(pairs, "the AI tool's DICOM SEG outputs against reference SEGs, paired by referenced series",
                     tolerance_mm)


def _document(pairs: list[MaskPair], source: str, tolerance_mm: float) -> dict[str, Any]:
    cases = [{"case": p.case, "structure": p.structure,
              **agreement(p.reference, p.prediction, tolerance_mm).to_json()} for p in pairs]
    return {
        "source": source,
        "tolerance_mm": tolerance_mm, "cases": cases,
        "summary": {m: _summary([c[m] for c in cases]) for m in ("dice", "hd95_mm", "surface_dice")},
        "method": "SimpleITK: LabelOverlapMeasures Dice; HD95 and surface Dice from Maurer distance maps "
                  "between face-connected contours (HD95 = max of the directed 95th percentiles)",
    }


def _summary(values: list[float | None]) -> dict[str, Any]:
    finite = np.array([v for v in values if v is not None and math.isfinite(v)])
    if len(finite) == 0:
        return {"n": 0, "not_finite": len(values)}
    q1, median, q3 = np.percentile(finite, [25, 50, 75])
    return {"n": len(finite), "mean": float(finite.mean()), "sd": float(finite.std(ddof=1)) if len(finite) > 1 else 0.0,
            "median": float(median), "iqr": [float(q1), float(q3)], "not_finite": len(values) - len(finite)}
