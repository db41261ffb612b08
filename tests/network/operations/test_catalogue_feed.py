"""The catalogue filled from the hub's released snapshots: one entry per snapshot with what the stored headers
say (modalities, body parts, dates), its sites and agreement, counts withheld when a cell is small, the listing
audited, searchable in full text and exported as schema.org JSON-LD."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from governance.hub import Hub, build_hub
from governance.network import START
from imaging_hub.governance import SYSTEM, AuditFilter, Governance, SettableClock
from imaging_hub.hub import catalogue_snapshots
from imaging_hub.network.catalogue import Catalogue, EntryKind


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    data = tmp_path_factory.mktemp("catalogue-feed")
    gov = Governance.open(f"sqlite:///{data / 'hub.sqlite3'}", SettableClock(START))
    built = build_hub(gov, data / "archive")
    yield built
    built.archive.close()
    gov.close()


def test_snapshots_become_catalogue_entries(hub: Hub) -> None:
    catalogue = Catalogue.on(hub.archive.database.writer)
    keys = catalogue_snapshots(hub.gov, hub.archive, catalogue, "Example Imaging Network", SYSTEM)
    assert sorted(keys) == ["hub-brain2-v1", "hub-lung1-v1"]
    entry = catalogue.get("hub-lung1-v1")
    assert entry is not None and entry.kind is EntryKind.HUB_SNAPSHOT
    assert entry.sites == ("RXX",) and entry.modalities and "DSA-2026-001" in entry.terms
    assert entry.start is not None and entry.end is not None and entry.start <= entry.end
    # One study from one site: a small cell, so no count is published.
    assert (entry.participants, entry.studies, entry.instances) == (None, None, None)
    hits = catalogue.search("lung")
    assert [h.entry.key for h in hits] == ["hub-lung1-v1"]
    document = catalogue.jsonld("hub-lung1-v1", "https://hub.example")
    assert document is not None and document["@type"] == "Dataset"
    again = catalogue_snapshots(hub.gov, hub.archive, catalogue, "Example Imaging Network", SYSTEM)
    assert sorted(again) == sorted(keys) and len(catalogue.entries(EntryKind.HUB_SNAPSHOT)) == 2  # replaced
    listed = hub.gov.audit.entries(AuditFilter(action="snapshot.list", limit=100))
    assert listed
