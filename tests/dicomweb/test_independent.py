"""The DICOMweb engine and the Part 10 codec load without the store or the de-identifier."""

from __future__ import annotations

import subprocess
import sys


def test_dicomweb_loads_without_the_store() -> None:
    code = ("import sys, imaging_hub.dicomweb.stow, imaging_hub.dicomweb.qido, imaging_hub.dicomweb.pixels, "
            "imaging_hub.dicom.part10; "
            "print(sorted(m for m in sys.modules if m.startswith(('imaging_hub.store', 'imaging_hub.deid'))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
