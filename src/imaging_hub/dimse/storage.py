"""Storage SCP: keep each C-STORE dataset exactly as it arrived (PS3.4 Annex B).

The dataset is never decoded and re-encoded: the received bytes, behind a Part 10 header, go to
``Archive.store_stream``, which validates them and keeps all or nothing. They come from pynetdicom's
in-memory buffer (``event.encoded_dataset()``), or from its temporary file when the process has
``STORE_RECV_CHUNKED_DATASET`` on (``DicomServer(spool_received=True)``).

When the caller's scope names ``writable_projects``, an instance whose ClinicalTrialProtocolID is outside
them is refused before anything is written. The scope is asked once per association.
"""

from __future__ import annotations

import contextlib
import io
import logging
import threading
import warnings
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from pydicom import dcmread
from pydicom.dataset import Dataset
from pynetdicom.association import Association
from pynetdicom.events import Event

from imaging_hub.dimse.scope import ProjectScope, ScopeProvider, allows, record_store, unrestricted, writable
from imaging_hub.dimse.statuses import status
from imaging_hub.store import Archive, InvalidInstance, StoreStatus

log = logging.getLogger(__name__)

SUCCESS = 0x0000
# Same SOP Instance UID, different content. PS3.7 Annex C's general failure "Duplicate SOP Instance": a
# failure, not a PS3.4 B.2.3 warning, because a warning tells the sender its instance was stored (perhaps
# coerced) while here the archive keeps the original and serves that; the new bytes wait for review.
DUPLICATE_SOP_INSTANCE = 0x0111
OUT_OF_RESOURCES = 0xA700  # PS3.4 B.2.3: Refused, out of resources (the archive could not write)
DOES_NOT_MATCH_SOP_CLASS = 0xA900  # PS3.4 B.2.3: the dataset is not what the command said it was
CANNOT_UNDERSTAND = 0xC210  # PS3.4 B.2.3 Cxxx: unparsable, truncated or missing required attributes
# The caller may not send this project's instances. PS3.4 B.2.3 has no "not authorised" status for C-STORE,
# so this is an implementation-specific code of the Cxxx "Error: cannot understand" family: a permanent
# failure that senders report and do not retry. A7xx (out of resources) would invite endless retries, and
# PS3.7's general 0124H "Not authorized" is not among the statuses PS3.4 lists for the Storage service.
# The low digits echo 0124H; the Error Comment says why.
NOT_AUTHORISED_FOR_PROJECT = 0xC124


class StorageSCP:
    """The ``EVT_C_STORE`` handler: one received instance in, one status out."""

    def __init__(self, archive: Archive, scope_for: ScopeProvider = unrestricted) -> None:
        self._archive = archive
        self._scope_for = scope_for
        self._scopes: weakref.WeakKeyDictionary[Association, ProjectScope] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> Dataset:
        request = event.request
        sop_class = str(getattr(request, "AffectedSOPClassUID", "") or "")
        sop_instance = str(getattr(request, "AffectedSOPInstanceUID", "") or "")
        calling = event.assoc.requestor.ae_title
        scope = self._scope(event.assoc)
        with _received(event) as stream:
            header = _header(stream)
            mismatch = _command_mismatch(header, sop_class, sop_instance)
            if mismatch:
                log.warning("refused C-STORE from %s: %s", calling, mismatch)
                record_store(scope, sop_instance, header.project if header else None, "invalid")
                return status(DOES_NOT_MATCH_SOP_CLASS, mismatch)
            refusal = _outside_scope(writable(scope), header)
            if refusal:
                log.warning("refused C-STORE of %s from %s: %s", sop_instance, calling, refusal)
                record_store(scope, sop_instance, header.project if header else None, "denied")
                return status(NOT_AUTHORISED_FOR_PROJECT, refusal)
            project = header.project if header else None
            stream.seek(0)
            try:
                outcome = self._archive.store_stream(stream)
            except InvalidInstance as exc:
                log.warning("refused C-STORE of %s from %s: %s", sop_instance, calling, exc)
                record_store(scope, sop_instance, project, "invalid")
                return status(CANNOT_UNDERSTAND, str(exc))
            except OSError as exc:
                log.error("could not keep %s from %s: %s", sop_instance, calling, exc.strerror or type(exc))
                record_store(scope, sop_instance, project, "failed")
                return status(OUT_OF_RESOURCES, "the archive could not write the instance")
        if outcome.status is StoreStatus.CONFLICT:
            log.warning("C-STORE of %s from %s conflicts with the stored instance", sop_instance, calling)
            record_store(scope, sop_instance, project, "conflict")
            return status(DUPLICATE_SOP_INSTANCE, "instance already stored with other content")
        log.debug("C-STORE of %s from %s: %s", sop_instance, calling, outcome.status.value)
        kept = "duplicate" if outcome.status is StoreStatus.DUPLICATE else "success"
        record_store(scope, sop_instance, project, kept)
        return status(SUCCESS)

    def _scope(self, assoc: Association) -> ProjectScope:
        """The caller's scope, asked once per association (a peer sending a study sends many instances)."""
        with self._lock:
            scope = self._scopes.get(assoc)
        if scope is None:
            scope = self._scope_for(assoc.requestor.ae_title, str(assoc.requestor.address))
            with self._lock:
                self._scopes[assoc] = scope
        return scope


@contextlib.contextmanager
def _received(event: Event) -> Iterator[BinaryIO]:
    """The received instance as a Part 10 stream: the temporary file if pynetdicom spooled one."""
    path = event.dataset_path  # None unless pynetdicom spooled the dataset to a temporary file
    if path is None:
        yield io.BytesIO(event.encoded_dataset(include_meta=True))
        return
    with open(path, "rb") as stream:
        yield stream


@dataclass(frozen=True)
class _Header:
    sop_class: str
    sop_instance: str
    project: str | None  # ClinicalTrialProtocolID


def _header(stream: BinaryIO) -> _Header | None:
    """The few attributes checked before storing, or None when the header cannot be read."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pydicom's value warnings quote the (possibly identifiable) value
            ds = dcmread(
                stream,
                stop_before_pixels=True,
                specific_tags=["SOPClassUID", "SOPInstanceUID", "ClinicalTrialProtocolID"],
            )
        project = str(ds.get("ClinicalTrialProtocolID", "") or "").strip() or None
        return _Header(str(ds.get("SOPClassUID", "") or ""), str(ds.get("SOPInstanceUID", "") or ""), project)
    except Exception:  # any parse failure is the archive's to report
        return None


def _command_mismatch(header: _Header | None, sop_class: str, sop_instance: str) -> str:
    """Why the dataset's SOP Class/Instance UIDs differ from the C-STORE command's, or ''.

    Unreadable headers are left to the archive, whose validation names the problem.
    """
    if header is None:
        return ""
    if header.sop_class and sop_class and header.sop_class != sop_class:
        return "dataset SOP Class UID differs from the C-STORE request"
    if header.sop_instance and sop_instance and header.sop_instance != sop_instance:
        return "dataset SOP Instance UID differs from the C-STORE request"
    return ""


def _outside_scope(projects: frozenset[str] | None, header: _Header | None) -> str:
    """Why the caller may not send this instance, or '' when it may. Names the project, never a patient."""
    if projects is None:
        return ""
    if header is None:
        return "the dataset could not be read to check its project"
    if header.project is None:
        return "the instance names no project (ClinicalTrialProtocolID)"
    if not allows(projects, header.project):
        return f"not authorised to send instances of project {header.project}"
    return ""

