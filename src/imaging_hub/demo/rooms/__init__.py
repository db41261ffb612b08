"""After delivery, the demo shows the hub's rooms working on what the network delivered: quality, labelling,
AI assurance and network operations. Each writes its files into its own folder of the demo folder."""

from __future__ import annotations

import json
import time
from pathlib import Path

from rich.console import Console

from imaging_hub.config import HubSettings
from imaging_hub.demo.governance_setup import PROJECT
from imaging_hub.demo.rooms.assurance import assure
from imaging_hub.demo.rooms.assurance_readers import read_with_and_without_ai
from imaging_hub.demo.rooms.assurance_tool import register_and_run
from imaging_hub.demo.rooms.cases import project_cases
from imaging_hub.demo.rooms.labelling import label_project
from imaging_hub.demo.rooms.network import run_network
from imaging_hub.demo.rooms.network_activity import fill_portfolio
from imaging_hub.demo.rooms.network_catalogue import fill_catalogue
from imaging_hub.demo.rooms.quality import check_project
from imaging_hub.governance import Governance
from imaging_hub.store import Archive


def show_rooms(folder: Path, console: Console) -> None:
    """Run each room over the hub's data folder (the hub keeps serving meanwhile) and print what it found."""
    hub_data = folder / "hub"
    started = time.monotonic()
    gov = Governance.open_hub(HubSettings(data=hub_data))
    archive = Archive.open(hub_data)
    try:
        quality_folder = folder / "quality"
        quality_folder.mkdir(exist_ok=True)
        table, _ = check_project(quality_folder, archive, PROJECT)
        console.print(table)
        cases = project_cases(archive, PROJECT)
        table, labels = label_project(gov, archive, PROJECT, cases)
        (folder / "labelling.json").write_text(json.dumps(labels, indent=1, default=str))
        console.print(table)
        table, assured = assure(folder / "assurance", cases)
        console.print(table)
        monitoring = json.loads((folder / "assurance" / assured["monitor"]).read_text())
        table, registered = register_and_run(gov, archive, PROJECT, cases, folder / "assurance" / "register",
                                             monitoring)
        console.print(table)
        table, readers = read_with_and_without_ai(gov, archive, PROJECT, cases, registered["inference_run"])
        (folder / "assurance" / "reader-study.json").write_text(json.dumps(readers, indent=1))
        console.print(table)
        tables, network = run_network(folder / "network", sorted({c.participant for c in cases}),
                                      (archive.database.writer, gov))
        network["catalogue"] = fill_catalogue(gov, archive)
        network["portfolio"] = fill_portfolio(gov, archive, PROJECT)
    finally:
        archive.close()
        gov.close()
    (folder / "network" / "summary.json").write_text(json.dumps(network, indent=1))
    for table in tables:
        console.print(table)
    console.print(f"rooms shown in {time.monotonic() - started:.0f}s; their files are in {folder}", style="dim")
