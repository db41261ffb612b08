"""Storage SCP: dcmtk storescu sends in every transfer syntax the hub accepts; each is kept as sent."""

from __future__ import annotations

import random
import zlib
from pathlib import Path

from dimse_tools import dataset_bytes, dcmtk, echoscu, storescu, transfer_syntax
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.uid import DeflatedExplicitVRLittleEndian

from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
from imaging_hub.dimse import DicomServer
from imaging_hub.store import Archive

# storescu option proposing the file's transfer syntax (plus uncompressed), and pydicom test files in it.
BY_SYNTAX: list[tuple[tuple[str, ...], list[str]]] = [
    ((), ["CT_small.dcm", "MR_small_implicit.dcm", "rtplan.dcm"]),  # explicit and implicit VR LE
    (("-xd",), ["image_dfl.dcm"]),  # deflated explicit VR LE
    (("-xy",), ["SC_rgb_jpeg_dcmtk.dcm"]),  # JPEG baseline
    (("-xx",), ["JPEG-lossy.dcm"]),  # JPEG extended
    (("-xv",), ["MR_small_jp2klossless.dcm"]),  # JPEG 2000 lossless
    (("-xw",), ["JPEG2000.dcm"]),  # JPEG 2000
    (("-xt",), ["MR_small_jpeg_ls_lossless.dcm"]),  # JPEG-LS lossless
    (("-xu",), ["JPEGLSNearLossless_08.dcm"]),  # JPEG-LS near-lossless
    (("-xr",), ["MR_small_RLE.dcm"]),  # RLE lossless
]

# JPEG lossless process 14 (selection value 6) has no storescu switch: propose it from a profile.
PROCESS_14_PROFILE = """
[[TransferSyntaxes]]
[Process14]
TransferSyntax1 = 1.2.840.10008.1.2.4.57

[[PresentationContexts]]
[Process14Contexts]
PresentationContext1 = 1.2.840.10008.5.1.4.1.1.2\\Process14

[[Profiles]]
[Process14Profile]
PresentationContexts = Process14Contexts
"""


def _jpeg_lossless(tmp_path: Path) -> tuple[Path, Path]:
    """CT_small compressed by dcmtk as JPEG lossless SV1 (.70) and process 14 selection value 6 (.57)."""
    source = get_testdata_file("CT_small.dcm")
    sv1, p14 = tmp_path / "sv1.dcm", tmp_path / "p14.dcm"
    # Different SOP Instance UIDs, so the archive sees three instances rather than conflicts.
    for target, option in ((sv1, "+e1"), (p14, "+el")):
        compressed = dcmtk("dcmcjpeg", option, "+ua", "-p", source, target)  # -p: storescu drops padding
        assert compressed.returncode == 0, compressed.stderr
    return sv1, p14


def _with_new_uid(name: str, tmp_path: Path) -> Path:
    """A copy of a pydicom test file with its own SOP Instance UID (the MR_small variants share one)."""
    copy = tmp_path / name
    copy.write_bytes(Path(get_testdata_file(name)).read_bytes())
    result = dcmtk("dcmodify", "-nb", "-gin", "-gst", "-gse", copy)  # study and series too: some lack them
    assert result.returncode == 0, result.stderr
    return copy


def _inflated(path: Path) -> bytes:
    return zlib.decompressobj(-zlib.MAX_WBITS).decompress(dataset_bytes(path))


def test_echoscu_gets_success(hub: DicomServer) -> None:
    result = echoscu(hub.port)
    assert result.returncode == 0, result.stderr


def test_each_transfer_syntax_is_stored_as_sent(hub: DicomServer, archive: Archive, tmp_path: Path) -> None:
    sent: list[Path] = []
    for options, names in BY_SYNTAX:
        files = [_with_new_uid(name, tmp_path) for name in names]
        result = storescu(hub.port, files, *options)
        assert result.returncode == 0, (options, result.stderr)
        sent += files
    sv1, p14 = _jpeg_lossless(tmp_path)
    assert storescu(hub.port, [sv1], "-xs").returncode == 0
    profile = tmp_path / "p14.cfg"
    profile.write_text(PROCESS_14_PROFILE)
    result = storescu(hub.port, [p14], "-xf", str(profile), "Process14Profile")
    assert result.returncode == 0, result.stderr
    sent += [sv1, p14]

    syntaxes = set()
    for path in sent:
        stored = archive.get(str(dcmread(path, stop_before_pixels=True).SOPInstanceUID))
        assert stored is not None, path.name
        assert stored.transfer_syntax_uid == transfer_syntax(path), path.name
        if stored.transfer_syntax_uid == DeflatedExplicitVRLittleEndian:
            # storescu inflates and deflates again as it sends: compare what was deflated
            assert _inflated(stored.path) == _inflated(path), path.name
        else:
            assert dataset_bytes(stored.path) == dataset_bytes(path), path.name
        syntaxes.add(stored.transfer_syntax_uid)
    assert len(syntaxes) == 12  # every accepted syntax but retired big endian


def test_storescu_synthetic_study_directory(hub: DicomServer, archive: Archive, tmp_path: Path) -> None:
    folder = tmp_path / "study"
    folder.mkdir()
    patient = SyntheticPatient.make(random.Random(3))
    files = []
    spec = StudySpec(series=2, instances_per_series=3, rows=32, columns=32)
    for index, ds in enumerate(make_study(patient, spec)):
        path = folder / f"{index:03d}.dcm"
        ds.save_as(path, enforce_file_format=True)
        files.append(path)
    result = storescu(hub.port, [folder], "+sd")
    assert result.returncode == 0, result.stderr
    assert archive.count_instances() == 6
    for path in files:
        stored = archive.get(str(dcmread(path, stop_before_pixels=True).SOPInstanceUID))
        assert stored is not None and dataset_bytes(stored.path) == dataset_bytes(path)
