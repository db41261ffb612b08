"""The spoke's Storage SCP: modalities and the PACS (for C-MOVE) send here; also the C-STORE handler used
for C-GET sub-operations. Stores into the intake buffer only; refuses with Out of Resources when the disk
guard says the spoke must stop accepting."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pynetdicom import (
    AE,
    PYNETDICOM_IMPLEMENTATION_UID,
    PYNETDICOM_IMPLEMENTATION_VERSION,
    AllStoragePresentationContexts,
    evt,
)
from pynetdicom.sop_class import Verification  # type: ignore[attr-defined]
from pynetdicom.transport import ThreadedAssociationServer

from imaging_hub.dicom.part10 import part10_header
from imaging_hub.dimse import MAX_PDU, STORAGE_TRANSFER_SYNTAXES, no_delay
from imaging_hub.spoke.intake.buffer import IntakeBuffer
from imaging_hub.spoke.intake.diskguard import DiskGuard

log = logging.getLogger(__name__)
# The file meta names pynetdicom as the receiver, byte for byte as Event.encoded_dataset(include_meta=True).
_IMPLEMENTATION_UID = str(PYNETDICOM_IMPLEMENTATION_UID)


OUT_OF_RESOURCES = 0xA700
CANNOT_UNDERSTAND = 0xC000
SUCCESS = 0x0000


def make_store_handler(
    intake: IntakeBuffer, guard: DiskGuard, before_store: Callable[[Any], None] | None = None
) -> Callable[[Any], int]:
    """A C-STORE handler writing the instance (as received, file meta included) into the intake buffer."""

    def handle_store(event: Any) -> int:
        if not guard.accepting():
            return OUT_OF_RESOURCES
        if before_store is not None:
            before_store(event)  # throttling for pulls
        try:  # the dataset as received, behind a file meta group encoded directly (not via pydicom)
            request = event.request
            sop_class, sop_instance = request.AffectedSOPClassUID, request.AffectedSOPInstanceUID
            if not sop_class or not sop_instance:
                raise ValueError("C-STORE request without its affected SOP class or instance")
            header = part10_header(str(sop_class), str(sop_instance), str(event.context.transfer_syntax),
                                   implementation_class_uid=_IMPLEMENTATION_UID,
                                   implementation_version_name=PYNETDICOM_IMPLEMENTATION_VERSION)
            part10 = header + request.DataSet.getvalue()
        except Exception:  # the peer sent something we cannot even frame
            log.warning("C-STORE from %s refused: dataset could not be read", event.assoc.requestor.ae_title)
            return CANNOT_UNDERSTAND
        try:
            intake.put(part10)
        except OSError as exc:
            log.error("C-STORE refused: intake buffer write failed (%s)", exc.strerror)
            return OUT_OF_RESOURCES
        return SUCCESS

    return handle_store


class IntakeScp:
    """A Verification + Storage SCP writing to the intake buffer. Non-blocking: start(), stop()."""

    def __init__(
        self, ae_title: str, host: str, port: int, intake: IntakeBuffer, guard: DiskGuard,
        before_store: Callable[[Any], None] | None = None,
    ) -> None:
        self.ae_title = ae_title
        self._before_store = before_store
        self.host = host
        self.port = port
        self._intake = intake
        self._guard = guard
        self._server: ThreadedAssociationServer | None = None

    def start(self) -> None:
        ae = AE(ae_title=self.ae_title)
        ae.require_called_aet = False
        ae.maximum_associations = 16
        ae.maximum_pdu_size = MAX_PDU  # a 512x512 slice in 2 PDUs instead of 32: less parsing per instance
        ae.add_supported_context(Verification)
        for context in AllStoragePresentationContexts:
            if context.abstract_syntax is not None:
                ae.add_supported_context(context.abstract_syntax, list(STORAGE_TRANSFER_SYNTAXES))
        handlers: list[Any] = [(evt.EVT_C_STORE, make_store_handler(self._intake, self._guard, self._before_store)),
                               (evt.EVT_CONN_OPEN, no_delay)]
        server = ae.start_server((self.host, self.port), block=False, evt_handlers=handlers)
        assert server is not None  # block=False always returns the server
        self._server = server
        self.port = int(server.server_address[1])

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None
