"""Reference and predicted masks from two folders, paired case by case.

NIfTI (.nii, .nii.gz) and numpy (.npy; 1 mm voxels assumed) pair by file name and are assessed per label value
found in either mask. DICOM SEG files pair by the series they segment (ReferencedSeriesSequence) and their
segments by segmented property type; each SEG is placed on the union of both SEGs' extents, since a SEG may
leave out empty frames.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import highdicom as hd
import numpy as np
import pydicom
import SimpleITK as sitk

from imaging_hub.assurance.errors import AssuranceInputError

IMAGE_SUFFIXES = (".nii.gz", ".nii", ".npy")


@dataclass(frozen=True)
class MaskPair:
    case: str
    structure: str
    reference: sitk.Image
    prediction: sitk.Image


def _suffix(path: Path) -> str | None:
    return next((s for s in IMAGE_SUFFIXES if path.name.endswith(s)), None)


def _read_image(path: Path) -> sitk.Image:
    try:
        if path.name.endswith(".npy"):
            return sitk.GetImageFromArray(np.load(path, allow_pickle=False).astype(np.uint16))
        return sitk.ReadImage(str(path))
    except (RuntimeError, ValueError, OSError) as exc:
        raise AssuranceInputError(f"{path.name}: cannot read as a mask ({type(exc).__name__})") from None


def _same_grid(case: str, a: sitk.Image, b: sitk.Image) -> None:
    if a.GetSize() != b.GetSize() or not np.allclose(a.GetSpacing(), b.GetSpacing(), atol=1e-4) \
            or not np.allclose(a.GetOrigin(), b.GetOrigin(), atol=1e-3):
        raise AssuranceInputError(f"{case}: reference and prediction are not on the same voxel grid")


def image_pairs(ref_dir: Path, pred_dir: Path) -> Iterator[MaskPair]:
    for ref_path in sorted(p for p in ref_dir.iterdir() if _suffix(p)):
        pred_path = pred_dir / ref_path.name
        if not pred_path.exists():
            raise AssuranceInputError(f"{ref_path.name}: no prediction of that name in {pred_dir.name}")
        ref, pred = _read_image(ref_path), _read_image(pred_path)
        _same_grid(ref_path.name, ref, pred)
        pred.CopyInformation(ref)
        case = ref_path.name[: -len(_suffix(ref_path) or "")]
        labels = sorted((set(np.unique(sitk.GetArrayViewFromImage(ref)).tolist())
                         | set(np.unique(sitk.GetArrayViewFromImage(pred)).tolist())) - {0})
        for label in labels:
            yield MaskPair(case, f"label {label}", ref == label, pred == label)


def _read_seg(path: Path) -> hd.seg.Segmentation:
    try:
        return hd.seg.segread(path)
    except (pydicom.errors.InvalidDicomError, ValueError, AttributeError, OSError) as exc:
        raise AssuranceInputError(f"{path.name}: not a DICOM SEG ({type(exc).__name__})") from None


def as_seg(name: str, dataset: pydicom.Dataset) -> hd.seg.Segmentation:
    """A SEG read elsewhere (e.g. from the archive) as highdicom's Segmentation, refused clearly if it is not."""
    try:
        return hd.seg.Segmentation.from_dataset(dataset, copy=False)
    except (ValueError, AttributeError, TypeError) as exc:
        raise AssuranceInputError(f"{name}: not a DICOM SEG ({type(exc).__name__})") from None


def _series_of(seg: hd.seg.Segmentation, name: str) -> str:
    try:
        return str(seg.ReferencedSeriesSequence[0].SeriesInstanceUID)
    except (AttributeError, IndexError):
        raise AssuranceInputError(f"{name}: the SEG names no referenced series") from None


def _segments_by_type(seg: hd.seg.Segmentation) -> dict[tuple[str, str], tuple[int, str]]:
    out = {}
    for item in seg.SegmentSequence:
        code = item.SegmentedPropertyTypeCodeSequence[0]
        out[(str(code.CodingSchemeDesignator), str(code.CodeValue))] = (int(item.SegmentNumber),
                                                                        str(item.SegmentLabel))
    return out


def _on_common_grid(ref: hd.Volume, pred: hd.Volume, case: str) -> tuple[hd.Volume, hd.Volume]:
    """Pad the reference to cover both extents, then place the prediction on that grid (no resampling)."""
    try:
        pred = pred.match_orientation(ref)
        start = ref.map_reference_to_indices(np.asarray(pred.position)[None], round_output=True)[0]
        end = start + np.asarray(pred.spatial_shape)
        before = np.maximum(0, -start)
        after = np.maximum(0, end - np.asarray(ref.spatial_shape))
        padded = ref.pad([[int(b), int(a)] for b, a in zip(before, after, strict=True)])
        return padded, pred.match_geometry(padded)
    except (RuntimeError, ValueError) as exc:
        raise AssuranceInputError(f"{case}: the SEGs' frames do not share one voxel grid ({exc})") from None


def seg_pairs(ref_dir: Path, pred_dir: Path) -> Iterator[MaskPair]:
    def read(folder: Path) -> list[tuple[str, hd.seg.Segmentation]]:
        return [(p.name, _read_seg(p)) for p in sorted(p for p in folder.iterdir() if p.suffix.lower() == ".dcm")]

    return paired_segs(read(ref_dir), read(pred_dir))


def paired_segs(references: list[tuple[str, hd.seg.Segmentation]], predictions: list[tuple[str, hd.seg.Segmentation]]
                ) -> Iterator[MaskPair]:
    """Pair named SEGs (from files, or the tool's outputs held in the archive) by the series they segment."""

    def by_series(named: list[tuple[str, hd.seg.Segmentation]]) -> dict[str, tuple[str, hd.seg.Segmentation]]:
        found: dict[str, tuple[str, hd.seg.Segmentation]] = {}
        for name, seg in named:
            series = _series_of(seg, name)
            if series in found:
                raise AssuranceInputError(f"{name} and {found[series][0]} segment the same series")
            found[series] = (name, seg)
        return found

    return _pairs(by_series(references), by_series(predictions))


def _pairs(references: dict[str, tuple[str, hd.seg.Segmentation]],
           predictions: dict[str, tuple[str, hd.seg.Segmentation]]) -> Iterator[MaskPair]:
    for series, (ref_path, ref_seg) in references.items():
        if series not in predictions:
            raise AssuranceInputError(f"{ref_path}: no predicted SEG references its series")
        pred_seg = predictions[series][1]
        ref_segments, pred_segments = _segments_by_type(ref_seg), _segments_by_type(pred_seg)
        if len(ref_segments) == 1 and len(pred_segments) == 1:
            pred_segments = {next(iter(ref_segments)): next(iter(pred_segments.values()))}
        for code, (number, label) in ref_segments.items():
            ref_vol = ref_seg.get_volume(segment_numbers=[number], combine_segments=True, relabel=True)
            if code in pred_segments:
                pred_vol = pred_seg.get_volume(segment_numbers=[pred_segments[code][0]], combine_segments=True,
                                               relabel=True)
                ref_vol, pred_vol = _on_common_grid(ref_vol, pred_vol, ref_path)
            else:  # the tool did not segment this structure: an empty prediction
                pred_vol = ref_vol.with_array(np.zeros(ref_vol.spatial_shape, dtype=np.uint8))
            yield MaskPair(ref_path, label, ref_vol.to_simpleitk(), pred_vol.to_simpleitk())
