"""Burned-in text: TCIA's pseudo-PHI samples and a generated representative set (fonts, sizes, colours,
places, MONOCHROME1, RLE, multi-frame) are masked line by line; unreadable or declared text is held for
review; images without text keep their pixels byte for byte."""

from __future__ import annotations

import copy
import io
import random
from pathlib import Path

import numpy as np
import pydicom
import pytest
from PIL import Image, ImageDraw, ImageFont
from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid
from typer.testing import CliRunner

from imaging_hub.cli import app
from imaging_hub.deid import Deidentifier, HeldForReview, Profile, ProfileError, ProjectKey
from imaging_hub.deid import burned_in_ocr as ocr
from imaging_hub.deid.burned_in_samples import FONT_DIR, Sample, make_sample, representative
from imaging_hub.deid.burned_in_screen import screen, to_8bit
from imaging_hub.dicom.part10 import encode_part10, read_part10

from .helpers import roundtrip, synthetic_study, to_bytes

SAMPLES = Path(__file__).parents[1] / "data" / "burned-in"  # vendored with their provenance (README.md there)


def _words(frame: np.ndarray) -> str:
    """Everything the same OCR engine reads anywhere in a frame, both polarities."""
    return " ".join(reading.text for _, reading in ocr.read_frame(to_8bit(frame))).upper()


@pytest.fixture(scope="module")
def samples() -> list[Sample]:
    return representative()


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


def test_the_screen_finds_the_lines_of_a_small_crop_and_ocr_reads_them() -> None:
    ds = pydicom.dcmread(SAMPLES / "2_ORIGINAL.dcm")
    crop = to_8bit(ds.pixel_array[:40, :260])
    lines = screen(crop)
    assert lines and all(c.box[1] < 40 for c in lines)
    assert any(ocr.read_line(crop, c).is_text for c in lines)


def test_the_screen_finds_the_same_lines_whatever_type_holds_the_pixels() -> None:
    """OpenCV's passes take 8- and 16-bit and float frames; other types (32-bit integers) are converted
    first. A linear change of range finds the same lines; a frame narrower than a block holds none."""
    sample = make_sample(random.Random(3), "sc", "sans", 14, "white", "top-left", image_size=256)
    grey = to_8bit(sample.dataset.pixel_array)
    boxes = [c.box for c in screen(grey)]
    assert len(boxes) == len(sample.lines)
    for frame in (grey.astype(np.uint16) * 257, grey.astype(np.int16) - 128, grey.astype(np.int32) * 1000 - 5,
                  grey.astype(np.float64) / 255, np.stack([grey, grey // 2, grey // 3], axis=-1)):
        assert [c.box for c in screen(frame)] == boxes, frame.dtype
    assert screen(np.random.default_rng(0).integers(0, 255, (3, 400), np.uint8)) == []
    assert screen(np.zeros((64, 64), np.uint16)) == []


def test_pixels_not_cleaned_when_profile_disables_it(key: ProjectKey) -> None:
    from imaging_hub.deid import Quarantined

    profile = Profile.from_mapping({"base": "basic", "burned_in": {"enabled": False}})
    with pytest.raises(Quarantined, match="does not clean pixels"):
        Deidentifier(profile, key).deidentify(_secondary_capture(1))


def _glyphs_masked(out: Dataset, sample: Sample) -> list[bool]:
    pixels = out.pixel_array
    if int(out.get("NumberOfFrames", 1) or 1) == 1:
        pixels = pixels[np.newaxis]
    fill = 2 ** int(out.BitsStored) - 1 if out.PhotometricInterpretation == "MONOCHROME1" else 0
    return [bool((pixels[:, line.glyphs] == fill).all()) for line in sample.lines]


def test_cli_basic_masks_every_line_of_the_representative_set(samples: list[Sample], tmp_path: Path) -> None:
    src, dst, key_file = tmp_path / "in", tmp_path / "out", tmp_path / "k.key"
    src.mkdir()
    for sample in samples:
        copy.deepcopy(sample.dataset).save_as(src / f"{sample.name}.dcm", enforce_file_format=True)
    assert CliRunner().invoke(app, ["keygen", str(key_file)]).exit_code == 0
    result = CliRunner().invoke(app, ["deid", str(src), str(dst), "--profile", "basic", "--key-file",
                                      str(key_file)])
    assert result.exit_code == 0, result.output
    deid = Deidentifier(Profile.builtin("basic"), ProjectKey.load(key_file))
    readable = []
    for sample in samples:
        out = pydicom.dcmread(next(dst.rglob(f"{deid.uid(sample.dataset.SOPInstanceUID)}.dcm")))
        assert _glyphs_masked(out, sample) == [True] * len(sample.lines), sample.name
        frames = out.pixel_array if "NumberOfFrames" in out else out.pixel_array[np.newaxis]
        text = _words(frames[0])
        surname = sample.lines[0].text.split(",")[0]
        nhs_tail, year = sample.lines[1].text[-4:], sample.lines[2].text[-4:]
        readable += [f"{sample.name}: {w}" for w in (surname, nhs_tail, year) if w in text.replace(" ", "")]
        assert out.BurnedInAnnotation == "NO"
    assert readable == []


def test_masks_are_reported_and_pixels_elsewhere_are_kept(samples: list[Sample], basic: Deidentifier) -> None:
    sample = samples[8]  # a CT that declares nothing, text at the top right
    before = sample.dataset.pixel_array.copy()
    outcome = basic.deidentify(copy.deepcopy(sample.dataset))
    untouched = np.ones(before.shape, bool)
    for x, y, w, h in outcome.masks:
        untouched[y:y + h, x:x + w] = False
    assert all(not untouched[line.glyphs].any() for line in sample.lines)  # the reported boxes hold the text
    assert untouched.mean() > 0.8  # and little else
    after = roundtrip(outcome.dataset).pixel_array
    assert np.array_equal(before[untouched], after[untouched])
    assert "113101" in {item.CodeValue for item in outcome.dataset.DeidentificationMethodCodeSequence}


def _blank_secondary_capture(burned_in: str | None) -> Dataset:
    ds = _secondary_capture(1)
    ds.Rows, ds.Columns = 256, 256
    ds.PixelData = np.zeros((256, 256), np.uint8).tobytes()
    if burned_in:
        ds.BurnedInAnnotation = burned_in
    return ds


def test_declared_text_with_nothing_to_mask_is_held(basic: Deidentifier) -> None:
    with pytest.raises(HeldForReview, match="BurnedInAnnotation YES") as held:
        basic.deidentify(_blank_secondary_capture("YES"))
    assert held.value.reason.startswith("held for review")
    assert basic.deidentify(_blank_secondary_capture(None)).masks == ()  # nothing declared, nothing seen


def test_a_likely_line_ocr_cannot_read_is_held_with_its_proposed_box(basic: Deidentifier) -> None:
    ds = _blank_secondary_capture(None)
    image = Image.new("L", (256, 256), 0)
    ImageDraw.Draw(image).text((10, 200), "\u25d0\u25d1\u25d2\u25d3\u25d0\u25d1\u25d2\u25d3",
                               font=ImageFont.truetype(str(FONT_DIR / "DejaVuSans.ttf"), 16), fill=255)
    ds.PixelData = np.asarray(image).tobytes()
    with pytest.raises(HeldForReview, match="could not read") as held:
        basic.deidentify(ds)
    (x, y, w, h), = held.value.boxes
    assert x <= 12 and y <= 200 <= y + h and x + w >= 100


def test_ct_without_text_keeps_its_pixel_bytes(basic: Deidentifier) -> None:
    _, study = synthetic_study(instances=1)
    ds = study[0]
    ds.Rows = ds.Columns = 256
    y, x = np.mgrid[:256, :256]
    body = ((x - 128) / 108) ** 2 + ((y - 128) / 90) ** 2 <= 1
    pixels = np.where(body, 1064, 24) + np.random.default_rng(3).normal(0, 12, (256, 256))
    ds.PixelData = np.clip(pixels, 0, 4095).astype(np.uint16).tobytes()
    source = to_bytes(ds)
    outcome = basic.deidentify(read_part10(source))
    assert outcome.masks == ()
    out = pydicom.dcmread(io.BytesIO(encode_part10(outcome.dataset)))
    assert out.PixelData == pydicom.dcmread(io.BytesIO(source)).PixelData
    assert "BurnedInAnnotation" not in out


def test_examine_option(key: ProjectKey, samples: list[Sample]) -> None:
    declared = Profile.from_mapping({"base": "basic", "burned_in": {"examine": "declared"}})
    assert declared.burned_in.examine == "declared"
    assert Profile.builtin("basic").burned_in.examine == "screen"
    with pytest.raises(ProfileError, match=r"burned_in\.examine"):
        Profile.from_mapping({"burned_in": {"examine": "some"}})
    # "declared" is the old rule: a CT that declares nothing is not looked at
    outcome = Deidentifier(declared, key).deidentify(copy.deepcopy(samples[8].dataset))
    assert outcome.masks == ()
    everything = Profile.from_mapping({"base": "basic", "burned_in": {"examine": "all"}})
    assert Deidentifier(everything, key).deidentify(copy.deepcopy(samples[8].dataset)).masks


@pytest.mark.parametrize("seed", range(3))
def test_text_over_ultrasound_speckle_is_masked(basic: Deidentifier, seed: int) -> None:
    """Lines drawn inside the speckled sector, where every block has an edge and the region around them is
    too tall to be a line: the blocks that stand above the speckle's own peaks are read apart."""
    sample = make_sample(random.Random(seed), "us", "sans", 16, "white", "bottom-centre", image_size=256)
    assert all(screen(sample.dataset.pixel_array))  # the screen finds lines
    pixels = roundtrip(basic.deidentify(copy.deepcopy(sample.dataset)).dataset).pixel_array
    for line in sample.lines:
        assert not pixels[line.glyphs].any(), line.text.split(" ")[0]
