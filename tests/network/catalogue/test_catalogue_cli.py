"""``imaging-hub catalogue``: sync from a hub's snapshots, full-text search, JSON-LD; refuses where no hub is."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from imaging_hub.cli import app
from imaging_hub.network.catalogue import Catalogue, CatalogueEntry, EntryKind
from imaging_hub.store import Archive

runner = CliRunner()


def test_sync_search_and_jsonld(tmp_path: Path) -> None:
    data = tmp_path / "hub"
    synced = runner.invoke(app, ["catalogue", "sync", "--data", str(data)])
    assert synced.exit_code == 2 and "no hub data folder" in synced.output
    assert not data.exists()  # nothing created by a refusal
    archive = Archive.open(data)
    Catalogue.on(archive.database.writer).put(
        CatalogueEntry(
            "open-knee-mr",
            EntryKind.EXTERNAL_REPOSITORY,
            "Open knee MRI collection",
            "Knee MR with cartilage labels.",
            "A university",
            modalities=("MR",),
            body_parts=("KNEE",),
            url="https://example.org/knee",
        )
    )
    archive.close()
    synced = runner.invoke(app, ["catalogue", "sync", "--data", str(data)])
    assert synced.exit_code == 0, synced.output
    assert "0 snapshot entries" in synced.output  # a new hub has released nothing yet
    found = runner.invoke(app, ["catalogue", "search", "cartilage", "--data", str(data)])
    assert found.exit_code == 0 and found.stdout.split("\t")[0] == "open-knee-mr"
    assert (
        runner.invoke(app, ["catalogue", "search", "cartilage", "--kind", "nope", "--data", str(data)]).exit_code == 2
    )
    exported = runner.invoke(app, ["catalogue", "jsonld", "open-knee-mr", "--data", str(data)])
    assert exported.exit_code == 0 and json.loads(exported.stdout)["@type"] == "Dataset"
    assert runner.invoke(app, ["catalogue", "jsonld", "missing", "--data", str(data)]).exit_code == 1


ENTERED = [
    {"key": "open-knee-mr", "kind": "external_repository", "title": "Open knee MRI collection",
     "description": "Knee MR with cartilage labels.", "publisher": "A university", "modalities": ["MR"],
     "body_parts": ["KNEE"], "url": "https://example.org/knee", "participants": 120, "start": "2019-01-01"},
    {"key": "north-ctu", "kind": "trials_unit", "title": "Northern imaging trials unit",
     "description": "Central reading and QA for multi-site MR trials.", "publisher": "The network",
     "keywords": ["central reading", "MR QA"], "sites": ["RX1"], "scanners": 3},
]


def test_entries_typed_in_are_added_all_or_nothing_and_audited(tmp_path: Path) -> None:
    from imaging_hub.config import HubSettings
    from imaging_hub.governance import AuditFilter, Governance

    data = tmp_path / "hub"
    entries = tmp_path / "entries.json"
    entries.write_text(json.dumps(ENTERED))
    refused = runner.invoke(app, ["catalogue", "add", str(entries), "--data", str(data)])
    assert refused.exit_code == 2 and "no hub data folder" in refused.output and not data.exists()
    Archive.open(data).close()
    added = runner.invoke(app, ["catalogue", "add", str(entries), "--data", str(data)])
    assert added.exit_code == 0, added.output
    found = runner.invoke(app, ["catalogue", "search", "central reading", "--data", str(data)])
    assert found.stdout.split("\t")[0] == "north-ctu"

    for broken, named in (
        ([{**ENTERED[0], "key": "new-one", "colour": "red"}], "entry 1: unknown field colour"),
        ([ENTERED[0], {**ENTERED[1], "kind": "hub_snapshot"}], "entry 2: hub snapshots come from the hub"),
        ([{**ENTERED[0], "key": "x-1", "start": "last spring"}], "entry 1: start must be a date"),
        ([{**ENTERED[0], "key": "x-2", "participants": -4}], "entry 1: participants: cannot be negative"),
        ([{**ENTERED[0], "key": "x-3", "participants": True}], "entry 1: participants must be a whole number"),
        ([{**ENTERED[0], "key": "x-4", "modalities": "MR"}], "entry 1: modalities must be a list of text"),
        ([{**ENTERED[0], "key": "x-5", "url": "javascript:alert(1)"}], "entry 1: url: expected an http(s)"),
        ([ENTERED[0], ENTERED[0]], "key: repeated (open-knee-mr)"),
        ({"key": "not-a-list"}, "expected a non-empty JSON list"),
    ):
        entries.write_text(json.dumps(broken))
        answer = runner.invoke(app, ["catalogue", "add", str(entries), "--data", str(data)])
        assert answer.exit_code == 2 and named in answer.output, (named, answer.output)
    entries.write_text("{not json")
    assert "is not readable JSON" in runner.invoke(app, ["catalogue", "add", str(entries), "--data", str(data)]).output
    with Archive.open(data) as archive:
        assert {e.key for e in Catalogue.on(archive.database.writer).entries()} == {"open-knee-mr", "north-ctu"}
    gov = Governance.open_hub(HubSettings(data=data))
    try:
        put = gov.audit.entries(AuditFilter(action="catalogue.entry.put", limit=10))
        assert sorted(e.entity_id for e in put) == ["north-ctu", "open-knee-mr"]
    finally:
        gov.close()
