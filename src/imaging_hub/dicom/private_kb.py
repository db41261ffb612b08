"""TCIA's private tag knowledge base: which vendor private attributes are safe to keep.

Shipped as package data (``data/tcia-private-tag-kb-2024-02-01.csv``, provenance beside it). Each row names
an element by its signature path, e.g. ``(0019,"GEMS_ACQU_01",0c)`` or a nested one
``(0009,"GEIIS",10)[<0>](0029,"GEIIS",20)``, and gives TCIA's disposition: ``k`` keep, ``d`` delete,
``h`` hash, ``o``/``oi`` offset (dates), ``na`` not applicable.

A signature component is either a standard tag (int) or a private one: (group, creator, element byte).
"""

from __future__ import annotations

import csv
import enum
import io
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from types import MappingProxyType

KB_RESOURCE = "tcia-private-tag-kb-2024-02-01.csv"

PrivateComponent = tuple[int, str, int]
Component = int | PrivateComponent
Signature = tuple[Component, ...]

# The CSV's quoting lost some opening quotes, so the creator's quotes are optional on both sides.
_PRIVATE = re.compile(r'\(([0-9a-fA-F]{4}),"?([^",][^"]*?)"?,([0-9a-fA-F]{2})\)')
_STANDARD = re.compile(r"\(([0-9a-fA-F]{4}),([0-9a-fA-F]{4})\)")
_ITEM = re.compile(r"\[<\d+>\]")


class PrivateDisposition(enum.Enum):
    KEEP = "k"
    DELETE = "d"
    HASH = "h"  # identifiers: replace by a keyed pseudonym or UID
    OFFSET = "o"  # dates: shift like standard dates


# Several rows may name one element (one per VR seen); the most protective disposition wins.
_PROTECTION = {
    PrivateDisposition.DELETE: 3, PrivateDisposition.HASH: 2,
    PrivateDisposition.OFFSET: 1, PrivateDisposition.KEEP: 0,
}
_CODES = {"k": PrivateDisposition.KEEP, "h": PrivateDisposition.HASH, "o": PrivateDisposition.OFFSET,
          "oi": PrivateDisposition.OFFSET}


def normalise_creator(creator: str) -> str:
    return creator.strip().upper()


def parse_signature(pattern: str) -> Signature | None:
    """Parse one ``element_sig_pattern``; None if a component cannot be read (e.g. an empty creator)."""
    components: list[Component] = []
    for part in _ITEM.split(pattern):
        private = _PRIVATE.fullmatch(part)
        if private:
            group, creator, element = private.groups()
            components.append((int(group, 16), normalise_creator(creator), int(element, 16)))
            continue
        standard = _STANDARD.fullmatch(part)
        if not standard:
            return None
        components.append(int(standard.group(1) + standard.group(2), 16))
    return tuple(components)


@cache
def load_private_kb() -> Mapping[Signature, PrivateDisposition]:
    """The knowledge base as signature -> disposition (cached: one parse per process)."""
    text = resources.files("imaging_hub.dicom").joinpath("data", KB_RESOURCE).read_text("utf-8-sig")
    kb: dict[Signature, PrivateDisposition] = {}
    for row in csv.DictReader(io.StringIO(text)):
        signature = parse_signature(row["element_sig_pattern"].strip())
        if signature is None:
            continue
        disposition = _CODES.get(row["private_disposition"].strip().lower(), PrivateDisposition.DELETE)
        previous = kb.get(signature)
        if previous is None or _PROTECTION[disposition] > _PROTECTION[previous]:
            kb[signature] = disposition
    return MappingProxyType(kb)
