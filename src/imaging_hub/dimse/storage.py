"""Storage SCP: keep each C-STORE dataset exactly as it arrived (PS3.4 Annex B).

The dataset is never decoded and re-encoded: the received bytes, behind a Part 10 header, go to
``Archive.store_stream``, which validates them and keeps all or nothing. They come from pynetdicom's
in-memory buffer (``event.encoded_dataset()``), or from its temporary file when the process has
``STORE_RECV_CHUNKED_DATASET`` on (``DicomServer(spool_received=True)``).
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterator
from typing import BinaryIO

from pydicom import dcmread
from pydicom.dataset import Dataset
from pynetdicom.events import Event

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


class StorageSCP:
    """The ``EVT_C_STORE`` handler: one received instance in, one status out."""

    def __init__(self, archive: Archive) -> None:
        self._archive = archive

    def __call__(self, event: Event) -> Dataset:
        request = event.request
        sop_class = str(getattr(request, "AffectedSOPClassUID", "") or "")
        sop_instance = str(getattr(request, "AffectedSOPInstanceUID", "") or "")
        calling = event.assoc.requestor.ae_title
        with _received(event) as stream:
            mismatch = _command_mismatch(stream, sop_class, sop_instance)
            if mismatch:
                log.warning("refused C-STORE from %s: %s", calling, mismatch)
                return status(DOES_NOT_MATCH_SOP_CLASS, mismatch)
            stream.seek(0)
            try:
                outcome = self._archive.store_stream(stream)
            except InvalidInstance as exc:
                log.warning("refused C-STORE of %s from %s: %s", sop_instance, calling, exc)
                return status(CANNOT_UNDERSTAND, str(exc))
            except OSError as exc:
                log.error("could not keep %s from %s: %s", sop_instance, calling, exc.strerror or type(exc))
                return status(OUT_OF_RESOURCES, "the archive could not write the instance")
        if outcome.status is StoreStatus.CONFLICT:
            log.warning("C-STORE of %s from %s conflicts with the stored instance", sop_instance, calling)
            return status(DUPLICATE_SOP_INSTANCE, "instance already stored with other content")
        log.debug("C-STORE of %s from %s: %s", sop_instance, calling, outcome.status.value)
        return status(SUCCESS)


@contextlib.contextmanager
def _received(event: Event) -> Iterator[BinaryIO]:
    """The received instance as a Part 10 stream: the temporary file if pynetdicom spooled one."""
    path = event.dataset_path  # None unless pynetdicom spooled the dataset to a temporary file
    if path is None:
        yield io.BytesIO(event.encoded_dataset(include_meta=True))
        return
    with open(path, "rb") as stream:
        yield stream


def _command_mismatch(stream: BinaryIO, sop_class: str, sop_instance: str) -> str:
    """Why the dataset's SOP Class/Instance UIDs differ from the C-STORE command's, or ''.

    Unreadable headers are left to the archive, whose validation names the problem.
    """
    try:
        header = dcmread(stream, stop_before_pixels=True, specific_tags=["SOPClassUID", "SOPInstanceUID"])
        in_class = str(header.get("SOPClassUID", "") or "")
        in_instance = str(header.get("SOPInstanceUID", "") or "")
    except Exception:  # any parse failure is the archive's to report
        return ""
    if in_class and sop_class and in_class != sop_class:
        return "dataset SOP Class UID differs from the C-STORE request"
    if in_instance and sop_instance and in_instance != sop_instance:
        return "dataset SOP Instance UID differs from the C-STORE request"
    return ""

