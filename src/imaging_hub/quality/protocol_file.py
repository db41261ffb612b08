"""Reading an acquisition protocol from TOML, with errors that name the file, the series and the field."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from imaging_hub.quality.errors import ProtocolError
from imaging_hub.quality.protocol import AcquisitionProtocol


def load_protocol(path: Path) -> AcquisitionProtocol:
    """The protocol in a TOML file; ProtocolError naming what is wrong otherwise."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"{path}: cannot read the protocol: {exc}") from exc
    return parse_protocol(text, source=str(path))


def parse_protocol(text: str, source: str = "<protocol>") -> AcquisitionProtocol:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(f"{source}: not valid TOML: {exc}") from exc
    # The file's [protocol] table holds the header fields; [[series]] and [[deviations]] sit beside it.
    data = dict(raw.get("protocol", {})) if isinstance(raw.get("protocol"), dict) else {}
    data.update({k: v for k, v in raw.items() if k != "protocol"})
    try:
        return AcquisitionProtocol.model_validate(data)
    except ValidationError as exc:
        lines = [f"{source}: {_where(error['loc'], data)}: {_message(error)}" for error in exc.errors()]
        raise ProtocolError("\n".join(lines)) from None


def _message(error: Any) -> str:
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def _where(loc: tuple[Any, ...], data: dict[str, Any]) -> str:
    """A pydantic location made readable: list indexes become the series' name or the deviation's reference."""
    items: list[str] = []
    fields: list[str] = []
    i = 0
    while i < len(loc):
        part = loc[i]
        following = loc[i + 1] if i + 1 < len(loc) else None
        if part in ("series", "deviations") and isinstance(following, int) and not fields:
            items.append(_item_name(str(part), following, data))
            i += 2
            continue
        fields.append(str(part))
        i += 1
    if fields:
        items.append("field " + ".".join(fields))
    return ", ".join(items) if items else "protocol"


def _item_name(kind: str, index: int, data: dict[str, Any]) -> str:
    items = data.get(kind)
    item = items[index] if isinstance(items, list) and index < len(items) else None
    if kind == "series":
        name = item.get("name") if isinstance(item, dict) else None
        return f"series {name!r}" if name else f"series #{index + 1}"
    approval = item.get("approval") if isinstance(item, dict) else None
    reference = approval.get("reference") if isinstance(approval, dict) else None
    return f"deviation {reference!r}" if reference else f"deviation #{index + 1}"
