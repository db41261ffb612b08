"""Association negotiation for the direct storage association, with pynetdicom's own PDU classes.

Once per association, so pynetdicom's objects cost nothing that matters here: the A-ASSOCIATE-RQ is decoded
by ``pynetdicom.pdu``, the presentation contexts negotiated by ``pynetdicom.presentation.negotiate_as_acceptor``
against the AE's supported contexts, and the AC, RJ, A-RELEASE-RP and A-ABORT encoded by ``pynetdicom.pdu``
from ``pynetdicom.pdu_primitives``: what the peer sees is what pynetdicom would have sent.

``storage_request`` says whether a request is one the direct path serves: every presentation context a
storage SOP class or Verification, and user information an acceptor may answer with its defaults alone
(maximum length, implementation class UID and version name; the asynchronous operations window and SOP
class (common) extended negotiation, which pynetdicom's default handlers ignore). Anything else (role
selection, user identity, query/retrieve contexts, a request that does not decode) is pynetdicom's.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from pydicom.uid import UID
from pynetdicom import pdu
from pynetdicom.pdu_primitives import (
    A_ASSOCIATE,
    A_P_ABORT,
    A_RELEASE,
    AsynchronousOperationsWindowNegotiation,
    ImplementationClassUIDNotification,
    ImplementationVersionNameNotification,
    MaximumLengthNotification,
    SOPClassCommonExtendedNegotiation,
    SOPClassExtendedNegotiation,
)
from pynetdicom.presentation import PresentationContext, negotiate_as_acceptor

from imaging_hub.dimse.callers import Refusal

APPLICATION_CONTEXT = "1.2.840.10008.3.1.1.1"
_IGNORABLE = (
    MaximumLengthNotification,
    ImplementationClassUIDNotification,
    ImplementationVersionNameNotification,
    AsynchronousOperationsWindowNegotiation,
    SOPClassExtendedNegotiation,
    SOPClassCommonExtendedNegotiation,
)


@dataclass(frozen=True)
class AcceptedContext:
    abstract_syntax: str
    transfer_syntax: str


@dataclass(frozen=True)
class Acceptance:
    """What was agreed: the A-ASSOCIATE-AC to send, the accepted contexts by ID, the peer's maximum PDU."""

    pdu: bytes
    contexts: dict[int, AcceptedContext]
    peer_max_length: int  # the peer's Maximum Length Received; 0: no limit


class Negotiator:
    """``storage_request`` and ``accept`` for one server, remembering the outcome for each distinct request.

    A sender opens association after association with the same A-ASSOCIATE-RQ (storescu proposes ~120
    storage contexts), and decoding it and encoding the AC with pynetdicom's objects took ~4 ms of CPU each
    time: 20% of the hub's samples with two storescu senders of 25 instances per association. The answer
    depends only on the request's bytes (titles, contexts, user information) and this server's fixed
    settings, so it is kept for the last ``remembered`` distinct requests of at most 64 KiB."""

    def __init__(
        self, served: Collection[str], supported: Sequence[PresentationContext], max_length: int,
        implementation_uid: str, implementation_version: str | None, remembered: int = 64,
    ) -> None:
        self._served = served
        self._supported = list(supported)
        self._settings = (max_length, implementation_uid, implementation_version)
        self._remembered = remembered
        self._known: dict[bytes, tuple[A_ASSOCIATE, Acceptance] | None] = {}
        self._lock = threading.Lock()

    def negotiate(self, first_pdu: bytes) -> tuple[A_ASSOCIATE, Acceptance] | None:
        """The request and the acceptance to send if the direct path serves it, else None. The returned
        objects are shared between associations: read them, never change them."""
        with self._lock:
            if first_pdu in self._known:
                return self._known[first_pdu]
        request = storage_request(first_pdu, self._served)
        outcome = None if request is None else (request, accept(request, self._supported, *self._settings))
        if len(first_pdu) <= 64 * 1024:
            with self._lock:
                if len(self._known) >= self._remembered:
                    del self._known[next(iter(self._known))]  # the oldest
                self._known[first_pdu] = outcome
        return outcome


def storage_request(first_pdu: bytes, served: Collection[str]) -> A_ASSOCIATE | None:
    """The A-ASSOCIATE-RQ in ``first_pdu`` if the direct path serves it (every context's abstract syntax in
    ``served``, nothing in the user information that needs an answer), else None."""
    if len(first_pdu) < 6 or first_pdu[0] != 0x01:
        return None
    request = pdu.A_ASSOCIATE_RQ()
    try:
        request.decode(first_pdu)
        primitive = request.to_primitive()
    except Exception:  # whatever pynetdicom cannot decode, it also refuses, its own way
        return None
    contexts = primitive.presentation_context_definition_list
    if str(primitive.application_context_name) != APPLICATION_CONTEXT or not contexts:
        return None
    if any(str(cx.abstract_syntax) not in served for cx in contexts):
        return None
    if any(not isinstance(item, _IGNORABLE) for item in primitive.user_information):
        return None
    return primitive


def accept(
    request: A_ASSOCIATE, supported: Sequence[PresentationContext], max_length: int, implementation_uid: str,
    implementation_version: str | None,
) -> Acceptance:
    """Negotiate the presentation contexts as pynetdicom's acceptor does and encode the A-ASSOCIATE-AC."""
    results, _roles = negotiate_as_acceptor(request.presentation_context_definition_list, list(supported), None)
    accepted = [cx for cx in results if cx.result == 0x00]
    answer = A_ASSOCIATE()
    answer.application_context_name = UID(APPLICATION_CONTEXT)
    answer.calling_ae_title = request.calling_ae_title
    answer.called_ae_title = request.called_ae_title
    answer.result = 0x00
    answer.result_source = 0x01
    answer.presentation_context_definition_results_list = accepted + [cx for cx in results if cx.result != 0x00]
    maximum = MaximumLengthNotification()
    maximum.maximum_length_received = max_length
    implementation = ImplementationClassUIDNotification()
    implementation.implementation_class_uid = UID(implementation_uid)
    user_information: list[Any] = [maximum, implementation]
    if implementation_version:
        version = ImplementationVersionNameNotification()
        version.implementation_version_name = implementation_version
        user_information.append(version)
    answer.user_information = user_information
    encoded = pdu.A_ASSOCIATE_AC()
    encoded.from_primitive(answer)
    contexts = {
        int(cx.context_id or 0): AcceptedContext(str(cx.abstract_syntax), str(cx.transfer_syntax[0]))
        for cx in accepted
    }
    return Acceptance(encoded.encode(), contexts, _peer_max_length(request))


def reject(refusal: Refusal) -> bytes:
    """The A-ASSOCIATE-RJ for a refusal."""
    answer = A_ASSOCIATE()
    answer.result = refusal.result
    answer.result_source = refusal.source
    answer.diagnostic = refusal.diagnostic
    encoded = pdu.A_ASSOCIATE_RJ()
    encoded.from_primitive(answer)
    return encoded.encode()


def release_response() -> bytes:
    release = A_RELEASE()
    release.result = "affirmative"
    return pdu.A_RELEASE_RP(release).encode()


def abort(reason: int) -> bytes:
    """An A-ABORT from the service provider (us) with ``reason`` (``pdus``'s provider reasons)."""
    primitive = A_P_ABORT()
    primitive.provider_reason = reason
    return pdu.A_ABORT_RQ(primitive).encode()


def _peer_max_length(request: A_ASSOCIATE) -> int:
    for item in request.user_information:
        if isinstance(item, MaximumLengthNotification):
            with contextlib.suppress(TypeError, ValueError):
                return int(item.maximum_length_received or 0)
    return 0
