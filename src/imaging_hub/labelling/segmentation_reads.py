"""Reader agreement on a task's segmentations: for every study two or more readers segmented, pairwise Dice and
HD95 per segment label of the schema, on the grid of the source series the SEGs reference.

The room does not read the archive; the caller hands it ``load`` (SOP Instance UID -> the archived dataset, or
None) and ``series`` (study, series -> that series' image datasets), both from the archive it governs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydicom.dataset import Dataset
from pydicom.uid import SegmentationStorage

from imaging_hub.labelling.dicom_seg import segment_mask
from imaging_hub.labelling.errors import LabellingError
from imaging_hub.labelling.model import Read, Task
from imaging_hub.labelling.segmentation import pairwise

Load = Callable[[str], Dataset | None]
SeriesImages = Callable[[str, str], list[Dataset]]


def _spacing(image: Dataset) -> tuple[float, float, float]:
    rows, columns = (float(v) for v in image.get("PixelSpacing", [1.0, 1.0]))
    between = float(image.get("SpacingBetweenSlices", image.get("SliceThickness", 1.0)) or 1.0)
    return (between, rows, columns)


def _source_series(seg: Dataset) -> str:
    return str(seg.ReferencedSeriesSequence[0].SeriesInstanceUID)


def study_segmentations(
    task: Task, study_uid: str, reads: Sequence[Read], load: Load, series: SeriesImages
) -> list[dict[str, Any]]:
    """Pairwise agreement per segment label for one study (readers' reads only, their latest SEG each)."""
    segs: dict[str, Dataset] = {}
    for r in reads:
        if r.role != "reader" or r.study_uid != study_uid:
            continue
        for uid in r.label_uids:
            ds = load(uid)
            if ds is not None and str(ds.get("SOPClassUID", "")) == SegmentationStorage:
                segs[r.reader] = ds
    if len(segs) < 2:
        return []
    grids = {_source_series(ds) for ds in segs.values()}
    if len(grids) != 1:
        return [{"study_uid": study_uid, "error": "the readers segmented different series"}]
    images = series(study_uid, grids.pop())
    if not images:
        return [{"study_uid": study_uid, "error": "the segmented series is not in the archive"}]
    results = []
    for segment in task.schema.segments:
        masks: dict[str, NDArray[np.uint8]] = {}
        for reader, ds in segs.items():
            try:
                masks[reader] = segment_mask(ds, images, segment.label)
            except LabellingError:
                continue  # this reader did not draw this label
        if len(masks) < 2:
            continue
        for pair in pairwise(masks, _spacing(images[0])):
            results.append({"study_uid": study_uid, "segment": segment.label, **pair.to_json()})
    return results


def segmentation_agreement(task: Task, reads: Sequence[Read], load: Load, series: SeriesImages) -> list[dict[str, Any]]:
    if not task.schema.segments:
        return []
    studies = sorted({r.study_uid for r in reads if r.label_uids})
    return [row for study in studies for row in study_segmentations(task, study, reads, load, series)]
