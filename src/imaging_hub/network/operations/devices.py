"""Scanners seen in arriving data, proposed for the register.

A scanner is recognised by the device attributes the project's de-identification profile keeps (Manufacturer,
ManufacturerModelName, DeviceSerialNumber or StationName, SoftwareVersions, MagneticFieldStrength). An instance
from a device the register does not hold yet becomes a proposal that a network manager confirms or ignores.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from imaging_hub.network.errors import NetworkInputError


@dataclass(frozen=True)
class DeviceSeen:
    """What one arriving instance says about the device that made it (kept attributes only; empty if removed)."""

    site: str
    modality: str
    manufacturer: str
    model: str
    serial_number: str = ""
    station_name: str = ""
    software_version: str = ""
    field_strength_t: float | None = None

    def __post_init__(self) -> None:
        if not self.site or not self.modality:
            raise NetworkInputError("a device seen needs the sending site and the modality")

    @property
    def identified(self) -> bool:
        """Enough to tell two devices apart: maker and model, and a serial number or station name."""
        return bool(self.manufacturer and self.model and (self.serial_number or self.station_name))

    @property
    def key(self) -> str:
        """The proposal's scanner id: stable for the same device, and no attribute readable from it."""
        parts = (self.site, self.modality, self.manufacturer, self.model, self.serial_number, self.station_name)
        digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:10]
        return f"{self.site}-{self.modality}-proposed-{digest}"
