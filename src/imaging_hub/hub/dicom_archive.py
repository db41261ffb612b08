"""The hub's archive behind the DIMSE engine's protocols (``imaging_hub.dimse.DicomArchive``).

An incoming instance is written into one of the archive's spools and checked there once; the header that
check reads is the one the DIMSE server decides on and the one the index keeps, so no second parse can
disagree with it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Mapping, Sequence
from typing import BinaryIO

from pydicom.dataset import Dataset

from imaging_hub.dimse import InstanceRefused, Kept, Level, QueryRefused
from imaging_hub.store import ATTRIBUTES, Archive, InvalidInstance, Query, Spool, StoredInstance, StoreStatus

_COPY_CHUNK = 1 << 20
_KEPT = {StoreStatus.STORED: Kept.STORED, StoreStatus.DUPLICATE: Kept.DUPLICATE, StoreStatus.CONFLICT: Kept.CONFLICT}


class ArchiveForDicom:
    """``DicomArchive`` over the hub's ``Archive``."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def receive(self, stream: BinaryIO) -> SpooledInstance:
        incoming = self.incoming()
        try:
            shutil.copyfileobj(stream, incoming, _COPY_CHUNK)
            return incoming.finish()
        except BaseException:
            incoming.abandon()
            raise

    def incoming(self) -> IncomingSpool:
        return IncomingSpool(self.archive)

    def search(self, level: Level, filters: Mapping[str, str], include: frozenset[str]) -> Iterable[Dataset]:
        try:
            return self.archive.search(Query(level=level, filters=dict(filters), include=include))
        except ValueError as exc:  # QueryError: the message names the key or value
            raise QueryRefused(str(exc)) from None

    def matching_level(self, keyword: str) -> Level | None:
        attribute = ATTRIBUTES.get(keyword)
        return None if attribute is None or attribute.kind == "count" else attribute.level

    def get(self, sop_instance_uid: str) -> StoredInstance | None:
        return self.archive.get(sop_instance_uid)

    def instances(self, study_uid: str, series_uid: str | None = None) -> Sequence[StoredInstance]:
        return self.archive.instances(study_uid, series_uid)


class IncomingSpool:
    """An instance written into one of the archive's spools as it arrives, hashed as it is written."""

    def __init__(self, archive: Archive) -> None:
        self._archive = archive
        self._spool = archive.spool()
        self._received: SpooledInstance | None = None

    def write(self, data: bytes | bytearray | memoryview) -> int:
        return self._spool.write(data)

    def finish(self) -> SpooledInstance:
        self._spool.close()
        try:
            self._archive.inspect(self._spool)
        except InvalidInstance as exc:  # the spool stays until abandon(), for reread()
            raise InstanceRefused(str(exc)) from None
        self._received = SpooledInstance(self._archive, self._spool)
        return self._received

    def reread(self) -> BinaryIO:
        return open(self._spool.path, "rb")  # the caller closes it

    def abandon(self) -> None:
        if self._received is not None:
            self._received.discard()  # the archive owns a kept spool
        else:
            self._archive.discard(self._spool)


class SpooledInstance:
    """A received instance in the archive's tmp folder, checked once; ``keep`` stores that same check."""

    def __init__(self, archive: Archive, spool: Spool) -> None:
        self._archive = archive
        self._spool = spool
        header = archive.inspect(spool)  # already read: the spool keeps it
        self.sop_class_uid = str(header.values["SOPClassUID"])
        self.sop_instance_uid = header.sop_instance_uid
        self.project: str | None = header.values["ClinicalTrialProtocolID"]
        self._kept = False

    def keep(self) -> Kept:
        self._kept = True  # the archive owns the spool from here, stored or refused
        (outcome,) = self._archive.store_spooled([self._spool])
        if isinstance(outcome, InvalidInstance):
            raise InstanceRefused(str(outcome))
        return _KEPT[outcome.status]

    def discard(self) -> None:
        if not self._kept:
            self._archive.discard(self._spool)
