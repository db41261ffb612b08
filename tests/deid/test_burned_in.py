"""Burned-in text on TCIA's pseudo-PHI samples: detected, masked, written in a valid syntax."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

from imaging_hub.deid import Deidentifier, Profile, ProjectKey
from imaging_hub.deid.burned_in import text_boxes
from imaging_hub.deid.identity import IdentityMatcher

from .helpers import roundtrip, synthetic_study

SAMPLES = Path(__file__).parents[1] / "data" / "burned-in"  # vendored with their provenance (README.md there)


def _words(frame: np.ndarray) -> str:
    import pytesseract
    from PIL import Image

    from imaging_hub.deid.burned_in import _to_8bit

    return pytesseract.image_to_string(Image.fromarray(_to_8bit(frame)), config="--psm 11").upper()


def test_localizer_text_is_masked(research: Deidentifier) -> None:
    ds = pydicom.dcmread(SAMPLES / "2_ORIGINAL.dcm")
    assert "KAUPMAN" in _words(ds.pixel_array) or "DOB" in _words(ds.pixel_array)
    outcome = research.deidentify(ds)
    out = roundtrip(outcome.dataset)
    text = _words(out.pixel_array)
    assert "DOB" not in text and "1943" not in text and "SCOTT" not in text
    assert out.BurnedInAnnotation == "NO"
    assert "113101" in {item.CodeValue for item in out.DeidentificationMethodCodeSequence}
    assert any("confirm visually" in note for note in outcome.review)


def test_compressed_cr_is_decoded_masked_and_written_uncompressed(research: Deidentifier) -> None:
    ds = pydicom.dcmread(SAMPLES / "0_ORIGINAL_compressed.dcm")
    assert ds.file_meta.TransferSyntaxUID.is_compressed
    out = roundtrip(research.deidentify(ds).dataset)
    assert out.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
    top_left = out.pixel_array[:160, :900]
    assert "DAVIDSON" not in _words(top_left) and "DOB" not in _words(top_left)


def test_cr_without_pixels_passes_and_rgb_without_text_is_unchanged(research: Deidentifier) -> None:
    out = research.deidentify(pydicom.dcmread(SAMPLES / "0_ORIGINAL_no_pixels.dcm")).dataset
    assert out.PatientIdentityRemoved == "YES"
    rgb = pydicom.dcmread(SAMPLES / "RGB_ORIGINAL.dcm")
    before = rgb.pixel_array.copy()
    after = roundtrip(research.deidentify(rgb).dataset).pixel_array
    assert np.array_equal(before, after)


def _secondary_capture(frames: int) -> Dataset:
    _, study = synthetic_study(instances=1)
    ds = study[0]
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.Modality = "OT"
    ds.Manufacturer = "ACME Medical"
    ds.ManufacturerModelName = "Echo 5"
    ds.Rows, ds.Columns, ds.BitsAllocated, ds.BitsStored, ds.HighBit = 32, 48, 8, 8, 7
    ds.NumberOfFrames = frames
    ds.PixelData = np.full((frames, 32, 48), 200, dtype=np.uint8).tobytes()
    return ds


def test_fixed_regions_mask_every_frame(key: ProjectKey, tmp_path: Path) -> None:
    profile_path = tmp_path / "echo.toml"
    profile_path.write_text(
        'base = "research"\n[burned_in]\nocr_max_frames = 1\n'
        '[[burned_in.regions]]\nmanufacturer = "acme medical"\nmodel = "Echo 5"\nboxes = [[0, 0, 48, 8]]\n'
    )
    deid = Deidentifier(Profile.from_toml(profile_path), key)
    out = roundtrip(deid.deidentify(_secondary_capture(3)).dataset)
    pixels = out.pixel_array
    assert pixels.shape == (3, 32, 48)
    assert (pixels[:, :8, :] == 0).all()
    assert (pixels[:, 8:, :] == 200).all()


def test_text_boxes_on_a_small_crop_find_the_name() -> None:
    ds = pydicom.dcmread(SAMPLES / "2_ORIGINAL.dcm")
    crop = ds.pixel_array[:40, :260]
    boxes = text_boxes(crop, IdentityMatcher(None), mask_all_text=True)
    assert boxes and all(y < 40 for _, y, _, _ in boxes)


def test_pixels_not_cleaned_when_profile_disables_it(key: ProjectKey) -> None:
    from imaging_hub.deid import Quarantined

    profile = Profile.from_mapping({"base": "basic", "burned_in": {"enabled": False}})
    with pytest.raises(Quarantined, match="does not clean pixels"):
        Deidentifier(profile, key).deidentify(_secondary_capture(1))
