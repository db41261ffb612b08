"""A reader's segmentation as DICOM SEG (highdicom), referencing the source series' instances.

Masks come as one array per segment label, shaped like the source series (frames in the order of
``source_images``, then rows, columns): boolean for a binary SEG, floats 0..1 for a fractional one
(probability). Segments carry the schema's SNOMED CT category and type; the algorithm type is MANUAL and the
content creator is the reader.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import highdicom as hd
import numpy as np
from numpy.typing import NDArray
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

from imaging_hub.labelling.codes import Code
from imaging_hub.labelling.equipment import DEVICE_SERIAL, MANUFACTURER, MODEL, SOFTWARE_VERSIONS
from imaging_hub.labelling.errors import LabellingError
from imaging_hub.labelling.schema import LabelSchema


def coded(code: Code) -> hd.sr.CodedConcept:
    return hd.sr.CodedConcept(code.value, code.scheme, code.meaning)


def person_name(reader: str) -> str:
    """A reader's account as a DICOM person name: the whole account as the family name (no given name)."""
    return reader[:63].replace("^", " ").replace("=", " ") + "^"


def _one_series(source_images: Sequence[Dataset]) -> None:
    if not source_images:
        raise LabellingError("segmentation: no source images")
    series = {str(ds.SeriesInstanceUID) for ds in source_images}
    if len(series) != 1:
        raise LabellingError("segmentation: the source images must be one series")


def make_segmentation(
    source_images: Sequence[Dataset],
    masks: Mapping[str, NDArray[np.generic]],
    schema: LabelSchema,
    reader: str,
    *,
    fractional: bool = False,
    series_number: int = 900,
    label: str = "LABELS",
) -> hd.seg.Segmentation:
    """``masks``: {segment label in the schema: array (frames, rows, columns)}; ``reader``: the content creator."""
    _one_series(source_images)
    if not masks:
        raise LabellingError("segmentation: no masks")
    shape = (len(source_images), int(source_images[0].Rows), int(source_images[0].Columns))
    descriptions, planes = [], []
    for number, (segment_label, mask) in enumerate(masks.items(), start=1):
        segment = schema.segment(segment_label)
        array = np.asarray(mask)
        if array.shape != shape:
            raise LabellingError(f"segmentation {segment_label!r}: shape {array.shape} is not the series' {shape}")
        if fractional:
            if not np.issubdtype(array.dtype, np.floating) or np.nanmin(array) < 0 or np.nanmax(array) > 1 \
                    or np.isnan(array).any():
                raise LabellingError(f"segmentation {segment_label!r}: fractional values must lie in 0..1")
        elif array.dtype != bool and not np.isin(array, (0, 1)).all():
            raise LabellingError(f"segmentation {segment_label!r}: a binary mask holds only 0 and 1")
        descriptions.append(hd.seg.SegmentDescription(
            segment_number=number, segment_label=segment.label[:64],
            segmented_property_category=coded(segment.category), segmented_property_type=coded(segment.type),
            algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL,
            tracking_uid=generate_uid(), tracking_id=f"{segment.label[:56]} {number}"))
        planes.append(array.astype(np.float32 if fractional else np.uint8))
    pixels = np.stack(planes, axis=-1)  # (frames, rows, columns, segments)
    try:
        return hd.seg.Segmentation(
            source_images=list(source_images), pixel_array=pixels,
            segmentation_type=hd.seg.SegmentationTypeValues.FRACTIONAL if fractional
            else hd.seg.SegmentationTypeValues.BINARY,
            segment_descriptions=descriptions, series_instance_uid=generate_uid(), series_number=series_number,
            sop_instance_uid=generate_uid(), instance_number=1, manufacturer=MANUFACTURER,
            manufacturer_model_name=MODEL, software_versions=SOFTWARE_VERSIONS, device_serial_number=DEVICE_SERIAL,
            content_label=label, content_creator_name=person_name(reader), omit_empty_frames=False,
        )
    except (ValueError, TypeError, AttributeError) as exc:  # highdicom's own checks of the source images
        raise LabellingError(f"segmentation: highdicom refused the source images or masks ({exc})") from None


def segment_mask(seg: Dataset, source_images: Sequence[Dataset], segment_label: str) -> NDArray[np.uint8]:
    """One segment of a SEG as a binary array shaped like the source series (frames in ``source_images`` order)."""
    segmentation = seg if isinstance(seg, hd.seg.Segmentation) else hd.seg.Segmentation.from_dataset(seg)
    numbers = [int(item.SegmentNumber) for item in segmentation.SegmentSequence
               if str(item.SegmentLabel) == segment_label]
    if not numbers:
        raise LabellingError(f"the SEG has no segment labelled {segment_label!r}")
    pixels = segmentation.get_pixels_by_source_instance(
        source_sop_instance_uids=[str(ds.SOPInstanceUID) for ds in source_images],
        segment_numbers=numbers, combine_segments=True, skip_overlap_checks=True)
    return (np.asarray(pixels) > 0).astype(np.uint8)
