"""A person's search words as an SQLite FTS5 query with the meaning PostgreSQL's ``websearch_to_tsquery`` gives
them: words are all required, ``"a phrase"`` is matched as one, ``or`` between words accepts either, and
``-word`` excludes. Every term is quoted, so punctuation in the input can never be read as FTS5 syntax."""

from __future__ import annotations

import re

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')


def fts5_query(text: str) -> str | None:
    """The FTS5 expression, or ``None`` when the input holds no searchable word."""
    groups: list[list[str]] = []
    excluded: list[str] = []
    join_next = False
    for match in _TOKEN.finditer(text):
        negative = bool(match[1] or match[3])
        quoted = match[2] is not None
        words = match[2] if quoted else match[4]
        if not quoted and not negative and words.lower() == "or":
            join_next = bool(groups)
            continue
        if not any(ch.isalnum() for ch in words):
            continue
        term = '"' + words.replace('"', '""') + '"'
        if negative:
            excluded.append(term)
        elif join_next:
            groups[-1].append(term)
        else:
            groups.append([term])
        join_next = False
    if not groups:
        return None  # FTS5 cannot start with NOT, and nothing else was asked
    expression = " AND ".join("(" + " OR ".join(group) + ")" for group in groups)
    for term in excluded:
        expression = f"({expression}) NOT {term}"
    return expression
