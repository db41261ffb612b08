"""Entries the network types in (``imaging-hub catalogue add``): open repositories elsewhere, trials units and
sites with imaging research capacity. The hub's own snapshots are not typed in: they come from the hub itself.
Each mistake names the entry (by its position) and the field, never a value."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import date
from typing import Any

from imaging_hub.network.catalogue.entry import CatalogueEntry, CatalogueInputError, EntryKind

_LISTS = ("modalities", "body_parts", "sites", "keywords")
_DATES = ("start", "end")
_COUNTS = ("participants", "studies", "instances", "scanners")
_KNOWN = {f.name for f in fields(CatalogueEntry)}
TYPED_KINDS = tuple(k for k in EntryKind if k is not EntryKind.HUB_SNAPSHOT)


def entered_entries(documents: object) -> list[CatalogueEntry]:
    """A JSON list of entries, all checked before any is used; repeated keys are refused."""
    if not isinstance(documents, list) or not documents:
        raise CatalogueInputError("expected a non-empty JSON list of entries")
    entries = [_entry(document, f"entry {n}") for n, document in enumerate(documents, start=1)]
    keys = [e.key for e in entries]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise CatalogueInputError(f"key: repeated ({', '.join(repeated)})")
    return entries


def _entry(document: object, where: str) -> CatalogueEntry:
    if not isinstance(document, Mapping):
        raise CatalogueInputError(f"{where}: expected an object")
    unknown = sorted(str(k) for k in document if k not in _KNOWN)
    if unknown:
        raise CatalogueInputError(f"{where}: unknown field {unknown[0]}")
    values: dict[str, Any] = dict(document)
    try:
        kind = EntryKind(values.get("kind"))
    except ValueError:
        raise CatalogueInputError(f"{where}: kind must be one of {', '.join(k.value for k in TYPED_KINDS)}") from None
    if kind not in TYPED_KINDS:
        raise CatalogueInputError(f"{where}: hub snapshots come from the hub (imaging-hub catalogue sync)")
    values["kind"] = kind
    for name in ("key", "title", "description", "publisher"):
        if not isinstance(values.get(name), str):
            raise CatalogueInputError(f"{where}: {name} is missing or not text")
    for name in _LISTS:
        values[name] = _texts(values.get(name, []), f"{where}: {name}")
    for name in _DATES:
        values[name] = _date(values.get(name), f"{where}: {name}")
    for name in _COUNTS:
        value = values.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise CatalogueInputError(f"{where}: {name} must be a whole number")
    for name in ("url", "licence_url", "terms"):
        if values.get(name) is not None and not isinstance(values[name], str):
            raise CatalogueInputError(f"{where}: {name} must be text")
    try:
        return CatalogueEntry(**values)
    except CatalogueInputError as exc:
        raise CatalogueInputError(f"{where}: {exc}") from None


def _texts(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, Sequence) or isinstance(value, str) or not all(isinstance(v, str) for v in value):
        raise CatalogueInputError(f"{where} must be a list of text")
    return tuple(value)


def _date(value: object, where: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CatalogueInputError(f"{where} must be a date (YYYY-MM-DD)") from None
