"""The catalogue on SQLite (FTS5) and the real PostgreSQL server (tsvector, websearch_to_tsquery)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import inspect

from imaging_hub.network.catalogue import (
    VERSION_TABLE,
    Catalogue,
    CatalogueEntry,
    CatalogueInputError,
    EntryKind,
    fts5_query,
)

SNAPSHOT = CatalogueEntry(
    key="wbm-1-release-2", kind=EntryKind.HUB_SNAPSHOT, title="Whole-body MRI in myeloma, release 2",
    description="De-identified whole-body MRI of participants with myeloma at baseline and twelve months.",
    publisher="North Imaging Network", modalities=("MR",), body_parts=("whole body",), sites=("RGT", "RHM"),
    keywords=("myeloma", "bone marrow"), terms="Data-sharing agreement required; no re-identification.",
    participants=212, studies=398, instances=152_004, start=date(2024, 1, 8), end=date(2025, 6, 30),
)
REPOSITORY = CatalogueEntry(
    key="lung-ct-open", kind=EntryKind.EXTERNAL_REPOSITORY, title="Open lung CT screening collection",
    description="Low-dose chest CT from a lung cancer screening trial, with nodule annotations.",
    publisher="An open archive", modalities=("CT",), body_parts=("chest",), keywords=("lung cancer", "nodules"),
    url="https://archive.example.org/lung-ct", licence_url="https://creativecommons.org/licenses/by/4.0/",
    studies=1_200,
)
UNIT = CatalogueEntry(
    key="north-ctu", kind=EntryKind.TRIALS_UNIT, title="North Clinical Trials Unit",
    description="Trials unit running imaging trials with central reading of MRI and PET-CT.",
    publisher="North University", modalities=("MR", "PT", "CT"), sites=("RGT",),
    keywords=("central reading", "RECIST", "myeloma"), scanners=4,
)


@pytest.fixture
def catalogue(database_url: str) -> Iterator[Catalogue]:
    opened = Catalogue.open(database_url)
    for entry in (SNAPSHOT, REPOSITORY, UNIT):
        opened.put(entry, now=datetime(2025, 7, 1, 9, 0, tzinfo=UTC))
    yield opened
    opened.close()


@pytest.mark.postgres
def test_search_finds_by_meaning_of_words_and_kind(catalogue: Catalogue) -> None:
    assert {h.entry.key for h in catalogue.search("myeloma")} == {"wbm-1-release-2", "north-ctu"}
    assert [h.entry.key for h in catalogue.search("myeloma", kind=EntryKind.TRIALS_UNIT)] == ["north-ctu"]
    assert [h.entry.key for h in catalogue.search("nodule annotations")] == ["lung-ct-open"]  # stemmed
    assert [h.entry.key for h in catalogue.search('"bone marrow"')] == ["wbm-1-release-2"]
    assert [h.entry.key for h in catalogue.search("myeloma -reading")] == ["wbm-1-release-2"]
    assert {h.entry.key for h in catalogue.search("nodules or RECIST")} == {"lung-ct-open", "north-ctu"}
    assert catalogue.search("myeloma chest") == []
    assert catalogue.search('") OR NOT (*') == []  # punctuation is never query syntax


@pytest.mark.postgres
def test_replacing_and_removing_an_entry_keeps_search_in_step(catalogue: Catalogue) -> None:
    catalogue.put(CatalogueEntry(**{**REPOSITORY.__dict__, "keywords": ("emphysema",)}))
    assert [h.entry.key for h in catalogue.search("nodules")] == ["lung-ct-open"]  # still in its description
    assert catalogue.search("cancer") != [] and catalogue.search("lung cancer screening emphysema") != []
    assert [h.entry.key for h in catalogue.search("lung -emphysema")] == []
    assert [h.entry.key for h in catalogue.search("emphysema")] == ["lung-ct-open"]
    assert catalogue.remove("lung-ct-open") and not catalogue.remove("lung-ct-open")
    assert catalogue.search("emphysema") == [] and catalogue.get("lung-ct-open") is None
    assert [e.key for e in catalogue.entries()] == ["north-ctu", "wbm-1-release-2"]
    assert catalogue.get("wbm-1-release-2") == SNAPSHOT


@pytest.mark.postgres
def test_the_tables_keep_their_own_migration_history(catalogue: Catalogue, database_url: str) -> None:
    names = set(inspect(catalogue.engine).get_table_names())
    assert {"net_catalogue_entry", VERSION_TABLE} <= names
    Catalogue.open(database_url).close()  # a second open migrates nothing and breaks nothing
    assert [e.key for e in catalogue.entries(EntryKind.HUB_SNAPSHOT)] == ["wbm-1-release-2"]


@pytest.mark.postgres
def test_each_entry_exports_as_schema_org_dataset(catalogue: Catalogue) -> None:
    document = catalogue.jsonld("wbm-1-release-2", "https://hub.example.nhs.uk/catalogue/")
    assert document is not None
    assert json.loads(json.dumps(document)) == document
    assert (document["@context"], document["@type"]) == ("https://schema.org/", "Dataset")
    assert document["@id"] == document["url"] == "https://hub.example.nhs.uk/catalogue/wbm-1-release-2"
    assert document["measurementTechnique"] == ["MR"]
    assert document["temporalCoverage"] == "2024-01-08/2025-06-30"
    assert document["dateModified"] == "2025-07-01T09:00:00+00:00"
    assert {"@type": "QuantitativeValue", "value": 398, "unitText": "studies"} in document["size"]
    assert document["usageInfo"].startswith("Data-sharing agreement")
    external = catalogue.jsonld("lung-ct-open", "https://hub.example.nhs.uk/catalogue")
    assert external is not None and external["url"] == "https://archive.example.org/lung-ct"
    assert external["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert catalogue.jsonld("missing", "https://hub.example.nhs.uk/catalogue") is None


def test_the_fts5_query_follows_websearch_meaning() -> None:
    assert fts5_query('lung "bone marrow" or chest -rat') == '(("lung") AND ("bone marrow" OR "chest")) NOT "rat"'
    assert fts5_query("-only -excluded") is None
    assert fts5_query('a"b') == '("a") AND ("b")'  # an unclosed quote starts a phrase to the end
    assert fts5_query("x OR") == fts5_query("or x") == '("x")'  # a dangling "or" joins nothing


@pytest.mark.parametrize(
    ("change", "field"),
    [({"key": "Bad Key"}, "key"), ({"title": " "}, "title"), ({"studies": -1}, "studies"),
     ({"url": "ftp://x"}, "url"), ({"start": date(2025, 1, 2), "end": date(2025, 1, 1)}, "end")],
)
def test_a_malformed_entry_is_refused_naming_the_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(CatalogueInputError, match=field):
        CatalogueEntry(**{**SNAPSHOT.__dict__, **change})
