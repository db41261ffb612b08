"""Sending stored instances as stored, for C-MOVE and C-GET sub-operations.

pynetdicom's Q/R SCP hands each yielded ``Dataset`` to ``Association.send_c_store``, which would re-encode
it. The retrieve handlers yield an ``OutgoingInstance`` instead, and ``install_sender`` wraps that one
association's ``send_c_store`` so such a stand-in goes out as its stored file, byte for byte (pynetdicom
streams a file path from disk when ``STORE_SEND_CHUNKED_DATASET`` is on). Only when the peer accepted
neither the stored transfer syntax nor an uncompressed one is a sub-operation failed; when it accepted an
uncompressed one only, the instance is decoded (decompressed if need be) and sent in that.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.uid import UID, ExplicitVRBigEndian, ExplicitVRLittleEndian
from pynetdicom import _config
from pynetdicom.association import Association
from pynetdicom.status import code_to_category

from imaging_hub.dimse.archive import StoredFile
from imaging_hub.dimse.contexts import UNCOMPRESSED
from imaging_hub.errors import ImagingHubError

_INSTALLED = "_imaging_hub_sender"


class NotSendable(ImagingHubError):
    """The peer accepted no transfer syntax this instance can be sent in."""


class OutgoingInstance(Dataset):
    """A stand-in for one stored instance among pynetdicom's retrieve sub-operations."""

    def __init__(self, stored: StoredFile) -> None:
        super().__init__()
        self.SOPClassUID = stored.sop_class_uid
        self.SOPInstanceUID = stored.sop_instance_uid  # pynetdicom lists it when the sub-operation fails
        self.hub_stored = stored
        self.hub_sent = False  # set once the peer answered the sub-operation's C-STORE with success or warning


def enable_raw_transfer() -> None:
    """Send a file path's dataset from disk without decoding it (pynetdicom's process-wide switch).

    It changes only sends given a path, which nothing else in the hub does.
    """
    _config.STORE_SEND_CHUNKED_DATASET = True


def install_sender(assoc: Association) -> None:
    """Make ``assoc`` send ``OutgoingInstance`` stand-ins as their stored files; other datasets pass through."""
    if getattr(assoc, _INSTALLED, False):
        return
    original = assoc.send_c_store

    def send_c_store(dataset: Any, *args: Any, **kwargs: Any) -> Dataset:
        if not isinstance(dataset, OutgoingInstance):
            return original(dataset, *args, **kwargs)
        answer = original(payload_for(assoc, dataset.hub_stored), *args, **kwargs)
        code = getattr(answer, "Status", None)
        dataset.hub_sent = code is not None and code_to_category(int(code)) in ("Success", "Warning")
        return answer

    setattr(assoc, "send_c_store", send_c_store)  # noqa: B010 - instance attribute on purpose
    setattr(assoc, _INSTALLED, True)


def payload_for(assoc: Association, stored: StoredFile) -> Path | Dataset:
    """The stored file if the peer accepted its transfer syntax, else a decoded uncompressed dataset."""
    accepted = {
        UID(cx.transfer_syntax[0])
        for cx in assoc.accepted_contexts
        if cx.abstract_syntax == stored.sop_class_uid and cx.as_scu
    }
    stored_syntax = UID(stored.transfer_syntax_uid)
    if stored_syntax in accepted:
        if not _config.STORE_SEND_CHUNKED_DATASET:
            raise NotSendable("raw transfer is not enabled (call enable_raw_transfer)")
        return stored.path
    if accepted.isdisjoint(UNCOMPRESSED):
        raise NotSendable(
            f"peer accepted neither {stored_syntax.name} nor an uncompressed transfer syntax "
            f"for {UID(stored.sop_class_uid).name}"
        )
    if stored_syntax == ExplicitVRBigEndian:
        raise NotSendable("a big endian instance is only sent to a peer that accepts big endian")
    return _uncompressed(stored.path)


def _uncompressed(path: Path) -> Dataset:
    dataset = dcmread(path)
    syntax = dataset.file_meta.TransferSyntaxUID
    try:
        if syntax.is_compressed:
            dataset.decompress()  # sets Explicit VR Little Endian
        elif syntax.is_deflated:
            dataset.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    except Exception as exc:  # no codec for it: the sub-operation fails, the rest go on
        raise NotSendable(f"could not decompress {syntax.name}: {type(exc).__name__}") from exc
    return dataset
