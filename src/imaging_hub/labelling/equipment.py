"""How labelling objects name the equipment that made them (DICOM's General Equipment module)."""

from __future__ import annotations

from imaging_hub import __version__

MANUFACTURER = "Imaging Hub"
MODEL = "Imaging Hub labelling"
SOFTWARE_VERSIONS = __version__
DEVICE_SERIAL = "imaging-hub"
