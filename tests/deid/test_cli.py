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
