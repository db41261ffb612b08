"""The archive as the DIMSE engine sees it: what the SCPs need, stated as protocols the hub implements.

The engine never imports a store. The hub hands ``DicomServer`` one object that is all three:

- ``InstanceStore``: ``receive(stream)`` checks an incoming Part 10 stream and reads its header once;
  the SCP decides on that very header (project, SOP class and instance) before ``keep()`` or ``discard()``.
  ``incoming()`` is the same for an instance that arrives in pieces: its bytes are written straight into
  the archive as they come off the network (never held in memory whole), then ``finish()`` checks them.
- ``QuerySource``: ``search(level, filters, include)`` answers C-FIND and relational retrieves;
  ``matching_level(keyword)`` says which keys it can match on.
- ``RetrieveSource``: ``get(uid)`` and ``instances(study, series)``: the stored files C-MOVE/C-GET send.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import BinaryIO, Literal, Protocol

from pydicom.dataset import Dataset

from imaging_hub.errors import ImagingHubError

Level = Literal["PATIENT", "STUDY", "SERIES", "INSTANCE"]


class InstanceRefused(ImagingHubError, ValueError):
    """An incoming instance the archive will not keep; the message names the problem (never a value)."""


class QueryRefused(ImagingHubError, ValueError):
    """A search the archive cannot run; the message names the key or value that was wrong."""


class Kept(enum.Enum):
    STORED = "stored"
    DUPLICATE = "duplicate"  # same SOP Instance UID, same content: nothing changed
    CONFLICT = "conflict"  # same SOP Instance UID, other content: the archive keeps the original


class ReceivedInstance(Protocol):
    """A checked instance not yet kept: the header values every decision about it is made on."""

    @property
    def sop_class_uid(self) -> str: ...

    @property
    def sop_instance_uid(self) -> str: ...

    @property
    def project(self) -> str | None:  # ClinicalTrialProtocolID as the index keeps it
        ...

    def keep(self) -> Kept:
        """Store it (all or nothing); OSError when the archive could not write."""
        ...

    def discard(self) -> None:
        """Forget it; nothing of it stays (harmless after keep)."""
        ...


class IncomingInstance(Protocol):
    """An instance arriving in pieces, written in order (a Part 10 file: its header first) into the archive."""

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Append the next bytes; OSError when the archive could not write them."""
        ...

    def finish(self) -> ReceivedInstance:
        """Everything is written: check it and read its header once; InstanceRefused says why it cannot be
        kept (the bytes stay readable through ``reread`` until ``abandon``)."""
        ...

    def reread(self) -> BinaryIO:
        """The bytes written so far, for a second look after a refusal; the caller closes it."""
        ...

    def abandon(self) -> None:
        """Nothing of it stays (harmless once it has been kept)."""
        ...


class InstanceStore(Protocol):
    def receive(self, stream: BinaryIO) -> ReceivedInstance:
        """Check a Part 10 stream and read its header; InstanceRefused says why it cannot be kept."""
        ...

    def incoming(self) -> IncomingInstance:
        """Start receiving an instance in pieces; OSError when the archive cannot take one now."""
        ...


class StoredFile(Protocol):
    """One stored instance, as a retrieve sends it."""

    @property
    def sop_instance_uid(self) -> str: ...

    @property
    def sop_class_uid(self) -> str: ...

    @property
    def transfer_syntax_uid(self) -> str: ...

    @property
    def path(self) -> Path: ...

    @property
    def clinical_trial_protocol_id(self) -> str | None: ...


class QuerySource(Protocol):
    def search(self, level: Level, filters: Mapping[str, str], include: frozenset[str]) -> Iterable[Dataset]:
        """Matches at ``level`` (keyword -> DICOM matching string); QueryRefused names a bad key or value."""
        ...

    def matching_level(self, keyword: str) -> Level | None:
        """The level of an attribute the archive can match on, or None (unknown, or only computed)."""
        ...


class RetrieveSource(Protocol):
    def get(self, sop_instance_uid: str) -> StoredFile | None: ...

    def instances(self, study_uid: str, series_uid: str | None = None) -> Sequence[StoredFile]: ...


class DicomArchive(InstanceStore, QuerySource, RetrieveSource, Protocol):
    """Everything ``DicomServer`` serves from."""
