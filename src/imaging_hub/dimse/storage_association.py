"""A storage association served on its connection's own thread: C-STORE and C-ECHO, outside pynetdicom.

Why: over pynetdicom each association runs two threads (the DUL reading PDUs, the association reactor
running the handler) that hand every message to each other, and its Python loops were ~30% of the hub's CPU
samples while storescu sent CT instances (PDU loop 18%, the response 12%; bench/RESULTS.md, issue 21 §3).
Here one thread reads whole PDUs (``pdus``), reads each command set by hand (``commands``), writes every
dataset fragment straight into the archive's spool behind the Part 10 header built from the command (never
the whole dataset in memory), then makes the same decision as pynetdicom's handler (``storage.store_instance``)
and answers with a hand-packed C-STORE-RSP.

Anything the protocol does not allow (a PDU over the maximum or of unknown type, a PDV for a context not
accepted, data before a command, a second command before the data set ended, a command other than C-STORE
or C-ECHO, an unreadable command set) ends the association with an A-ABORT and a log line naming the
problem, never a value; so does a release or an abort in the middle of a data set, a dropped connection or
``idle_timeout`` seconds without a PDU. An instance cut off that way leaves nothing: its spool is removed.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from dataclasses import dataclass
from typing import BinaryIO

from imaging_hub.dimse import commands, handshake, pdus
from imaging_hub.dimse.archive import IncomingInstance, InstanceStore, ReceivedInstance
from imaging_hub.dimse.commands import Command, MalformedCommand
from imaging_hub.dimse.contexts import VERIFICATION
from imaging_hub.dimse.pdus import PeerGone, ProtocolViolation
from imaging_hub.dimse.scope import ProjectScope
from imaging_hub.dimse.storage import StoreRequest, received_header, store_instance

log = logging.getLogger(__name__)

_COMMAND = 0x01  # message control header: a command fragment (else data)
_LAST = 0x02  # the last fragment of its command or data set
_COMMAND_LIMIT = 64 * 1024  # a storage command set is a few hundred bytes


@dataclass(frozen=True)
class Peer:
    """Who is on the association, as decided when it was admitted."""

    calling: str
    address: str
    scope: ProjectScope


class _Arriving:
    """A C-STORE whose data set is being written into the archive, fragment by fragment. A write that
    fails is remembered and answered (Out of Resources) once the data set has ended."""

    def __init__(self, store: InstanceStore, context_id: int, command: Command, transfer_syntax: str) -> None:
        self.context_id = context_id
        self.command = command
        self._failure: OSError | None = None
        self._incoming: IncomingInstance | None = None
        try:
            self._incoming = store.incoming()
            self._incoming.write(received_header(command.sop_class, command.sop_instance, transfer_syntax))
        except OSError as exc:
            self._fail(exc)

    def write(self, fragment: memoryview) -> None:
        if self._incoming is None:
            return
        try:
            self._incoming.write(fragment)
        except OSError as exc:
            self._fail(exc)

    def finish(self) -> ReceivedInstance:
        if self._incoming is None:
            raise self._failure or OSError("no incoming instance")
        return self._incoming.finish()

    def reread(self) -> BinaryIO:
        if self._incoming is None:
            raise OSError("no incoming instance")
        return self._incoming.reread()

    def abandon(self) -> None:
        if self._incoming is not None:
            self._incoming.abandon()

    def _fail(self, exc: OSError) -> None:
        self._failure = exc
        self.abandon()
        self._incoming = None


class StorageAssociation:
    """Serve one accepted storage association until it is released or aborted."""

    def __init__(
        self, sock: socket.socket, store: InstanceStore, peer: Peer, acceptance: handshake.Acceptance,
        max_length: int,
    ) -> None:
        self._sock = sock
        self._store = store
        self._peer = peer
        self._contexts = acceptance.contexts
        self._peer_max_length = acceptance.peer_max_length
        self._reader = pdus.PduReader(sock, max_length)
        self._command = bytearray()  # fragments of a command set not yet complete
        self._arriving: _Arriving | None = None

    def serve(self) -> bool:
        """True when the association ended with a PDU sent to the peer (A-RELEASE-RP, A-ABORT): the peer closes
        the connection after reading it (PS3.8 Sta13); False when the peer aborted or is gone."""
        try:
            return self._serve()
        finally:
            if self._arriving is not None:
                self._arriving.abandon()  # cut off: nothing of it stays
                self._arriving = None

    def _serve(self) -> bool:
        who = self._peer.calling
        while True:
            try:
                kind, body = self._reader.next()
                if kind == pdus.P_DATA_TF:
                    self._data(body)
                elif kind == pdus.A_RELEASE_RQ:
                    if self._arriving is not None or self._command:
                        raise ProtocolViolation(pdus.UNEXPECTED_PDU, "A-RELEASE-RQ in the middle of a message")
                    self._sock.sendall(handshake.release_response())
                    log.debug("storage association from %s released", who)
                    return True
                elif kind == pdus.A_ABORT:
                    log.info("storage association from %s aborted by the peer%s", who, self._cut_off())
                    return False
                else:
                    raise ProtocolViolation(pdus.UNEXPECTED_PDU, f"unexpected PDU type 0x{kind:02x}")
            except TimeoutError:
                log.warning("storage association from %s idle too long: aborted%s", who, self._cut_off())
                self._abort(pdus.REASON_NOT_SPECIFIED)
                return True
            except PeerGone as exc:
                log.warning("storage association from %s: %s%s", who, exc, self._cut_off())
                return False
            except ProtocolViolation as exc:
                log.warning("storage association from %s aborted: %s%s", who, exc, self._cut_off())
                self._abort(exc.reason)
                return True
            except OSError as exc:  # reset by the peer, or our socket shut by the server stopping
                log.warning("storage association from %s lost: %s%s", who, exc.strerror or type(exc).__name__,
                            self._cut_off())
                return False

    def _data(self, body: memoryview) -> None:
        for context_id, control, fragment in pdus.pdvs(body):
            if context_id not in self._contexts:
                raise ProtocolViolation(pdus.INVALID_PARAMETER,
                                        f"a PDV for presentation context {context_id}, which was not accepted")
            if control & _COMMAND:
                self._command_fragment(context_id, control, fragment)
                continue
            arriving = self._arriving
            if arriving is None:
                raise ProtocolViolation(pdus.UNEXPECTED_PARAMETER, "data set fragment before a command")
            if context_id != arriving.context_id:
                raise ProtocolViolation(pdus.INVALID_PARAMETER, "data set fragment on another presentation context")
            arriving.write(fragment)
            if control & _LAST:
                self._arriving = None
                self._stored(arriving)

    def _command_fragment(self, context_id: int, control: int, fragment: memoryview) -> None:
        if self._arriving is not None:
            raise ProtocolViolation(pdus.UNEXPECTED_PARAMETER, "a command before the data set ended")
        if len(self._command) + len(fragment) > _COMMAND_LIMIT:
            raise ProtocolViolation(pdus.INVALID_PARAMETER, "a command set over 64 KiB")
        self._command += fragment
        if not control & _LAST:
            return
        try:
            command = commands.read_command(self._command)
        except MalformedCommand as exc:
            raise ProtocolViolation(pdus.INVALID_PARAMETER, f"unreadable command set: {exc}") from None
        finally:
            self._command.clear()
        verification = self._contexts[context_id].abstract_syntax == VERIFICATION
        if command.field == commands.C_ECHO_RQ and verification and not command.has_data_set:
            self._send(context_id, commands.echo_response(command))
        elif command.field == commands.C_STORE_RQ and not verification:
            if not command.has_data_set or not command.sop_class or not command.sop_instance:
                raise ProtocolViolation(pdus.INVALID_PARAMETER,
                                        "C-STORE-RQ without a data set or its affected SOP class and instance")
            transfer_syntax = self._contexts[context_id].transfer_syntax
            self._arriving = _Arriving(self._store, context_id, command, transfer_syntax)
        else:
            raise ProtocolViolation(pdus.UNEXPECTED_PARAMETER,
                                    f"command 0x{command.field:04x} is not served on this presentation context")

    def _stored(self, arriving: _Arriving) -> None:
        command = arriving.command
        request = StoreRequest(self._peer.scope, command.sop_class, command.sop_instance, self._peer.calling,
                               self._peer.address)
        try:
            outcome = store_instance(request, arriving.finish, arriving.reread)
        finally:
            arriving.abandon()  # harmless once kept
        self._send(arriving.context_id, commands.store_response(command, outcome.status, outcome.comment))

    def _send(self, context_id: int, command: bytes) -> None:
        self._sock.sendall(pdus.command_pdus(context_id, command, self._peer_max_length))

    def _abort(self, reason: int) -> None:
        with contextlib.suppress(OSError):  # the peer may be gone already
            self._sock.sendall(handshake.abort(reason))

    def _cut_off(self) -> str:
        return "; the instance being received was not kept" if self._arriving is not None else ""
