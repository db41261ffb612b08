"""The demo's quality check: the project's acquisition protocol, saved in the hub's quality room and checked
over the project's series stored at the hub, with a conformance table per site, ``quality.json`` in the demo
folder, and the same results on the hub's quality page."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from rich.table import Table

from imaging_hub.quality import ClusterChoice, QualityRoom, SeriesConformance, load_protocol, run_project
from imaging_hub.store import Archive

# What the project lead wrote: chest CT or MR thorax, 2.5 mm slices, no missing slice, a minimum SNR.
PROTOCOL = """\
[protocol]
name = "LUNG-AI chest"
version = "1.0"
format = 1
unexpected_series = "problem"
timepoints = ["baseline"]

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
    """Save the project's protocol in the hub's quality room (a new version only when it changed), assess
    every series of ``project`` the archive holds on a LocalCluster (what the hub's subscriber already did is
    skipped), and write the protocol and ``quality.json``. The hub's quality page shows the same results."""
    protocol_file = folder / "protocol.toml"
    protocol_file.write_text(PROTOCOL)
    protocol = load_protocol(protocol_file)
    room = QualityRoom.open(archive.database.writer)
    current = room.protocol(project)
    if current is None or current.text != PROTOCOL:
        room.save_protocol(project, PROTOCOL, "demo project lead")
    run_project(archive, room, project, cluster=ClusterChoice(n_workers=1, processes=False))
    by_site: dict[str, list[tuple[str, SeriesConformance]]] = defaultdict(list)
    for record in room.records(project):
        if record.modality != "SR":
            by_site[record.site or "unknown"].append((record.study_instance_uid, record.conformance))
    document = {
        "protocol": {"name": protocol.name, "version": protocol.version, "file": protocol_file.name},
        "page": f"/projects/{project}/quality",
        "sites": {site: {"series": len(found), "conformant": sum(c.conformant for _, c in found)}
                  for site, found in sorted(by_site.items())},
        "series": [{"site": site, "study_instance_uid": study, **c.to_dict()}
                   for site, found in sorted(by_site.items()) for study, c in found],
    }
    (folder / "quality.json").write_text(json.dumps(document, indent=1, default=str))
    return _table(by_site, protocol.name, protocol.version), document


def _table(by_site: dict[str, list[tuple[str, SeriesConformance]]], name: str, version: str) -> Table:
    table = Table(title=f"Quality: conformance to the acquisition protocol {name} {version} (see the project's "
                        "quality page)")
    for column in ("site", "series checked", "conformant", "problems"):
        table.add_column(column)
    for site, found in sorted(by_site.items()):
        problems = [f"{c.matched or 'unrecognised'}: {describe(p.rule, p.attribute, p.expected, p.found)}"
                    for _, c in found for p in c.problems]
        table.add_row(site, str(len(found)), str(sum(c.conformant for _, c in found)), "\n".join(problems) or "none")
    return table


def describe(rule: str, attribute: str, expected: str, found: str) -> str:
    return f"{attribute} {found} (expected {rule} {expected})"
