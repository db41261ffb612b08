"""Scanners seen in arriving data: the hub reads the kept device attributes of each new series from the stored
header and the network room proposes an unknown scanner once, matching a registered one by serial number."""

from __future__ import annotations

import io
import random

from pydicom import dcmwrite

from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
from imaging_hub.hub import propose_scanners
from imaging_hub.network.capacity import Scanner, SiteLocation
from imaging_hub.network.operations import Actor, NetworkRoom
from imaging_hub.store import Archive

MANAGER = Actor("manager@example.org", manager=True)


def _series(seed: int, site: str, serial: str, model: str = "Magnet 1500") -> list[bytes]:
    patient = SyntheticPatient.make(random.Random(seed), site_prefix=site)
    out = []
    for ds in make_study(patient, StudySpec(series=1, instances_per_series=3, rows=8, columns=8), seed=seed):
        ds.ClinicalTrialProtocolID, ds.ClinicalTrialSiteID = "LUNG1", site
        ds.Manufacturer, ds.ManufacturerModelName, ds.DeviceSerialNumber = "ACME", model, serial
        ds.StationName, ds.SoftwareVersions, ds.MagneticFieldStrength = "MRI-EAST", ["XA50", "SP1"], "1.5"
        buffer = io.BytesIO()
        dcmwrite(buffer, ds, enforce_file_format=True)
        out.append(buffer.getvalue())
    return out


def test_arriving_series_propose_unknown_scanners_once(archive: Archive) -> None:
    room = NetworkRoom.open(archive.database.writer)
    room.add_site(MANAGER, SiteLocation("RXX", 53.8, -1.55))
    modality = _modality(_series(1, "RXX", "S-1")[0])
    room.register_scanner(MANAGER, Scanner("RXX-1", "RXX", modality, "ACME", "Magnet 1500"), serial_number="S-1")
    unsubscribe = propose_scanners(archive, room)
    try:
        for seed, serial in ((1, "S-1"), (2, "S-2"), (3, "S-2")):
            for blob in _series(seed, "RXX", serial):
                archive.store_bytes(blob)
    finally:
        unsubscribe()
    proposals = room.proposals()
    assert len(proposals) == 1
    proposal = proposals[0]
    assert (proposal["serial_number"], proposal["series_seen"], proposal["software_version"]) == ("S-2", 2, "XA50\\SP1")
    assert proposal["field_strength_t"] == 1.5 and proposal["site"] == "RXX"
    with archive.database.writer.connect() as conn:
        registered = conn.exec_driver_sql("SELECT series_seen FROM net_op_scanner WHERE scanner_id = 'RXX-1'").scalar()
    assert registered == 1  # three instances of one series, counted once


def _modality(blob: bytes) -> str:
    from pydicom import dcmread

    return str(dcmread(io.BytesIO(blob)).Modality)
