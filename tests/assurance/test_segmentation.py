"""Segmentation agreement against scipy computed here, over NIfTI files and DICOM SEG pairs."""

from __future__ import annotations

import json
from pathlib import Path

import highdicom as hd
import numpy as np
import pytest
import SimpleITK as sitk
from pydicom import dcmread
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid
from scipy import ndimage
from typer.testing import CliRunner

from imaging_hub.assurance import AssuranceInputError, agreement, assess_seg_outputs, assess_segmentations
from imaging_hub.cli import app

SPACING = (0.8, 0.8, 2.5)  # x, y, z in mm, as SimpleITK orders them


def ball(shape: tuple[int, int, int], centre: tuple[float, float, float], radius_mm: float) -> np.ndarray:
    """A boolean ellipsoid-in-voxels (a ball in mm) in a z, y, x array."""
    z, y, x = np.indices(shape)
    dz, dy, dx = (z - centre[0]) * SPACING[2], (y - centre[1]) * SPACING[1], (x - centre[2]) * SPACING[0]
    return dz**2 + dy**2 + dx**2 <= radius_mm**2


def image(mask: np.ndarray) -> sitk.Image:
    img = sitk.GetImageFromArray(mask.astype(np.uint8))
    img.SetSpacing(SPACING)
    return img


def reference_metrics(a: np.ndarray, b: np.ndarray, tolerance: float) -> tuple[float, float, float]:
    sampling = SPACING[::-1]
    dice = 2 * (a & b).sum() / (a.sum() + b.sum())
    sa, sb = a & ~ndimage.binary_erosion(a), b & ~ndimage.binary_erosion(b)
    a_to_b = ndimage.distance_transform_edt(~sb, sampling=sampling)[sa]
    b_to_a = ndimage.distance_transform_edt(~sa, sampling=sampling)[sb]
    hd95 = max(np.percentile(a_to_b, 95), np.percentile(b_to_a, 95))
    surface = ((a_to_b <= tolerance).sum() + (b_to_a <= tolerance).sum()) / (len(a_to_b) + len(b_to_a))
    return dice, hd95, surface


@pytest.mark.parametrize("shift", [(0, 0, 0), (0, 2, 3), (1, -3, 1)])
def test_metrics_match_scipy(shift: tuple[int, int, int]) -> None:
    shape = (20, 48, 48)
    ref = ball(shape, (10, 24, 24), 9.0)
    pred = ball(shape, (10 + shift[0], 24 + shift[1], 24 + shift[2]), 8.0)
    result = agreement(image(ref), image(pred), tolerance_mm=1.5)
    dice, hd95, surface = reference_metrics(ref, pred, 1.5)
    assert result.dice == pytest.approx(dice, rel=1e-9)
    assert result.hd95 == pytest.approx(hd95, rel=1e-4, abs=1e-4)
    assert result.surface_dice == pytest.approx(surface, rel=1e-9)


def test_empty_masks() -> None:
    empty = np.zeros((10, 20, 20), dtype=bool)
    some = ball((10, 20, 20), (5, 10, 10), 4.0)
    assert agreement(image(empty), image(empty), 1.0).to_json()["dice"] == 1.0
    missed = agreement(image(some), image(empty), 1.0).to_json()
    assert missed["dice"] == 0.0 and missed["hd95_mm"] is None and missed["surface_dice"] == 0.0


def test_nifti_folders_through_the_command(tmp_path: Path) -> None:
    ref_dir, pred_dir, out = tmp_path / "ref", tmp_path / "pred", tmp_path / "out"
    ref_dir.mkdir()
    pred_dir.mkdir()
    shape = (16, 32, 32)
    for case, offset in (("case1", 0), ("case2", 2)):
        sitk.WriteImage(image(ball(shape, (8, 16, 16), 7.0)), str(ref_dir / f"{case}.nii.gz"))
        sitk.WriteImage(image(ball(shape, (8, 16 + offset, 16), 7.0)), str(pred_dir / f"{case}.nii.gz"))
    result = CliRunner().invoke(app, ["assurance", "segmentation", str(ref_dir), str(pred_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads((out / "segmentation.json").read_text())
    by_case = {c["case"]: c for c in document["cases"]}
    assert by_case["case1"]["dice"] == 1.0 and by_case["case1"]["hd95_mm"] == 0.0
    assert by_case["case2"]["dice"] < 1.0
    assert document["summary"]["dice"]["n"] == 2


def test_mismatched_grids_are_refused(tmp_path: Path) -> None:
    (tmp_path / "ref").mkdir()
    (tmp_path / "pred").mkdir()
    np.save(tmp_path / "ref" / "a.npy", np.ones((4, 8, 8), dtype=np.uint8))
    np.save(tmp_path / "pred" / "a.npy", np.ones((4, 8, 9), dtype=np.uint8))
    with pytest.raises(AssuranceInputError, match=r"a\.npy: reference and prediction are not on the same voxel grid"):
        assess_segmentations(tmp_path / "ref", tmp_path / "pred")


def ct_series(slices: int = 12, size: int = 32) -> list[Dataset]:
    study, series, frame = generate_uid(), generate_uid(), generate_uid()
    datasets = []
    for i in range(slices):
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, generate_uid()
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame
        ds.PatientID, ds.PatientName, ds.PatientBirthDate, ds.PatientSex = "SYN1", "Synthetic^One", "", "O"
        ds.StudyDate, ds.StudyTime, ds.AccessionNumber, ds.ReferringPhysicianName, ds.StudyID = (
            "20250101", "120000", "", "", "1")
        ds.Modality, ds.SeriesNumber, ds.InstanceNumber = "CT", 1, i + 1
        ds.Manufacturer = "test"
        ds.ImagePositionPatient = [0.0, 0.0, SPACING[2] * i]
        ds.ImageOrientationPatient = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
        ds.PixelSpacing = [SPACING[1], SPACING[0]]
        ds.SliceThickness = SPACING[2]
        ds.Rows = ds.Columns = size
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
        ds.RescaleIntercept, ds.RescaleSlope = 0, 1
        ds.PixelData = np.zeros((size, size), dtype=np.uint16).tobytes()
        datasets.append(ds)
    return datasets


def write_seg(path: Path, source: list[Dataset], mask: np.ndarray, label: str) -> None:
    description = hd.seg.SegmentDescription(
        segment_number=1, segment_label=label,
        segmented_property_category=hd.sr.CodedConcept("91723000", "SCT", "Anatomical structure"),
        segmented_property_type=hd.sr.CodedConcept("39607008", "SCT", "Lung"),
        algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL)
    seg = hd.seg.Segmentation(
        source_images=source, pixel_array=mask.astype(np.uint8), segmentation_type="BINARY",
        segment_descriptions=[description], series_instance_uid=generate_uid(), series_number=100,
        sop_instance_uid=generate_uid(), instance_number=1, manufacturer="test", manufacturer_model_name="test",
        software_versions="1", device_serial_number="1")
    seg.save_as(path)


def test_dicom_seg_pairs_are_matched_by_referenced_series(tmp_path: Path) -> None:
    ref_dir, pred_dir = tmp_path / "ref", tmp_path / "pred"
    ref_dir.mkdir()
    pred_dir.mkdir()
    shape = (12, 32, 32)
    expected = {}
    for n, shift in enumerate((0, 2)):
        source = ct_series()
        ref = ball(shape, (6, 16, 16), 7.0)
        pred = ball(shape, (6 + shift, 16, 16), 7.0)  # shifted along z: the SEGs leave out different empty frames
        # File names cross over, so only the referenced series can pair them.
        write_seg(ref_dir / f"reference-{n}.dcm", source, ref, "lung (reader)")
        write_seg(pred_dir / f"tool-{1 - n}.dcm", source, pred, "lung (AI)")
        expected[f"reference-{n}.dcm"] = reference_metrics(ref, pred, 2.0)
    document = assess_segmentations(ref_dir, pred_dir, tolerance_mm=2.0)
    assert document["source"] == "DICOM SEG paired by referenced series"
    for case in document["cases"]:
        dice, hd95, surface = expected[case["case"]]
        assert case["structure"] == "lung (reader)"
        assert case["dice"] == pytest.approx(dice, rel=1e-9)
        assert case["hd95_mm"] == pytest.approx(hd95, rel=1e-4, abs=1e-4)
        assert case["surface_dice"] == pytest.approx(surface, rel=1e-9)


def test_a_mask_touching_the_edge_has_a_closed_surface() -> None:
    shape = (8, 40, 40)
    ref = ball(shape, (0, 20, 20), 9.0)  # cut by the first slice
    pred = ball(shape, (1, 21, 20), 9.0)
    result = agreement(image(ref), image(pred), tolerance_mm=1.0)
    _, hd95, surface = reference_metrics(ref, pred, 1.0)  # scipy erodes with background beyond the edge
    assert result.hd95 == pytest.approx(hd95, rel=1e-4, abs=1e-4)
    assert result.surface_dice == pytest.approx(surface, rel=1e-9)


def test_the_tools_own_seg_outputs_are_scored_against_reference_segs(tmp_path: Path) -> None:
    shape = (12, 32, 32)
    references, outputs, expected = [], [], {}
    for n, shift in enumerate((0, 1, 3)):
        source = ct_series()
        ref, pred = ball(shape, (6, 16, 16), 7.0), ball(shape, (6, 16 + shift, 16), 6.0)
        write_seg(tmp_path / f"ref-{n}.dcm", source, ref, "lung (reader)")
        write_seg(tmp_path / f"out-{n}.dcm", source, pred, "lung (AI)")
        references.append((f"ref-{n}.dcm", dcmread(tmp_path / f"ref-{n}.dcm")))
        output = dcmread(tmp_path / f"out-{n}.dcm")  # as the archive hands it back
        outputs.append((str(output.SOPInstanceUID), output))
        expected[f"ref-{n}.dcm"] = reference_metrics(ref, pred, 2.0)
    document = assess_seg_outputs(references, outputs[::-1], tolerance_mm=2.0)
    assert [c["case"] for c in document["cases"]] == ["ref-0.dcm", "ref-1.dcm", "ref-2.dcm"]
    for case in document["cases"]:
        dice, hd95, surface = expected[case["case"]]
        assert case["dice"] == pytest.approx(dice, rel=1e-9)
        assert case["hd95_mm"] == pytest.approx(hd95, rel=1e-4, abs=1e-4)
        assert case["surface_dice"] == pytest.approx(surface, rel=1e-9)
    dices = [expected[k][0] for k in sorted(expected)]
    assert document["summary"]["dice"]["n"] == 3
    assert document["summary"]["dice"]["mean"] == pytest.approx(float(np.mean(dices)))
    assert document["summary"]["dice"]["median"] == pytest.approx(float(np.median(dices)))

    not_a_seg = ct_series()[0]
    with pytest.raises(AssuranceInputError, match="not a DICOM SEG"):
        assess_seg_outputs(references, [("1.2.3", not_a_seg)])
    with pytest.raises(AssuranceInputError, match="no predicted SEG"):
        assess_seg_outputs(references, outputs[:1])
    with pytest.raises(AssuranceInputError, match="no SEG outputs"):
        assess_seg_outputs(references, [])
