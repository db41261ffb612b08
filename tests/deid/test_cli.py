"""``imaging-hub keygen`` and ``imaging-hub deid`` end to end."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pydicom
from pydicom.data import get_testdata_file
from typer.testing import CliRunner

from imaging_hub.cli import app

from .helpers import synthetic_study

runner = CliRunner()


def _tree(root: Path) -> dict[str, str]:
    files = (p for p in root.rglob("*") if p.is_file())
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _source(tmp_path: Path) -> Path:
    src = tmp_path / "in" / "SMITH_JOHN"
    src.mkdir(parents=True)
    _patient, study = synthetic_study(instances=3)
    for i, ds in enumerate(study):
        ds.save_as(src / f"{i}.dcm", enforce_file_format=True)
    (src / "notes.txt").write_text("not dicom")
    shutil.copy(str(get_testdata_file("priv_SQ.dcm")), src / "fragment.dcm")  # Part 10 but no SOP Class
    return tmp_path / "in"


def test_keygen_writes_a_private_key_and_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "project.key"
    result = runner.invoke(app, ["keygen", str(path)])
    assert result.exit_code == 0
    assert path.stat().st_mode & 0o777 == 0o600
    secret_line = path.read_text().splitlines()[1]
    assert secret_line not in result.output
    assert runner.invoke(app, ["keygen", str(path)]).exit_code == 2


def test_deid_tree(tmp_path: Path) -> None:
    src = _source(tmp_path)
    key = tmp_path / "k.key"
    runner.invoke(app, ["keygen", str(key)])
    before = _tree(src)
    dst = tmp_path / "out"
    result = runner.invoke(app, ["deid", str(src), str(dst), "--profile", "research", "--key-file", str(key),
                                 "--workers", "2", "--project-id", "LUNG1"])
    assert result.exit_code == 1, result.output  # the fragment is quarantined
    assert _tree(src) == before  # input never modified
    outputs = sorted(dst.rglob("*.dcm"))
    assert len(outputs) == 3
    for path in outputs:
        assert all(part.startswith("2.25.") for part in path.relative_to(dst).with_suffix("").parts)
        assert pydicom.dcmread(path).PatientIdentityRemoved == "YES"
    report = json.loads((tmp_path / "out-report" / "deid-report.json").read_text())
    assert report["counts"] == {"deidentified": 3, "quarantined": 1, "failed": 0, "skipped": 1}
    assert "SOPClassUID is missing" in report["quarantined"][0]["reason"]
    assert (tmp_path / "out-report" / "deid-report.html").read_text().count("<tr>") > 3
    for path in dst.rglob("*"):
        assert "SMITH" not in str(path)


def test_deid_clean_run_exits_zero_and_single_process_matches_pool(tmp_path: Path) -> None:
    src = _source(tmp_path)
    (src / "SMITH_JOHN" / "fragment.dcm").unlink()
    key = tmp_path / "k.key"
    runner.invoke(app, ["keygen", str(key)])
    one = runner.invoke(app, ["deid", str(src), str(tmp_path / "a"), "--key-file", str(key)])
    two = runner.invoke(app, ["deid", str(src), str(tmp_path / "b"), "--key-file", str(key), "--workers", "2"])
    assert one.exit_code == 0 and two.exit_code == 0
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")  # deterministic: same key, same output


def test_deid_bad_profile_and_key_give_clear_errors(tmp_path: Path) -> None:
    src = _source(tmp_path)
    key = tmp_path / "k.key"
    key.write_text("not a key")
    result = runner.invoke(app, ["deid", str(src), str(tmp_path / "o"), "--key-file", str(key)])
    assert result.exit_code == 2 and "not an Imaging Hub project key" in result.output
    runner.invoke(app, ["keygen", str(tmp_path / "good.key")])
    result = runner.invoke(app, ["deid", str(src), str(tmp_path / "o"), "--key-file", str(tmp_path / "good.key"),
                                 "--profile", "nonsense"])
    assert result.exit_code == 2 and "unknown profile" in result.output


def _one_file(tmp_path: Path, data: bytes) -> tuple[Path, Path]:
    src = tmp_path / "cut"
    src.mkdir()
    (src / "slice.dcm").write_bytes(data)
    key = tmp_path / "k.key"
    runner.invoke(app, ["keygen", str(key)])
    return src, key


def _pixel_data_offset(path: str) -> int:
    """Where the Pixel Data element's header starts in the file."""
    value_start: int = pydicom.dcmread(path, defer_size=16)._dict[pydicom.tag.Tag("PixelData")].value_tell
    return value_start - 12  # explicit VR OW: tag, VR, two reserved bytes, 4-byte length


def test_deid_refuses_a_file_cut_off_in_its_pixel_data(tmp_path: Path) -> None:
    whole = Path(str(get_testdata_file("CT_small.dcm"))).read_bytes()
    src, key = _one_file(tmp_path, whole[:-1000])
    dst = tmp_path / "out"
    result = runner.invoke(app, ["deid", str(src), str(dst), "--key-file", str(key)])
    assert result.exit_code == 1, result.output
    assert "slice.dcm: file cut off in element (7FE0,0010) (PixelData): " in result.output
    assert not list(dst.rglob("*.dcm"))  # nothing written


def test_deid_refuses_a_file_cut_off_before_its_pixel_data(tmp_path: Path) -> None:
    path = str(get_testdata_file("CT_small.dcm"))
    offset = _pixel_data_offset(path)
    whole = Path(path).read_bytes()
    for cut in (offset, offset + 5):  # at an element boundary, and inside the Pixel Data header
        (tmp_path / str(cut)).mkdir()
        src, key = _one_file(tmp_path / str(cut), whole[:cut])
        dst = tmp_path / str(cut) / "out"
        result = runner.invoke(app, ["deid", str(src), str(dst), "--key-file", str(key)])
        assert result.exit_code == 1, result.output
        assert "slice.dcm: file cut off before its pixel data" in result.output
        assert not list(dst.rglob("*.dcm"))


def test_deid_names_each_non_dicom_file_and_why(tmp_path: Path) -> None:
    src = tmp_path / "notes"
    src.mkdir()
    (src / "readme.txt").write_text("not dicom at all, though it is long enough to have a byte 128" * 4)
    (src / "tiny.bin").write_bytes(b"DICM")
    key = tmp_path / "k.key"
    runner.invoke(app, ["keygen", str(key)])
    result = runner.invoke(app, ["deid", str(src), str(tmp_path / "out"), "--key-file", str(key)])
    assert result.exit_code == 1, result.output
    assert "readme.txt: not a DICOM Part 10 file (no DICM marker at byte 128)" in result.output
    assert "tiny.bin: not a DICOM Part 10 file (only 4 bytes)" in result.output
    assert "no DICOM Part 10 file found under" in result.output


def test_deid_missing_key_file_is_told_in_words(tmp_path: Path) -> None:
    src = _source(tmp_path)
    result = runner.invoke(app, ["deid", str(src), str(tmp_path / "o"), "--key-file", str(tmp_path / "nope.key")])
    assert result.exit_code == 2
    words = " ".join(result.output.split())
    assert "no such file" in words and "FileNotFoundError" not in words
    assert not (tmp_path / "o").exists()
