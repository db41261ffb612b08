"""The network's catalogue: imaging data collections (the hub's released snapshots, open repositories) and
trials units and sites with imaging capacity, searchable in full text (SQLite FTS5 or PostgreSQL text search)
and exported per entry as schema.org ``Dataset`` JSON-LD. Its tables keep their own Alembic history."""

from imaging_hub.network.catalogue.catalogue import Catalogue, SearchHit
from imaging_hub.network.catalogue.database import VERSION_TABLE
from imaging_hub.network.catalogue.entered import entered_entries
from imaging_hub.network.catalogue.entry import CatalogueEntry, CatalogueInputError, EntryKind
from imaging_hub.network.catalogue.jsonld import to_dataset_jsonld
from imaging_hub.network.catalogue.query import fts5_query

__all__ = [
    "VERSION_TABLE",
    "Catalogue",
    "CatalogueEntry",
    "CatalogueInputError",
    "EntryKind",
    "SearchHit",
    "entered_entries",
    "fts5_query",
    "to_dataset_jsonld",
]
