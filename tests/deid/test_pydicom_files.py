"""Every transfer syntax and IOD among pydicom's bundled test files: de-identified, written, re-read, no
original patient value left, and dciodvfy finds no error in the output that it did not find in the input."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file

from imaging_hub.deid import Deidentifier, Quarantined

from .helpers import roundtrip, to_bytes

FILES = [
    "CT_small.dcm", "MR_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm", "MR_small_RLE.dcm",
    "MR_small_jp2klossless.dcm", "MR_small_jpeg_ls_lossless.dcm", "JPEG2000.dcm",
    "JPGExtended.dcm", "SC_rgb_rle_2frame.dcm", "SC_rgb_jpeg_gdcm.dcm", "SC_ybr_full_422_uncompressed.dcm",
    "rtplan.dcm", "rtstruct.dcm", "rtdose.dcm", "test-SR.dcm", "reportsi.dcm", "waveform_ecg.dcm",
    "examples_overlay.dcm", "examples_palette.dcm", "liver_1frame.dcm", "image_dfl.dcm", "693_J2KI.dcm",
]
DCIODVFY_FILES = ["CT_small.dcm", "MR_small.dcm", "rtplan.dcm", "test-SR.dcm", "examples_overlay.dcm",
                  "JPEG2000.dcm"]


def _path(name: str) -> str:
    path = get_testdata_file(name)
    assert path is not None, name
    return str(path)


@pytest.mark.parametrize("name", FILES)
def test_bundled_file_deidentifies_cleanly(research: Deidentifier, name: str) -> None:
    original = pydicom.dcmread(_path(name), force=True)
    names = [str(original.get("PatientName", "") or ""), str(original.get("PatientID", "") or "")]
    try:
        outcome = research.deidentify(pydicom.dcmread(_path(name), force=True))
    except Quarantined as exc:
        pytest.fail(f"{name} quarantined: {exc.reason}")
    data = to_bytes(outcome.dataset)
    again = roundtrip(outcome.dataset)
    assert again.PatientIdentityRemoved == "YES"
    for value in names:
        if len(value) >= 4:
            assert value.encode() not in data
    assert not any(elem.tag.is_private and elem.tag.element >= 0x1000 and elem.VR == "PN" for elem in again)


def _errors(path: Path) -> set[str]:
    result = subprocess.run(["dciodvfy", str(path)], capture_output=True, text=True, timeout=60)
    lines = (result.stdout + result.stderr).splitlines()
    # UIDs, dates and values differ by design; compare the kind of error, not its quoted values
    return {re.sub(r"<[^>]*>|\d[\d.]*", "#", line) for line in lines if line.startswith("Error")}


@pytest.mark.parametrize("name", DCIODVFY_FILES)
def test_dciodvfy_reports_no_new_error(research: Deidentifier, name: str, tmp_path: Path) -> None:
    source = Path(_path(name))
    output = tmp_path / "out.dcm"
    research.deidentify(pydicom.dcmread(source)).dataset.save_as(output, enforce_file_format=True)
    new = _errors(output) - _errors(source)
    assert new == set()


@pytest.mark.parametrize(("name", "reason"), [
    ("priv_SQ.dcm", "SOPClassUID is missing"),
    ("UN_sequence.dcm", "SOPClassUID is missing"),
    ("JPEG-lossy.dcm", "pixel data cannot be decoded"),
])
def test_what_cannot_be_made_safe_is_quarantined(research: Deidentifier, name: str, reason: str) -> None:
    ds = pydicom.dcmread(_path(name), force=True)
    if name == "JPEG-lossy.dcm":
        ds.BurnedInAnnotation = "YES"  # its pixels must be examined, and this decoder cannot read them
    with pytest.raises(Quarantined, match=reason):
        research.deidentify(ds)
