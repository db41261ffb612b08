"""Query/Retrieve C-MOVE and C-GET SCPs (PS3.4 C.4.2, C.4.3): resolve the identifier, send as stored."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

from pydicom.dataset import Dataset
from pydicom.uid import UID
from pynetdicom.events import Event
from pynetdicom.presentation import PresentationContext, build_context

from imaging_hub.dimse import scoped
from imaging_hub.dimse.contexts import UNCOMPRESSED
from imaging_hub.dimse.identifiers import IdentifierError, matching_value, read_level, unique_uids
from imaging_hub.dimse.peers import Peer
from imaging_hub.dimse.scope import ScopeProvider, allows
from imaging_hub.dimse.sender import OutgoingInstance, install_sender
from imaging_hub.dimse.statuses import status
from imaging_hub.store import Archive, QueryError, StoredInstance

log = logging.getLogger(__name__)

PENDING = 0xFF00
CANCEL = 0xFE00
UNABLE_TO_PROCESS = 0xC000
MAX_SUBOPERATIONS = 65535  # the sub-operation counts are US
MAX_CONTEXTS = 128  # PS3.8 9.3.2.2: presentation context IDs are odd numbers 1..255

RetrieveResult = Any  # pynetdicom's generator protocol mixes destinations, counts and (status, dataset)


class RetrieveSCP:
    """The ``EVT_C_MOVE`` and ``EVT_C_GET`` handlers."""

    def __init__(
        self, archive: Archive, peers: Mapping[str, Peer], scope_for: ScopeProvider
    ) -> None:
        self._archive = archive
        self._peers = dict(peers)
        self._scope_for = scope_for

    def move(self, event: Event) -> Iterator[RetrieveResult]:
        peer = self._peers.get(str(event.move_destination or "").strip())
        if peer is None:
            log.warning("C-MOVE from %s to an unknown destination", event.assoc.requestor.ae_title)
            yield None, None  # pynetdicom answers 0xA801 Move Destination unknown
            return
        instances, failure = self._resolve(event)
        yield peer.host, peer.port, {"ae_title": peer.ae_title, "contexts": proposed_contexts(instances)}
        yield from _suboperations(event, instances, failure)

    def get(self, event: Event) -> Iterator[RetrieveResult]:
        install_sender(event.assoc)  # C-GET sends its C-STOREs back over the requesting association
        instances, failure = self._resolve(event)
        yield from _suboperations(event, instances, failure)

    def _resolve(self, event: Event) -> tuple[list[StoredInstance], Dataset | None]:
        try:
            requestor = event.assoc.requestor
            projects = self._scope_for(requestor.ae_title, str(requestor.address)).projects
            instances = matching_instances(
                self._archive, event.identifier, UID(str(event.request.AffectedSOPClassUID)), projects
            )
        except IdentifierError as exc:
            return [], status(exc.status, str(exc))
        except QueryError as exc:
            return [], status(UNABLE_TO_PROCESS, str(exc))
        except Exception as exc:  # an undecodable identifier must not end the association
            log.warning("retrieve identifier unreadable: %s", type(exc).__name__)
            return [], status(UNABLE_TO_PROCESS, "the identifier could not be read")
        if len(instances) > MAX_SUBOPERATIONS:
            return [], status(UNABLE_TO_PROCESS, f"{len(instances)} matches, more than {MAX_SUBOPERATIONS}")
        return instances, None


def _suboperations(
    event: Event, instances: list[StoredInstance], failure: Dataset | None
) -> Iterator[RetrieveResult]:
    if failure is not None:
        yield 1  # pynetdicom reports a failure only after a sub-operation count
        yield failure, None
        return
    yield len(instances)
    for stored in instances:
        if event.is_cancelled:
            yield CANCEL, None
            return
        yield PENDING, OutgoingInstance(stored)


def matching_instances(
    archive: Archive, identifier: Dataset, model: UID, projects: frozenset[str] | None
) -> list[StoredInstance]:
    """The stored instances a retrieve identifier names, in the caller's projects only."""
    level = read_level(identifier, model)
    found: list[StoredInstance] = []
    if level == "IMAGE":
        for uid in _required(identifier, "SOPInstanceUID"):
            instance = archive.get(uid)
            if instance is not None:
                found.append(instance)
    elif level == "STUDY":
        for uid in _required(identifier, "StudyInstanceUID"):
            found.extend(archive.instances(uid))
    elif level == "SERIES":
        series = _required(identifier, "SeriesInstanceUID")
        for study_uid, series_uid in _series_of(archive, identifier, series, projects):
            found.extend(archive.instances(study_uid, series_uid))
    else:
        patient_id = matching_value(identifier["PatientID"]) if "PatientID" in identifier else ""
        if not patient_id:
            raise IdentifierError("a PATIENT level retrieve needs a PatientID")
        studies = scoped.search(
            archive, "STUDY", {"PatientID": patient_id}, frozenset({"StudyInstanceUID"}), projects
        )
        for study in studies:
            found.extend(archive.instances(str(study.StudyInstanceUID)))
    return [i for i in found if allows(projects, i.clinical_trial_protocol_id)]


def proposed_contexts(instances: list[StoredInstance]) -> list[PresentationContext]:
    """For a C-MOVE destination: each stored (SOP class, transfer syntax) alone, then uncompressed fallbacks."""
    exact = sorted({(i.sop_class_uid, i.transfer_syntax_uid) for i in instances})
    contexts = [build_context(sop_class, [syntax]) for sop_class, syntax in exact]
    for sop_class in sorted({i.sop_class_uid for i in instances}):
        contexts.append(build_context(sop_class, list(UNCOMPRESSED)))
    return contexts[:MAX_CONTEXTS]


def _required(identifier: Dataset, keyword: str) -> list[str]:
    uids = unique_uids(identifier, keyword)
    if not uids:
        raise IdentifierError(f"the retrieve identifier has no {keyword}")
    return uids


def _series_of(
    archive: Archive, identifier: Dataset, series: list[str], projects: frozenset[str] | None
) -> list[tuple[str, str]]:
    studies = unique_uids(identifier, "StudyInstanceUID")
    if len(studies) == 1:
        return [(studies[0], uid) for uid in series]
    # Relational retrieve (no study named): look the series up.
    matches = scoped.search(
        archive, "SERIES", {"SeriesInstanceUID": "\\".join(series)},
        frozenset({"StudyInstanceUID", "SeriesInstanceUID"}), projects,
    )
    return [(str(m.StudyInstanceUID), str(m.SeriesInstanceUID)) for m in matches]

