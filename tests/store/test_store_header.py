"""The header reader decodes each distinct raw value once: repeated values, character sets and long values
still read exactly as a fresh decode would."""

from __future__ import annotations

import warnings
from pathlib import Path

from pydicom.dataelem import DataElement
from store_samples import make_datasets, part10

from imaging_hub.store import peek_header


def _header_values(folder: Path, data: bytes) -> dict[str, object]:
    path = folder / "instance.dcm"
    path.write_bytes(data)
    with path.open("rb") as fp:
        return peek_header(fp).values


def test_same_name_bytes_read_in_each_instances_character_set(tmp_path: Path) -> None:
    latin, cyrillic = make_datasets(31, instances=2)
    for ds, charset in ((latin, "ISO_IR 100"), (cyrillic, "ISO_IR 144")):
        ds.SpecificCharacterSet = charset
        ds["PatientName"] = DataElement(0x00100010, "PN", b"M\xfcller^Hans")  # raw bytes, decoded on reading
    assert _header_values(tmp_path, part10(latin))["PatientName"] == "Müller^Hans"
    assert _header_values(tmp_path, part10(cyrillic))["PatientName"] == b"M\xfcller^Hans".decode("iso8859_5")


def test_repeated_and_long_values_read_alike(tmp_path: Path) -> None:
    (ds,) = make_datasets(32, instances=1)
    ds.SeriesNumber = "7"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds.StudyDescription = "CT " + "X" * 400  # longer than any cached value (and than LO allows)
        data = part10(ds)
    first, again = _header_values(tmp_path, data), _header_values(tmp_path, data)
    assert first == again
    assert first["StudyDescription"] == "CT " + "X" * 400
    assert first["SeriesNumber"] == 7
    assert first["SOPInstanceUID"] == ds.SOPInstanceUID
