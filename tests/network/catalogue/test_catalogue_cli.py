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
