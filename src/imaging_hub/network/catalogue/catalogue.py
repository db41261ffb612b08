"""The catalogue: entries kept in the hub's database and found by the database's own full-text search."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, column, delete, desc, func, insert, literal_column, select, update

from imaging_hub.network.catalogue.database import make_engine, migrate
from imaging_hub.network.catalogue.entry import CatalogueEntry, EntryKind
from imaging_hub.network.catalogue.jsonld import to_dataset_jsonld
from imaging_hub.network.catalogue.query import fts5_query
from imaging_hub.network.catalogue.tables import FTS_NAME, entries, fts


@dataclass(frozen=True)
class SearchHit:
    entry: CatalogueEntry
    score: float  # higher is more relevant; comparable within one search only


class Catalogue:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._postgres = engine.dialect.name == "postgresql"

    @classmethod
    def open(cls, url: str) -> Catalogue:
        engine = make_engine(url)
        migrate(engine)
        return cls(engine)

    @classmethod
    def on(cls, engine: Engine) -> Catalogue:
        """The catalogue in a database another package already opened (the hub's): migrated, not owned."""
        migrate(engine)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    def put(self, entry: CatalogueEntry, now: datetime | None = None) -> None:
        """Add the entry, or replace the one with its key."""
        when = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
        values = {"kind": entry.kind.value, "title": entry.title, "search_text": entry.search_text,
                  "document": json.dumps(entry.to_document(), sort_keys=True), "updated_at": when}
        with self.engine.begin() as db:
            changed = db.execute(update(entries).where(entries.c.key == entry.key).values(**values)).rowcount
            if not changed:
                db.execute(insert(entries).values(key=entry.key, **values))

    def get(self, key: str) -> CatalogueEntry | None:
        with self.engine.connect() as db:
            document = db.execute(select(entries.c.document).where(entries.c.key == key)).scalar_one_or_none()
        return None if document is None else CatalogueEntry.from_document(json.loads(document))

    def remove(self, key: str) -> bool:
        with self.engine.begin() as db:
            return bool(db.execute(delete(entries).where(entries.c.key == key)).rowcount)

    def entries(self, kind: EntryKind | None = None) -> list[CatalogueEntry]:
        query = select(entries.c.document).order_by(entries.c.key)
        if kind is not None:
            query = query.where(entries.c.kind == kind.value)
        with self.engine.connect() as db:
            return [CatalogueEntry.from_document(json.loads(d)) for d in db.execute(query).scalars()]

    def search(self, text: str, kind: EntryKind | None = None, limit: int = 20) -> list[SearchHit]:
        """Entries matching the words, most relevant first (see ``query`` for what the words mean)."""
        if self._postgres:
            terms = func.websearch_to_tsquery("english", text)
            vector: Any = column("search_vector")
            score: Any = func.ts_rank(vector, terms)
            query = select(entries.c.document, score.label("score")).where(vector.op("@@")(terms))
        else:
            expression = fts5_query(text)
            if expression is None:
                return []
            table: Any = literal_column(FTS_NAME)
            score = -func.bm25(table)  # bm25 is lower for better matches
            query = (select(entries.c.document, score.label("score"))
                     .select_from(fts.join(entries, fts.c.key == entries.c.key))
                     .where(table.op("MATCH")(expression)))
        if kind is not None:
            query = query.where(entries.c.kind == kind.value)
        query = query.order_by(desc("score"), entries.c.key).limit(limit)
        with self.engine.connect() as db:
            return [SearchHit(CatalogueEntry.from_document(json.loads(d)), float(s)) for d, s in db.execute(query)]

    def jsonld(self, key: str, base_url: str) -> dict[str, Any] | None:
        """The entry as schema.org Dataset JSON-LD, or ``None`` if there is no such entry."""
        with self.engine.connect() as db:
            row = db.execute(select(entries.c.document, entries.c.updated_at).where(entries.c.key == key)).first()
        if row is None:
            return None
        entry = CatalogueEntry.from_document(json.loads(row.document))
        return to_dataset_jsonld(entry, base_url, row.updated_at.replace(tzinfo=UTC))
