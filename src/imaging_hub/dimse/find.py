"""Query/Retrieve C-FIND SCP, patient root and study root (PS3.4 C.4.1)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from pydicom.dataset import Dataset
from pydicom.uid import UID
from pynetdicom.events import Event

from imaging_hub.dimse import scoped
from imaging_hub.dimse.identifiers import IdentifierError, answer, parse_identifier
from imaging_hub.dimse.scope import ScopeProvider
from imaging_hub.dimse.statuses import status
from imaging_hub.store import Archive, QueryError

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

    def __init__(self, archive: Archive, ae_title: str, scope_for: ScopeProvider) -> None:
        self._archive = archive
        self._ae_title = ae_title
        self._scope_for = scope_for

    def __call__(self, event: Event) -> Iterator[FindResult]:
        try:
            parsed = parse_identifier(event.identifier, UID(str(event.request.AffectedSOPClassUID)))
            projects = _projects(self._scope_for, event)
            filters = {k: v for k, v in parsed.filters.items() if scoped.matchable(k, parsed.level)}
            pending = PENDING if len(filters) == len(parsed.filters) else PENDING_UNSUPPORTED_KEYS
            include = parsed.return_keywords - filters.keys()
            matches = scoped.search(self._archive, parsed.level, filters, include, projects)
            first = next(matches, None)
        except IdentifierError as exc:
            yield status(exc.status, str(exc)), None
            return
        except QueryError as exc:
            yield status(UNABLE_TO_PROCESS, str(exc)), None
            return
        except Exception as exc:  # an undecodable identifier must not end the association
            log.warning("C-FIND from %s failed: %s", event.assoc.requestor.ae_title, type(exc).__name__)
            yield status(UNABLE_TO_PROCESS, "the identifier could not be read"), None
            return
        if first is None:
            return
        for match in _chain(first, matches):
            if event.is_cancelled:
                yield CANCEL, None
                return
            yield pending, answer(match, parsed, self._ae_title)


def _projects(scope_for: ScopeProvider, event: Event) -> frozenset[str] | None:
    requestor = event.assoc.requestor
    return scope_for(requestor.ae_title, str(requestor.address)).projects


def _chain(first: Dataset, rest: Iterator[Dataset]) -> Iterator[Dataset]:
    yield first
    yield from rest

