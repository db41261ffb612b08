"""The header reader decodes each distinct raw value once: repeated values, character sets and long values
still read exactly as a fresh decode would."""

from __future__ import annotations

import warnings
from pathlib import Path

from pydicom.dataelem import DataElement
from pydicom.uid import ExplicitVRLittleEndian as EXPLICIT_LITTLE
from pydicom.uid import ImplicitVRLittleEndian as IMPLICIT_LITTLE
from store_samples import make_datasets, part10

from imaging_hub.store import ATTRIBUTES, header, peek_header
from imaging_hub.store.structure import CheckedFile


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


_UID_FORMS = (b"1.2.840.10008.5.1.4.1.1.2", b"1.2.3\x00", b"1.2.3 ", b" 1.2.3", b"1.2.3\x00\x00", b"1.2.3 \x00",
              b"1..2", b".", b"0", b"01.2", b"1.2\\3.4", b"1" * 64, b"1" * 64 + b"\x00", b"1" * 65, b"1.2.3\t",
              b"1.2.3\x00 ", b"\x001.2", b"1.2-3", b"")
_NUMBER_FORMS = (b"12", b"12 ", b" 12", b"012", b"0", b"-1", b"+1", b"1.5", b"12\x00", b"999999999", b"1234567890",
                 b"1\\2", b"1e3", b"12  ", b" ", b"")


def test_values_read_without_pydicom_are_what_pydicom_reads() -> None:
    """The plain reading of UIDs and numbers applies only where pydicom's own reading gives the same value."""
    read_plainly = 0
    for keyword, (vrs, _, _) in header._PLAIN.items():
        forms = _UID_FORMS if ATTRIBUTES[keyword].kind == "uid" else _NUMBER_FORMS
        for vr in (*sorted(vrs), "LO", "SH", "US"):
            for implicit in (True, False):
                if implicit and vr:
                    continue
                syntax = IMPLICIT_LITTLE if implicit else EXPLICIT_LITTLE
                for form in forms:
                    raw = (vr, form)
                    meta = CheckedFile(syntax, "", 0, elements={header._TAG_OF[keyword]: raw})
                    encodings = header._encodings(meta)
                    plain = header._PLAIN[keyword]
                    if vr not in plain[0] or plain[1].fullmatch(form) is None:
                        continue
                    read_plainly += 1
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        by_pydicom = header._decoded.__wrapped__(keyword, raw, implicit, True, encodings)
                    value = header._value(meta, keyword, encodings)
                    assert (value, type(value)) == (by_pydicom, type(by_pydicom)), (keyword, raw)
    assert read_plainly > 50  # the forms above do exercise the plain reading
