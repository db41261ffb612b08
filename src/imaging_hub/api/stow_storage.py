"""STOW-RS at the hub: the parts of a request received straight into archive spools, checked, and stored.

Each part is checked (readable header, Study Instance UID matching the request path, project inside the
caller's scope, or a label object a labelling role may store: ``stow_labels``) before the archive sees it;
every outcome becomes a ``dicomweb.stow.PartOutcome``, which the route turns into the Store Instances Response.
"""

from __future__ import annotations

import dataclasses
import errno
import logging
import warnings
from collections.abc import Iterable

from pydicom import dcmread

from imaging_hub.api.stow_labels import FiledLabel, LabelWrites
from imaging_hub.dicomweb import (
    DICOM,
    FailureReason,
    Part10Sink,
    PartOutcome,
    ReceivedPart,
    WarningReason,
    failed_outcome,
)
from imaging_hub.store import Archive, InvalidInstance, Spool, StoreOutcome, StoreStatus

log = logging.getLogger(__name__)
_GROUP = 256  # parts per index transaction: bounds how long one request holds the index's write lock


class StowSpools:
    """The parts of one STOW-RS request, each received straight into an archive spool (no copy to store).

    ``open_part`` is the multipart reader's sink factory; ``discard_all`` removes whatever was not stored.
    """

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.spools: list[Spool] = []

    def open_part(self, index: int, headers: dict[str, str]) -> Part10Sink:
        spool = self.archive.spool()
        self.spools.append(spool)
        return Part10Sink(spool)

    def discard_all(self) -> None:
        for spool in self.spools:
            self.archive.discard(spool)  # a stored spool's temp name is gone already: nothing happens



def store_parts(
    archive: Archive,
    parts: Iterable[ReceivedPart],
    spools: StowSpools,
    *,
    expected_study: str | None = None,
    projects: frozenset[str] | None = None,
    labelling: frozenset[str] = frozenset(),
) -> list[PartOutcome]:
    """Store the spooled parts that pass the checks together (shared index transactions); never raises for
    a bad part, only records its failure. Refused parts' spools are left for ``spools.discard_all``.

    ``labelling``: projects whose studies the caller may store label objects for (``stow_labels``), beyond
    ``projects``."""
    outcomes: list[PartOutcome | None] = []
    accepted: list[tuple[int, ReceivedPart, Spool, tuple[str, str, str, str]]] = []
    coerced: set[int] = set()
    labels = LabelWrites(archive, labelling)
    for part in parts:
        spool = spools.spools[part.index]
        identity = _identity(archive, spool)
        refused = _refusal(part, identity, expected_study, projects)
        if refused is not None and refused.failure == FailureReason.NOT_AUTHORIZED and labelling and identity:
            filed = labels.file(part, identity, spool)
            if isinstance(filed, FiledLabel):
                refused, identity = None, filed.identity
                if filed.coerced:
                    archive.discard(spool)
                    spool = spools.spools[part.index] = filed.spool  # discard_all removes it if not stored
                    coerced.add(len(outcomes))
            else:
                refused = filed
        if refused is None and identity is not None:
            accepted.append((len(outcomes), part, spool, identity))
        outcomes.append(refused)
    for start in range(0, len(accepted), _GROUP):
        _store_group(archive, accepted[start:start + _GROUP], outcomes)
    for index in coerced:
        outcome = outcomes[index]
        if outcome is not None and outcome.stored:
            outcomes[index] = dataclasses.replace(outcome, warning=WarningReason.COERCION_OF_DATA_ELEMENTS)
    return [o for o in outcomes if o is not None]


def _store_group(archive: Archive, group: list[tuple[int, ReceivedPart, Spool, tuple[str, str, str, str]]],
                 outcomes: list[PartOutcome | None]) -> None:
    try:
        stored = archive.store_spooled([spool for _, _, spool, _ in group])
    except OSError as exc:
        for index, part, _, identity in group:
            outcomes[index] = _storage_error(part, identity, exc)
    else:
        for (index, part, _, identity), result in zip(group, stored, strict=True):
            if isinstance(result, InvalidInstance):
                outcomes[index] = failed_outcome(identity, FailureReason.CANNOT_UNDERSTAND,
                                                 f"part {part.index + 1}: {result}")
            else:
                outcomes[index] = _settled(part, identity, result)


def _refusal(part: ReceivedPart, identity: tuple[str, str, str, str] | None, expected_study: str | None,
             projects: frozenset[str] | None) -> PartOutcome | None:
    """Why a part is refused before the archive sees it, or None."""
    content_type = (part.content_type or DICOM).split(";")[0].strip().lower()
    if content_type != DICOM:
        return failed_outcome(identity, FailureReason.CANNOT_UNDERSTAND, f"part {part.index + 1} is {content_type}")
    if identity is None:
        return failed_outcome(None, FailureReason.CANNOT_UNDERSTAND,
                       f"part {part.index + 1} is not a readable DICOM Part 10 instance")
    if expected_study and identity[2] != expected_study:
        return failed_outcome(identity, FailureReason.DATASET_DOES_NOT_MATCH,
                       f"part {part.index + 1} belongs to another study than the request path names")
    if projects is not None and identity[3] not in projects:
        return failed_outcome(identity, FailureReason.NOT_AUTHORIZED,
                       f"part {part.index + 1} belongs to a project outside the caller's scope")
    return None


def _storage_error(part: ReceivedPart, identity: tuple[str, str, str, str], exc: OSError) -> PartOutcome:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return failed_outcome(identity, FailureReason.OUT_OF_RESOURCES, "storage is full")
    log.error("storing STOW part %d failed: %s", part.index + 1, exc.strerror or type(exc).__name__)
    return failed_outcome(identity, FailureReason.PROCESSING_FAILURE, "storage error")


def _settled(part: ReceivedPart, identity: tuple[str, str, str, str], outcome: StoreOutcome) -> PartOutcome:
    instance = outcome.instance
    if outcome.status == StoreStatus.CONFLICT:
        return failed_outcome(identity, FailureReason.DUPLICATE_SOP_INSTANCE,
                       f"part {part.index + 1} has the UID of a stored instance with different content")
    return PartOutcome(instance.sop_class_uid, instance.sop_instance_uid, instance.study_instance_uid,
                       duplicate=outcome.status == StoreStatus.DUPLICATE,
                       series_instance_uid=instance.series_instance_uid)


def _identity(archive: Archive, spool: Spool) -> tuple[str, str, str, str] | None:
    """(SOP class, SOP instance, study, project) from the part's header, or None if unreadable.

    The archive's header reader (one walk over element headers, kept for storing) answers for a
    well-formed part; pydicom is asked only about the others, so a refused part still names what it could
    be read as.
    """
    try:
        values = archive.inspect(spool).values
        return (values["SOPClassUID"], values["SOPInstanceUID"], values["StudyInstanceUID"],
                values["ClinicalTrialProtocolID"] or "")
    except (InvalidInstance, OSError, ValueError):
        pass
    try:
        # pydicom warns with the offending (possibly identifiable) value; the failure reason says enough
        with warnings.catch_warnings(), spool.path.open("rb") as fp:
            warnings.simplefilter("ignore")
            ds = dcmread(fp, stop_before_pixels=True, specific_tags=[
                "SOPClassUID", "SOPInstanceUID", "StudyInstanceUID", "ClinicalTrialProtocolID"])
        return (str(ds.get("SOPClassUID", "")), str(ds.get("SOPInstanceUID", "")),
                str(ds.get("StudyInstanceUID", "")), str(ds.get("ClinicalTrialProtocolID", "")))
    except Exception:  # pydicom raises many exception types on corrupt input; all mean "unreadable"
        return None
