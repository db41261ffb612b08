"""Scanners seen in arriving data, proposed for the network's register.

The hub hears of each stored instance on the archive's event bus; for the first instance of each series it
reads the device attributes the de-identification profile keeps (Manufacturer, ManufacturerModelName,
DeviceSerialNumber, StationName, SoftwareVersions, MagneticFieldStrength) from the stored header and tells the
network room, which matches the register or records a proposal. One header read and one write per series, not
per instance, so ingest pays little; a series seen again after a restart only counts again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from pydicom import dcmread
from pydicom.multival import MultiValue

from imaging_hub.events import InstanceStored
from imaging_hub.network.operations import DeviceSeen, NetworkRoom
from imaging_hub.store import Archive

DEVICE_KEYWORDS = (
    "Manufacturer",
    "ManufacturerModelName",
    "DeviceSerialNumber",
    "StationName",
    "SoftwareVersions",
    "MagneticFieldStrength",
    "Modality",
)
SERIES_REMEMBERED = 10_000  # series already counted, newest kept


def _text(value: object) -> str:
    if isinstance(value, MultiValue):
        return "\\".join(str(v) for v in value)
    return "" if value is None else str(value).strip()


def device_of(archive: Archive, event: InstanceStored) -> DeviceSeen | None:
    """What the stored instance says about its device; None without a site or when it is no longer stored."""
    stored = archive.get(event.sop_instance_uid)
    if stored is None or not event.site:
        return None
    header = dcmread(stored.path, stop_before_pixels=True, specific_tags=list(DEVICE_KEYWORDS))
    field = header.get("MagneticFieldStrength")
    try:
        strength = float(field) if field not in (None, "") else None
    except (TypeError, ValueError):
        strength = None
    return DeviceSeen(
        site=event.site,
        modality=event.modality or _text(header.get("Modality")),
        manufacturer=_text(header.get("Manufacturer")),
        model=_text(header.get("ManufacturerModelName")),
        serial_number=_text(header.get("DeviceSerialNumber")),
        station_name=_text(header.get("StationName")),
        software_version=_text(header.get("SoftwareVersions")),
        field_strength_t=strength,
    )


def propose_scanners(archive: Archive, room: NetworkRoom) -> Callable[[], None]:
    """Subscribe to the archive's stored instances; returns the unsubscribe function."""
    seen: OrderedDict[str, None] = OrderedDict()

    def on_stored(event: InstanceStored) -> None:
        if event.series_instance_uid in seen:
            return
        seen[event.series_instance_uid] = None
        if len(seen) > SERIES_REMEMBERED:
            seen.popitem(last=False)
        device = device_of(archive, event)
        if device is not None:
            room.device_seen(device)

    return archive.events.subscribe(InstanceStored, on_stored)
