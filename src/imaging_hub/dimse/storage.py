"""Storage SCP: keep each C-STORE dataset exactly as it arrived (PS3.4 Annex B).

``store_instance`` is the one decision both receive paths share: pynetdicom's ``EVT_C_STORE`` handler here
(``StorageSCP``) and the direct storage association (``storage_association``), which writes a dataset's
fragments straight into the archive as they arrive.

The dataset is never decoded and re-encoded: the received bytes, behind a Part 10 header encoded directly
from the command's UIDs (byte for byte what pynetdicom's ``encoded_dataset(include_meta=True)`` writes, without
building and validating a pydicom FileMetaDataset for every instance), go to the archive's ``receive``, which
checks them once and reads the header the index will keep (a data set whose elements repeat or are out of
order is refused there). Every decision here (the command's UIDs, the project) is made on that same header,
then the instance is kept or discarded: all or nothing. Over pynetdicom the bytes come from its
in-memory buffer, or from its temporary file when the process has ``STORE_RECV_CHUNKED_DATASET`` on
(``DicomServer(spool_received=True)``).

When the caller's scope names ``writable_projects``, an instance whose ClinicalTrialProtocolID is outside
them is refused and nothing of it is kept. ``writable_projects`` is read for every C-STORE, so a role
revoked while the association is open refuses the next instance.
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from pydicom import dcmread
from pydicom.dataset import Dataset
from pynetdicom import PYNETDICOM_IMPLEMENTATION_UID, PYNETDICOM_IMPLEMENTATION_VERSION
from pynetdicom.events import Event

from imaging_hub.dicom.part10 import part10_header
from imaging_hub.dimse.archive import InstanceRefused, InstanceStore, Kept, ReceivedInstance
from imaging_hub.dimse.callers import Callers
from imaging_hub.dimse.scope import ProjectScope, allows, record_store, writable
from imaging_hub.dimse.statuses import status
from imaging_hub.events import Origin, acting

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
_IMPLEMENTATION_UID = str(PYNETDICOM_IMPLEMENTATION_UID)  # the file meta names pynetdicom as the receiver


@dataclass(frozen=True)
class StoreRequest:
    """One C-STORE as the decision sees it: who sent it and what its command said."""

    scope: ProjectScope
    sop_class: str  # the command's Affected SOP Class/Instance UIDs ('' when absent)
    sop_instance: str
    calling: str
    address: str


@dataclass(frozen=True)
class Outcome:
    """The C-STORE response's Status and Error Comment ('' for none)."""

    status: int
    comment: str = ""


def store_instance(
    request: StoreRequest, receive: Callable[[], ReceivedInstance], reread: Callable[[], BinaryIO]
) -> Outcome:
    """Check, decide on and keep (or refuse) one received instance, for both receive paths (pynetdicom's
    handler and ``storage_association``). ``receive()`` checks it (InstanceRefused, OSError); ``reread()``
    opens its bytes again to tell a dataset that differs from its command from another refusal."""
    try:
        received = receive()
    except InstanceRefused as exc:
        mismatch = _mismatch_on_refusal(reread, request.sop_class, request.sop_instance)
        log.warning("refused C-STORE of %s from %s: %s", request.sop_instance, request.calling, mismatch or exc)
        record_store(request.scope, request.sop_instance, None, "invalid")
        if mismatch:
            return Outcome(DOES_NOT_MATCH_SOP_CLASS, mismatch)
        return Outcome(CANNOT_UNDERSTAND, str(exc))
    except OSError as exc:
        return could_not_receive(request, exc)
    try:
        return _decide(received, request)
    finally:
        received.discard()  # harmless once kept; removes it on a refusal or an error


def could_not_receive(request: StoreRequest, exc: OSError) -> Outcome:
    """The archive could not take the instance's bytes (disk full, tmp folder gone...)."""
    log.error("could not receive %s from %s: %s", request.sop_instance, request.calling, exc.strerror or type(exc))
    record_store(request.scope, request.sop_instance, None, "failed")
    return Outcome(OUT_OF_RESOURCES, "the archive could not write the instance")


class StorageSCP:
    """The ``EVT_C_STORE`` handler: one received instance in, one status out."""

    def __init__(self, store: InstanceStore, callers: Callers) -> None:
        self._store = store
        self._callers = callers

    def __call__(self, event: Event) -> Dataset:
        command = event.request
        request = StoreRequest(
            self._callers.scope(event.assoc),
            str(getattr(command, "AffectedSOPClassUID", "") or ""),
            str(getattr(command, "AffectedSOPInstanceUID", "") or ""),
            event.assoc.requestor.ae_title,
            event.assoc.requestor.address,
        )
        try:
            with _received(event) as stream:
                outcome = store_instance(request, lambda: self._store.receive(stream), lambda: stream)
        except OSError as exc:  # pynetdicom's temporary file could not be opened
            outcome = could_not_receive(request, exc)
        return status(outcome.status, outcome.comment)


def _decide(received: ReceivedInstance, request: StoreRequest) -> Outcome:
    scope, sop_instance, calling = request.scope, request.sop_instance, request.calling
    project = received.project
    mismatch = _command_mismatch(received, request.sop_class, sop_instance)
    if mismatch:
        log.warning("refused C-STORE from %s: %s", calling, mismatch)
        record_store(scope, sop_instance, project, "invalid")
        return Outcome(DOES_NOT_MATCH_SOP_CLASS, mismatch)
    refusal = _outside_scope(writable(scope), project)
    if refusal:
        log.warning("refused C-STORE of %s from %s: %s", sop_instance, calling, refusal)
        record_store(scope, sop_instance, project, "denied")
        return Outcome(NOT_AUTHORISED_FOR_PROJECT, refusal)
    try:
        with acting(Origin("dimse", calling, request.address)):  # carried into the change feed
            kept = received.keep()
    except InstanceRefused as exc:
        log.warning("refused C-STORE of %s from %s: %s", sop_instance, calling, exc)
        record_store(scope, sop_instance, project, "invalid")
        return Outcome(CANNOT_UNDERSTAND, str(exc))
    except OSError as exc:
        log.error("could not keep %s from %s: %s", sop_instance, calling, exc.strerror or type(exc))
        record_store(scope, sop_instance, project, "failed")
        return Outcome(OUT_OF_RESOURCES, "the archive could not write the instance")
    if kept is Kept.CONFLICT:
        log.warning("C-STORE of %s from %s conflicts with the stored instance", sop_instance, calling)
        record_store(scope, sop_instance, project, "conflict")
        return Outcome(DUPLICATE_SOP_INSTANCE, "instance already stored with other content")
    log.debug("C-STORE of %s from %s: %s", sop_instance, calling, kept.value)
    record_store(scope, sop_instance, project, "duplicate" if kept is Kept.DUPLICATE else "success")
    return Outcome(SUCCESS)


def received_header(sop_class: str, sop_instance: str, transfer_syntax: str) -> bytes:
    """The Part 10 header a received dataset is kept behind, from its C-STORE command (both receive paths)."""
    return part10_header(sop_class, sop_instance, transfer_syntax, implementation_class_uid=_IMPLEMENTATION_UID,
                         implementation_version_name=PYNETDICOM_IMPLEMENTATION_VERSION)


@contextlib.contextmanager
def _received(event: Event) -> Iterator[BinaryIO]:
    """The received instance as a Part 10 stream: the temporary file if pynetdicom spooled one."""
    path = event.dataset_path  # None unless pynetdicom spooled the dataset to a temporary file
    if path is None:
        request = event.request
        sop_class, sop_instance = request.AffectedSOPClassUID, request.AffectedSOPInstanceUID
        if not sop_class or not sop_instance:  # pynetdicom's own encoding would need them too
            yield io.BytesIO(event.encoded_dataset(include_meta=True))
            return
        header = received_header(str(sop_class), str(sop_instance), str(event.context.transfer_syntax))
        yield io.BytesIO(header + request.DataSet.getbuffer())
        return
    with open(path, "rb") as stream:
        yield stream


def _command_mismatch(received: ReceivedInstance, sop_class: str, sop_instance: str) -> str:
    """Why the dataset's SOP Class/Instance UIDs differ from the C-STORE command's, or ''."""
    return _mismatch(received.sop_class_uid, received.sop_instance_uid, sop_class, sop_instance)


def _mismatch(dataset_class: str, dataset_instance: str, sop_class: str, sop_instance: str) -> str:
    if dataset_class and sop_class and dataset_class != sop_class:
        return "dataset SOP Class UID differs from the C-STORE request"
    if dataset_instance and sop_instance and dataset_instance != sop_instance:
        return "dataset SOP Instance UID differs from the C-STORE request"
    return ""


def _mismatch_on_refusal(reread: Callable[[], BinaryIO], sop_class: str, sop_instance: str) -> str:
    """For an instance the archive refused: whether it is because the dataset is not what the command says
    (the file meta is built from the command, so the archive sees that as meta and dataset disagreeing).
    Only picks the status of a refusal already made; '' when the header cannot be read."""
    try:
        with reread() as stream, warnings.catch_warnings():
            stream.seek(0)
            warnings.simplefilter("ignore")  # pydicom's value warnings quote the (possibly identifiable) value
            ds = dcmread(stream, stop_before_pixels=True, specific_tags=["SOPClassUID", "SOPInstanceUID"])
        return _mismatch(str(ds.get("SOPClassUID", "") or ""), str(ds.get("SOPInstanceUID", "") or ""),
                         sop_class, sop_instance)
    except Exception:  # unreadable: the archive's own reason stands
        return ""


def _outside_scope(projects: frozenset[str] | None, project: str | None) -> str:
    """Why the caller may not send this instance, or '' when it may. Names the project, never a patient."""
    if projects is None:
        return ""
    if project is None:
        return "the instance names no project (ClinicalTrialProtocolID)"
    if not allows(projects, project):
        return f"not authorised to send instances of project {project}"
    return ""
