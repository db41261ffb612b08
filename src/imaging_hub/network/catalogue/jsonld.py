"""A catalogue entry as schema.org ``Dataset`` JSON-LD, so other catalogues can harvest it.

Collections map directly. A capacity entry (a trials unit or site) is published as a ``Dataset`` too, as the
network's record of that capacity, with ``additionalType`` saying what it describes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from imaging_hub.network.catalogue.entry import CatalogueEntry


def to_dataset_jsonld(entry: CatalogueEntry, base_url: str, modified: datetime | None = None) -> dict[str, Any]:
    """``base_url`` is where the catalogue is served; the entry's own page is ``{base_url}/{key}``."""
    own = f"{base_url.rstrip('/')}/{entry.key}"
    document: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": own,
        "identifier": entry.key,
        "additionalType": entry.kind.value,
        "name": entry.title,
        "description": entry.description,
        "url": entry.url or own,
        "publisher": {"@type": "Organization", "name": entry.publisher},
        "keywords": [*entry.keywords, *entry.body_parts],
        "measurementTechnique": list(entry.modalities),
        "spatialCoverage": [{"@type": "Place", "name": site} for site in entry.sites],
    }
    if entry.terms:
        document["usageInfo"] = entry.terms
    if entry.licence_url:
        document["license"] = entry.licence_url
    if entry.start or entry.end:
        document["temporalCoverage"] = f"{entry.start.isoformat() if entry.start else '..'}/" \
                                       f"{entry.end.isoformat() if entry.end else '..'}"
    if modified is not None:
        document["dateModified"] = modified.isoformat()
    counts = {"participants": entry.participants, "studies": entry.studies, "instances": entry.instances,
              "scanners": entry.scanners}
    document["size"] = [
        {"@type": "QuantitativeValue", "value": value, "unitText": name} for name, value in counts.items()
        if value is not None
    ]
    return {k: v for k, v in document.items() if v not in ([], "", None)}
