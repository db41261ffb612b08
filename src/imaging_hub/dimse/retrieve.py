"""Query/Retrieve C-MOVE and C-GET SCPs (PS3.4 C.4.2, C.4.3): resolve the identifier, send as stored.

Each retrieve is reported for audit once its sub-operations are done (or the association ended): the
destination, the instances sent, how many failed and how many were named but lie outside the caller's
projects.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydicom.dataset import Dataset
from pydicom.uid import UID
from pynetdicom.events import Event
from pynetdicom.presentation import PresentationContext, build_context

from imaging_hub.dimse import scoped
from imaging_hub.dimse.archive import DicomArchive, QueryRefused, StoredFile
from imaging_hub.dimse.callers import Callers
from imaging_hub.dimse.contexts import UNCOMPRESSED
from imaging_hub.dimse.identifiers import (
    IdentifierError,
    matching_value,
    parse_identifier,
    read_level,
    unique_uids,
)
from imaging_hub.dimse.peers import Peer
from imaging_hub.dimse.scope import ProjectScope, Read, allows, movable_projects, record_read
from imaging_hub.dimse.sender import OutgoingInstance, install_sender
from imaging_hub.dimse.statuses import status

log = logging.getLogger(__name__)

PENDING = 0xFF00
CANCEL = 0xFE00
UNABLE_TO_PROCESS = 0xC000
MAX_SUBOPERATIONS = 65535  # the sub-operation counts are US
MAX_CONTEXTS = 128  # PS3.8 9.3.2.2: presentation context IDs are odd numbers 1..255

RetrieveResult = Any  # pynetdicom's generator protocol mixes destinations, counts and (status, dataset)


@dataclass
class _Tally:
    """What one retrieve did, filled in as it goes and reported when it ends."""

    service: str
    destination: str = ""
    level: str = ""
    keys: dict[str, str] = field(default_factory=dict)
    outcome: str = "failed"
    reason: str = "the association ended before the sub-operations were done"
    sent: list[str] = field(default_factory=list)
    failed: int = 0
    withheld: int = 0

    def read(self) -> Read:
        return Read(self.service, self.level, self.keys, self.outcome, tuple(self.sent), self.destination,
                    self.failed, self.withheld, self.reason)


class RetrieveSCP:
    """The ``EVT_C_MOVE`` and ``EVT_C_GET`` handlers."""

    def __init__(self, archive: DicomArchive, peers: Mapping[str, Peer], callers: Callers) -> None:
        self._archive = archive
        self._peers = dict(peers)
        self._callers = callers

    def move(self, event: Event) -> Iterator[RetrieveResult]:
        scope = self._callers.scope(event.assoc)
        destination = str(event.move_destination or "").strip()
        tally = _Tally("C-MOVE", destination=destination)
        try:
            peer = self._peers.get(destination)
            if peer is None:
                log.warning("C-MOVE from %s to an unknown destination", event.assoc.requestor.ae_title)
                tally.outcome, tally.reason = "invalid", "unknown move destination"
                yield None, None  # pynetdicom answers 0xA801 Move Destination unknown
                return
            movable = movable_projects(scope, destination)
            if movable is not None and not movable:
                # answered like an unknown destination, so the reply does not map who may send where
                log.warning("C-MOVE from %s to a destination it may not use", event.assoc.requestor.ae_title)
                tally.outcome, tally.reason = "denied", "move destination not allowed for this caller"
                yield None, None
                return
            instances, failure = self._resolve(event, scope, tally, movable)
            yield peer.host, peer.port, {"ae_title": peer.ae_title, "contexts": proposed_contexts(instances)}
            yield from _suboperations(event, instances, failure, tally)
        finally:
            record_read(scope, tally.read())

    def get(self, event: Event) -> Iterator[RetrieveResult]:
        scope = self._callers.scope(event.assoc)
        tally = _Tally("C-GET")
        try:
            install_sender(event.assoc)  # C-GET sends its C-STOREs back over the requesting association
            instances, failure = self._resolve(event, scope, tally)
            yield from _suboperations(event, instances, failure, tally)
        finally:
            record_read(scope, tally.read())

    def _resolve(
        self, event: Event, scope: ProjectScope, tally: _Tally, movable: frozenset[str] | None = None
    ) -> tuple[list[StoredFile], Dataset | None]:
        """The instances the identifier names that the caller reads (and, for a C-MOVE, whose project allows
        the destination: ``movable``); the others are counted as withheld."""
        model = UID(str(event.request.AffectedSOPClassUID))
        try:
            parsed = parse_identifier(event.identifier, model)
            tally.level, tally.keys = parsed.level, dict(parsed.filters)
            projects = scope.projects  # asked once per retrieve: a live scope answers from its database
            if movable is not None:
                projects = movable if projects is None else projects & movable
            named = matching_instances(self._archive, event.identifier, model, projects)
        except (IdentifierError, QueryRefused) as exc:
            tally.outcome, tally.reason = "invalid", str(exc)
            return [], status(exc.status if isinstance(exc, IdentifierError) else UNABLE_TO_PROCESS, str(exc))
        except Exception as exc:  # an undecodable identifier must not end the association
            log.warning("retrieve identifier unreadable: %s", type(exc).__name__)
            tally.outcome, tally.reason = "invalid", "the identifier could not be read"
            return [], status(UNABLE_TO_PROCESS, tally.reason)
        instances = [i for i in named if allows(projects, i.clinical_trial_protocol_id)]
        tally.withheld = len(named) - len(instances)
        if len(instances) > MAX_SUBOPERATIONS:
            tally.outcome, tally.reason = "invalid", f"{len(instances)} matches, more than {MAX_SUBOPERATIONS}"
            return [], status(UNABLE_TO_PROCESS, tally.reason)
        return instances, None


def _suboperations(
    event: Event, instances: list[StoredFile], failure: Dataset | None, tally: _Tally
) -> Iterator[RetrieveResult]:
    if failure is not None:
        yield 1  # pynetdicom reports a failure only after a sub-operation count
        yield failure, None
        return
    if not instances:  # pynetdicom may not ask for more once it has a count of none
        tally.outcome, tally.reason = (
            ("denied", "every instance named is outside the caller's projects") if tally.withheld else ("success", "")
        )
    yield len(instances)
    for stored in instances:
        if event.is_cancelled:
            tally.outcome, tally.reason = "cancelled", "the requestor cancelled"
            yield CANCEL, None
            return
        outgoing = OutgoingInstance(stored)
        yield PENDING, outgoing
        # pynetdicom sends each yielded instance before it asks for the next
        if outgoing.hub_sent:
            tally.sent.append(stored.sop_instance_uid)
        else:
            tally.failed += 1
    if not instances:
        return
    if tally.failed:
        tally.outcome, tally.reason = "partial", f"{tally.failed} sub-operations failed"
    else:
        tally.outcome, tally.reason = "success", ""


def matching_instances(
    archive: DicomArchive, identifier: Dataset, model: UID, projects: frozenset[str] | None
) -> list[StoredFile]:
    """Every stored instance a retrieve identifier names (the relational searches stay within ``projects``);
    the caller keeps only those of its projects."""
    level = read_level(identifier, model)
    found: list[StoredFile] = []
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
    return found


def proposed_contexts(instances: list[StoredFile]) -> list[PresentationContext]:
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
    archive: DicomArchive, identifier: Dataset, series: list[str], projects: frozenset[str] | None
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
