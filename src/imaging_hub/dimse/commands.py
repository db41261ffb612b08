"""DIMSE command sets of the storage services (PS3.7 9.3.1, 9.3.5), read and written by hand.

Hand-written for the direct storage association: decoding each C-STORE-RQ into a pydicom Dataset and
encoding its C-STORE-RSP the same way was most of the 12% of the hub's CPU samples that pynetdicom spent
answering (bench/RESULTS.md, issue 21 §3). A command set is a few implicit VR little endian elements of
group 0000, read here with struct into a ``Command``; a response is the same few elements, packed.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from imaging_hub.errors import ImagingHubError

C_STORE_RQ = 0x0001
C_STORE_RSP = 0x8001
C_ECHO_RQ = 0x0030
C_ECHO_RSP = 0x8030
NO_DATA_SET = 0x0101  # CommandDataSetType (0000,0800): no data set follows

_ELEMENT = struct.Struct("<HHI")  # group, element, value length (implicit VR little endian)
_US = struct.Struct("<HHIH")
_UID = re.compile(r"[0-9.]{1,64}")
_COMMENT_LIMIT = 64  # Error Comment (0000,0902) is LO

_AFFECTED_SOP_CLASS = 0x0002
_COMMAND_FIELD = 0x0100
_MESSAGE_ID = 0x0110
_MESSAGE_ID_RESPONDED_TO = 0x0120
_PRIORITY = 0x0700
_DATA_SET_TYPE = 0x0800
_STATUS = 0x0900
_ERROR_COMMENT = 0x0902
_AFFECTED_SOP_INSTANCE = 0x1000
_MOVE_ORIGINATOR_AE = 0x1030
_MOVE_ORIGINATOR_ID = 0x1031


class MalformedCommand(ImagingHubError, ValueError):
    """A command set that cannot be read; the message names the element, never a value."""


@dataclass(frozen=True)
class Command:
    field: int  # CommandField
    message_id: int
    has_data_set: bool
    sop_class: str = ""  # AffectedSOPClassUID ('' when absent)
    sop_instance: str = ""  # AffectedSOPInstanceUID
    priority: int = 0
    move_originator: str = ""  # MoveOriginatorApplicationEntityTitle: a C-STORE made for a C-MOVE
    move_originator_message_id: int | None = None


def read_command(data: bytes | bytearray | memoryview) -> Command:
    """A command set's fields; MalformedCommand says what is wrong with it."""
    values: dict[int, bytes] = {}
    at, end = 0, len(data)
    while at < end:
        if end - at < _ELEMENT.size:
            raise MalformedCommand("a command element's header is cut off")
        group, element, length = _ELEMENT.unpack_from(data, at)
        at += _ELEMENT.size
        if group != 0x0000:
            raise MalformedCommand(f"element ({group:04x},{element:04x}) outside the command group")
        if length > end - at:
            raise MalformedCommand(f"command element (0000,{element:04x}) runs past the command set")
        values[element] = bytes(data[at : at + length])
        at += length
    field, message_id = _us(values, _COMMAND_FIELD), _us(values, _MESSAGE_ID)
    if field is None or message_id is None:
        raise MalformedCommand("the command set has no CommandField or MessageID")
    data_set_type = _us(values, _DATA_SET_TYPE)
    return Command(
        field=field,
        message_id=message_id,
        has_data_set=data_set_type is not None and data_set_type != NO_DATA_SET,
        sop_class=_uid(values, _AFFECTED_SOP_CLASS),
        sop_instance=_uid(values, _AFFECTED_SOP_INSTANCE),
        priority=_us(values, _PRIORITY) or 0,
        move_originator=_text(values, _MOVE_ORIGINATOR_AE),
        move_originator_message_id=_us(values, _MOVE_ORIGINATOR_ID),
    )


def store_response(request: Command, status: int, comment: str = "") -> bytes:
    """The C-STORE-RSP to ``request``, with an Error Comment when there is one."""
    elements = [
        _uid_element(_AFFECTED_SOP_CLASS, request.sop_class),
        _US.pack(0, _COMMAND_FIELD, 2, C_STORE_RSP),
        _US.pack(0, _MESSAGE_ID_RESPONDED_TO, 2, request.message_id),
        _US.pack(0, _DATA_SET_TYPE, 2, NO_DATA_SET),
        _US.pack(0, _STATUS, 2, status),
    ]
    if comment:
        text = comment[:_COMMENT_LIMIT].replace("\\", "/").encode("ascii", "replace")
        elements.append(_element(_ERROR_COMMENT, text + b" " * (len(text) % 2)))
    elements.append(_uid_element(_AFFECTED_SOP_INSTANCE, request.sop_instance))
    return _command_set(elements)


def echo_response(request: Command, status: int = 0x0000) -> bytes:
    """The C-ECHO-RSP to ``request``."""
    return _command_set([
        _uid_element(_AFFECTED_SOP_CLASS, request.sop_class or "1.2.840.10008.1.1"),
        _US.pack(0, _COMMAND_FIELD, 2, C_ECHO_RSP),
        _US.pack(0, _MESSAGE_ID_RESPONDED_TO, 2, request.message_id),
        _US.pack(0, _DATA_SET_TYPE, 2, NO_DATA_SET),
        _US.pack(0, _STATUS, 2, status),
    ])


def _command_set(elements: list[bytes]) -> bytes:
    body = b"".join(elements)
    return struct.pack("<HHII", 0, 0x0000, 4, len(body)) + body  # CommandGroupLength first


def _element(element: int, value: bytes) -> bytes:
    return _ELEMENT.pack(0, element, len(value)) + value


def _uid_element(element: int, uid: str) -> bytes:
    value = uid.encode("ascii")
    return _element(element, value + b"\0" * (len(value) % 2))


def _us(values: dict[int, bytes], element: int) -> int | None:
    value = values.get(element)
    if value is None:
        return None
    if len(value) != 2:
        raise MalformedCommand(f"command element (0000,{element:04x}) is not one US value")
    return int.from_bytes(value, "little")


def _uid(values: dict[int, bytes], element: int) -> str:
    uid = _text(values, element)
    if uid and not _UID.fullmatch(uid):
        raise MalformedCommand(f"command element (0000,{element:04x}) is not a UID")
    return uid


def _text(values: dict[int, bytes], element: int) -> str:
    try:
        return values.get(element, b"").decode("ascii").strip("\0 ")
    except UnicodeDecodeError:
        raise MalformedCommand(f"command element (0000,{element:04x}) is not ASCII") from None
