"""A catalogue entry: an imaging data collection (the hub's own released snapshot, or an open repository the
network lists) or a trials unit or site with imaging research capacity."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from enum import Enum
from typing import Any

from imaging_hub.errors import ImagingHubError

_KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")


class CatalogueInputError(ImagingHubError, ValueError):
    """An entry the catalogue cannot hold; names the field."""


class EntryKind(Enum):
    HUB_SNAPSHOT = "hub_snapshot"  # a snapshot this hub released, with its agreement terms
    EXTERNAL_REPOSITORY = "external_repository"  # an open imaging repository elsewhere
    TRIALS_UNIT = "trials_unit"  # a clinical trials unit with imaging capacity
    IMAGING_SITE = "imaging_site"  # a site with imaging research capacity

    @property
    def is_collection(self) -> bool:
        return self in (EntryKind.HUB_SNAPSHOT, EntryKind.EXTERNAL_REPOSITORY)


@dataclass(frozen=True)
class CatalogueEntry:
    key: str  # lower-case letters, digits and hyphens: stable, used in URLs and as the JSON-LD identifier
    kind: EntryKind
    title: str
    description: str
    publisher: str
    modalities: tuple[str, ...] = ()  # DICOM modality codes: CT, MR, PT...
    body_parts: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()  # topics, or a unit's expertise
    url: str | None = None
    terms: str = ""  # the agreement terms or licence in words
    licence_url: str | None = None
    participants: int | None = None
    studies: int | None = None
    instances: int | None = None
    scanners: int | None = None  # capacity entries
    start: date | None = None
    end: date | None = None

    def __post_init__(self) -> None:
        if not _KEY.fullmatch(self.key):
            raise CatalogueInputError("key: lower-case letters, digits and hyphens, starting with a letter or digit")
        for name in ("title", "description", "publisher"):
            if not getattr(self, name).strip():
                raise CatalogueInputError(f"{name}: is empty")
        for name in ("participants", "studies", "instances", "scanners"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise CatalogueInputError(f"{name}: cannot be negative")
        if self.start and self.end and self.end < self.start:
            raise CatalogueInputError("end: is before start")
        for name in ("url", "licence_url"):
            value = getattr(self, name)
            if value is not None and not value.startswith(("https://", "http://")):
                raise CatalogueInputError(f"{name}: expected an http(s) address")

    @property
    def search_text(self) -> str:
        """What full-text search reads: the words of every descriptive field."""
        return " ".join([self.title, self.description, self.publisher, *self.modalities, *self.body_parts,
                         *self.sites, *self.keywords, self.terms])

    def to_document(self) -> dict[str, Any]:
        document = asdict(self)
        document["kind"] = self.kind.value
        for name in ("start", "end"):
            document[name] = document[name].isoformat() if document[name] else None
        return document

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> CatalogueEntry:
        fields = dict(document)
        fields["kind"] = EntryKind(fields["kind"])
        for name in ("modalities", "body_parts", "sites", "keywords"):
            fields[name] = tuple(fields[name])
        for name in ("start", "end"):
            fields[name] = date.fromisoformat(fields[name]) if fields[name] else None
        return cls(**fields)
