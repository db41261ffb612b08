"""The demo's catalogue: the snapshot the demo released (from the hub itself, small counts withheld), two open
repositories the network lists, and a trials unit and a site with imaging research capacity. The open
repositories are real; their facts are from their own pages (The Cancer Imaging Archive's LIDC-IDRI collection,
UK Biobank's imaging study). The unit and the site belong to the demo's made-up network."""

from __future__ import annotations

from typing import Any

from imaging_hub.governance import SYSTEM, Governance
from imaging_hub.hub import catalogue_snapshots, put_entries
from imaging_hub.network.catalogue import Catalogue, entered_entries
from imaging_hub.store import Archive

PUBLISHER = "Demo imaging research network"
LISTED: list[dict[str, Any]] = [
    {
        "key": "lidc-idri",
        "kind": "external_repository",
        "title": "LIDC-IDRI: lung CT with nodule annotations",
        "description": "Thoracic CT scans with lesions marked by four radiologists each, for lung nodule "
        "detection and classification research.",
        "publisher": "The Cancer Imaging Archive",
        "modalities": ["CT", "CR", "DX"],
        "body_parts": ["CHEST"],
        "keywords": ["lung cancer", "nodules", "annotations"],
        "url": "https://www.cancerimagingarchive.net/collection/lidc-idri/",
        "terms": "Creative Commons Attribution 3.0",
        "participants": 1010,
    },
    {
        "key": "uk-biobank-imaging",
        "kind": "external_repository",
        "title": "UK Biobank imaging study",
        "description": "Brain, heart and abdominal MRI, DXA and carotid ultrasound of UK Biobank participants, "
        "linked to their health records and other data.",
        "publisher": "UK Biobank",
        "modalities": ["MR", "US"],
        "body_parts": ["BRAIN", "HEART", "ABDOMEN"],
        "keywords": ["population cohort", "multi-organ MRI"],
        "url": "https://www.ukbiobank.ac.uk/",
        "terms": "Access by application to UK Biobank for health-related research in the public interest.",
    },
    {
        "key": "demo-north-imaging-ctu",
        "kind": "trials_unit",
        "title": "Northern Imaging Trials Unit (demo)",
        "description": "Central reading, protocol set-up and scanner QA for multi-site imaging trials.",
        "publisher": PUBLISHER,
        "modalities": ["CT", "MR"],
        "sites": ["RX1"],
        "keywords": ["central reading", "protocol harmonisation", "phantom QA"],
    },
    {
        "key": "demo-rz3-research-mri",
        "kind": "imaging_site",
        "title": "Test Valley University Hospitals research MRI (demo)",
        "description": "A 3T research MRI with evening research sessions and a physicist for sequence work.",
        "publisher": PUBLISHER,
        "modalities": ["MR"],
        "sites": ["RZ3"],
        "keywords": ["3T", "research sessions", "MR physics"],
        "scanners": 1,
    },
]


def fill_catalogue(gov: Governance, archive: Archive) -> dict[str, Any]:
    catalogue = Catalogue.on(archive.database.writer)
    snapshots = catalogue_snapshots(gov, archive, catalogue, PUBLISHER, SYSTEM)
    listed = entered_entries(LISTED)
    put_entries(catalogue, listed, gov, SYSTEM)
    return {"snapshots": snapshots, "listed": [e.key for e in listed], "page": "/network/catalogue"}
