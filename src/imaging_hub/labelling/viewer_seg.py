"""A SEG a reader stored themselves (drawn in the viewer, saved by STOW): checked before it is filed as a label.

It must be a Segmentation Storage object highdicom can read, of the study it is filed under, referencing a
series of that study, with at least one labelled segment; the labels are what the task's schema is matched on.
"""

from __future__ import annotations

import highdicom as hd
from pydicom.dataset import Dataset
from pydicom.uid import SegmentationStorage

from imaging_hub.labelling.errors import LabellingError


def segment_labels(seg: Dataset, study_uid: str) -> tuple[str, ...]:
    if str(seg.get("SOPClassUID", "")) != SegmentationStorage:
        raise LabellingError("not a Segmentation Storage object")
    if str(seg.get("StudyInstanceUID", "")) != study_uid:
        raise LabellingError("the segmentation belongs to another study")
    referenced = seg.get("ReferencedSeriesSequence") or []
    if not referenced:
        raise LabellingError("the segmentation references no source series")
    try:
        parsed = hd.seg.Segmentation.from_dataset(seg, copy=False)
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        raise LabellingError(f"highdicom cannot read the segmentation ({type(exc).__name__})") from None
    labels = tuple(str(item.SegmentLabel) for item in parsed.SegmentSequence)
    if not labels:
        raise LabellingError("the segmentation has no segments")
    return labels
