"""pynetdicom as the requestor in the association tests, keeping the A-ASSOCIATE-RJ the server sent.

Why not ``Association.is_rejected``: pynetdicom's requestor checks that its socket is still connected only
after it has sent the request, and its reactor thread closes the socket as soon as it reads an
A-ASSOCIATE-RJ. When the server answers first (the direct path does, within a millisecond) and the
requestor's own thread is slow (a loaded machine), the requestor calls itself aborted although it was
rejected: 11 of 300 refused requests under load (pynetdicom 3.0.4). What the server sent is what these
tests are about, so they read the PDU itself.
"""

from __future__ import annotations

from dimse_tools import HUB_AE
from pynetdicom import AE, evt
from pynetdicom.association import Association
from pynetdicom.pdu import A_ASSOCIATE_RJ


def _entity(calling: str, abstract_syntaxes: tuple[str, ...]) -> AE:
    ae = AE(ae_title=calling)
    for syntax in abstract_syntaxes:
        ae.add_requested_context(syntax)
    return ae


def associate(port: int, calling: str, *abstract_syntaxes: str, called: str = HUB_AE) -> Association:
    return _entity(calling, abstract_syntaxes).associate("127.0.0.1", port, ae_title=called)


def rejection(port: int, calling: str, *abstract_syntaxes: str, called: str = HUB_AE) -> A_ASSOCIATE_RJ | None:
    """The A-ASSOCIATE-RJ the server answered an association request with; None (and released) if it accepted,
    None if it answered otherwise."""
    heard: list[object] = []
    assoc = _entity(calling, abstract_syntaxes).associate(
        "127.0.0.1", port, ae_title=called, evt_handlers=[(evt.EVT_PDU_RECV, lambda event: heard.append(event.pdu))])
    if assoc.is_established:
        assoc.release()
        return None
    return next((pdu for pdu in heard if isinstance(pdu, A_ASSOCIATE_RJ)), None)


def reasons(pdu: A_ASSOCIATE_RJ | None) -> tuple[int | None, int | None, int | None] | None:
    """(result, source, reason/diagnostic) of a rejection, as PS3.8 Table 9-21 numbers them."""
    return None if pdu is None else (pdu.result, pdu.source, pdu.reason_diagnostic)
