"""Query/Retrieve C-FIND SCP, patient root and study root (PS3.4 C.4.1); each query is reported for audit."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from pydicom.dataset import Dataset
from pydicom.uid import UID
from pynetdicom.events import Event

from imaging_hub.dimse import scoped
from imaging_hub.dimse.archive import QueryRefused, QuerySource
from imaging_hub.dimse.callers import Callers
from imaging_hub.dimse.identifiers import UNIQUE_KEY, IdentifierError, answer, parse_identifier
from imaging_hub.dimse.scope import Read, record_read
from imaging_hub.dimse.statuses import status

log = logging.getLogger(__name__)

PENDING = 0xFF00
# PS3.4 C.4.1.1.4: pending, but one or more optional keys were not supported for matching. Such a key is
# answered as a return key (a universal match), as C.2.2.1.1 allows.
PENDING_UNSUPPORTED_KEYS = 0xFF01
CANCEL = 0xFE00
UNABLE_TO_PROCESS = 0xC000  # PS3.4 C.4.1.1.4 Cxxx: Failed, unable to process

FindResult = tuple[int | Dataset, Dataset | None]


class FindSCP:
    """The ``EVT_C_FIND`` handler: one pending response per match, then pynetdicom's final success."""

    def __init__(self, archive: QuerySource, ae_title: str, callers: Callers) -> None:
        self._archive = archive
        self._ae_title = ae_title
        self._callers = callers

    def __call__(self, event: Event) -> Iterator[FindResult]:
        scope = self._callers.scope(event.assoc)
        level, keys, found = "", {}, []
        outcome, reason = "failed", "the association ended before the answers were sent"
        try:
            try:
                parsed = parse_identifier(event.identifier, UID(str(event.request.AffectedSOPClassUID)))
                level, keys = parsed.level, dict(parsed.filters)
                filters = {k: v for k, v in parsed.filters.items() if scoped.matchable(self._archive, k, level)}
                pending = PENDING if len(filters) == len(parsed.filters) else PENDING_UNSUPPORTED_KEYS
                include = parsed.return_keywords - filters.keys()
                projects = scope.projects  # asked once per query: a live scope answers from its database
                matches = scoped.search(self._archive, level, filters, include, projects)
                first = next(matches, None)
            except (IdentifierError, QueryRefused) as exc:
                outcome, reason = "invalid", str(exc)
                code = exc.status if isinstance(exc, IdentifierError) else UNABLE_TO_PROCESS
                yield status(code, reason), None
                return
            except Exception as exc:  # an undecodable identifier must not end the association
                log.warning("C-FIND from %s failed: %s", event.assoc.requestor.ae_title, type(exc).__name__)
                outcome, reason = "invalid", "the identifier could not be read"
                yield status(UNABLE_TO_PROCESS, reason), None
                return
            if projects is not None and not scoped.allowed_projects(projects, parsed.filters):
                outcome, reason = "denied", "no project the caller may read matches the query"
                return  # no matches: the answer does not say whether anything exists outside the scope
            unique = UNIQUE_KEY[level]
            for match in _chain(first, matches):
                if event.is_cancelled:
                    outcome, reason = "cancelled", "the requestor cancelled"
                    yield CANCEL, None
                    return
                found.append(str(match.get(unique, "") or ""))
                yield pending, answer(match, parsed, self._ae_title)
            outcome, reason = "success", ""
        finally:  # also when pynetdicom drops the generator (an abort): what was answered is still audited
            record_read(scope, Read("C-FIND", level, keys, outcome, tuple(found), reason=reason))


def _chain(first: Dataset | None, rest: Iterator[Dataset]) -> Iterator[Dataset]:
    if first is None:
        return
    yield first
    yield from rest
