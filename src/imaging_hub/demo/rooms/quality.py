"""The demo's quality check: the project's acquisition protocol, checked over the project's instances stored at
the hub, with a conformance table per site and ``quality.json`` in the demo folder."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from pydicom import dcmread
from rich.table import Table

from imaging_hub.quality import SeriesConformance, check_series, load_protocol
from imaging_hub.store import Archive, Query

# What the project lead wrote: chest CT or MR thorax, 2.5 mm slices, no missing slice, a minimum SNR.
PROTOCOL = """\
[protocol]
name = "LUNG-AI chest"
version = "1.0"
format = 1
unexpected_series = "problem"

[[series]]
name = "CT chest"
required = false
match = { modality = "CT", series_description = "(?i)chest" }
geometry = { no_missing_slices = true, consistent_orientation = true, consistent_pixel_spacing = true }
image = { min_snr = 25 }

[series.attributes]
SliceThickness = { min = 2.0, max = 3.0 }
KVP = { one_of = [100, 120] }

[[series]]
name = "MR thorax"
required = false
match = { modality = "MR", series_description = "(?i)thorax" }
geometry = { no_missing_slices = true, consistent_orientation = true, consistent_pixel_spacing = true }
image = { min_snr = 25 }

[series.attributes]
SliceThickness = { min = 2.0, max = 3.0 }
MagneticFieldStrength = { one_of = [1.5, 3] }
"""


def check_project(folder: Path, archive: Archive, project: str) -> tuple[Table, dict[str, Any]]:
    """Check every series of ``project`` held by ``archive``; write the protocol and ``quality.json``."""
    protocol_file = folder / "protocol.toml"
    protocol_file.write_text(PROTOCOL)
    protocol = load_protocol(protocol_file)
    by_site: dict[str, list[tuple[str, SeriesConformance]]] = defaultdict(list)
    for study in archive.search(Query("STUDY", {"ClinicalTrialProtocolID": project})):
        series: dict[str, list[Path]] = defaultdict(list)
        site = "unknown"
        for held in archive.instances(str(study.StudyInstanceUID)):
            series[held.series_instance_uid].append(held.path)
            site = held.clinical_trial_site_id or site
        for paths in series.values():
            headers = [dcmread(path) for path in sorted(paths)]
            by_site[site].append((str(study.StudyInstanceUID), check_series(headers, protocol, site=site)))
    document = {
        "protocol": {"name": protocol.name, "version": protocol.version, "file": protocol_file.name},
        "sites": {site: {"series": len(found), "conformant": sum(c.conformant for _, c in found)}
                  for site, found in sorted(by_site.items())},
        "series": [{"site": site, "study_instance_uid": study, **c.to_dict()}
                   for site, found in sorted(by_site.items()) for study, c in found],
    }
    (folder / "quality.json").write_text(json.dumps(document, indent=1, default=str))
    return _table(by_site, protocol.name, protocol.version), document


def _table(by_site: dict[str, list[tuple[str, SeriesConformance]]], name: str, version: str) -> Table:
    table = Table(title=f"Quality: conformance to the acquisition protocol {name} {version}")
    for column in ("site", "series checked", "conformant", "problems"):
        table.add_column(column)
    for site, found in sorted(by_site.items()):
        problems = [f"{c.matched or 'unrecognised'}: {describe(p.rule, p.attribute, p.expected, p.found)}"
                    for _, c in found for p in c.problems]
        table.add_row(site, str(len(found)), str(sum(c.conformant for _, c in found)), "\n".join(problems) or "none")
    return table


def describe(rule: str, attribute: str, expected: str, found: str) -> str:
    return f"{attribute} {found} (expected {rule} {expected})"
