"""Media types and transfer syntaxes of PS3.18 (Table 8.7.3-2..5) and the parsing of Accept headers."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydicom.uid import (
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
)

from imaging_hub.errors import ImagingHubError

DICOM = "application/dicom"
DICOM_JSON = "application/dicom+json"
OCTET_STREAM = "application/octet-stream"
MULTIPART_RELATED = "multipart/related"

UNCOMPRESSED_SYNTAXES = frozenset(
    {ImplicitVRLittleEndian, ExplicitVRLittleEndian, ExplicitVRBigEndian, DeflatedExplicitVRLittleEndian}
)

# Compressed transfer syntax -> the media type its frames are sent as (PS3.18 Table 8.7.3-5).
FRAME_MEDIA_TYPES: dict[str, str] = {
    "1.2.840.10008.1.2.4.50": "image/jpeg",
    "1.2.840.10008.1.2.4.51": "image/jpeg",
    "1.2.840.10008.1.2.4.57": "image/jpeg",
    "1.2.840.10008.1.2.4.70": "image/jpeg",
    "1.2.840.10008.1.2.4.80": "image/jls",
    "1.2.840.10008.1.2.4.81": "image/jls",
    "1.2.840.10008.1.2.4.90": "image/jp2",
    "1.2.840.10008.1.2.4.91": "image/jp2",
    "1.2.840.10008.1.2.4.92": "image/jpx",
    "1.2.840.10008.1.2.4.93": "image/jpx",
    "1.2.840.10008.1.2.4.201": "image/jphc",
    "1.2.840.10008.1.2.4.202": "image/jphc",
    "1.2.840.10008.1.2.4.203": "image/jphc",
    "1.2.840.10008.1.2.5": "image/dicom-rle",
    "1.2.840.10008.1.2.4.100": "video/mpeg",
    "1.2.840.10008.1.2.4.101": "video/mpeg",
    "1.2.840.10008.1.2.4.102": "video/mp4",
    "1.2.840.10008.1.2.4.103": "video/mp4",
}


@dataclass(frozen=True)
class MediaRange:
    """One entry of an Accept header: ``type/subtype`` with its parameters (names lower-cased)."""

    media_type: str
    params: dict[str, str] = field(default_factory=dict)
    quality: float = 1.0

    @property
    def inner_type(self) -> str | None:
        """The ``type`` parameter of a multipart/related range."""
        return self.params.get("type")

    @property
    def transfer_syntax(self) -> str | None:
        return self.params.get("transfer-syntax")

    def matches(self, media_type: str) -> bool:
        if self.media_type in ("*/*", media_type):
            return True
        major, _, minor = self.media_type.partition("/")
        return minor == "*" and media_type.startswith(major + "/")


class NotAcceptable(ImagingHubError, ValueError):
    """No acceptable representation can be served (HTTP 406)."""


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def parse_media_type(text: str) -> MediaRange:
    """Parse one ``type/subtype; name=value`` (quoted values allowed)."""
    media_type, *raw_params = (piece.strip() for piece in _split_outside_quotes(text, ";"))
    params: dict[str, str] = {}
    quality = 1.0
    for raw in raw_params:
        if not raw:
            continue
        name, sep, value = raw.partition("=")
        if not sep:
            raise ValueError(f"malformed media type parameter {raw!r}")
        name, value = name.strip().lower(), value.strip().strip('"')
        if name == "q":
            try:
                quality = float(value)
            except ValueError as exc:
                raise ValueError(f"malformed quality value {value!r}") from exc
        else:
            params[name] = value
    return MediaRange(media_type.lower(), params, quality)


def parse_accept(header: str | None) -> list[MediaRange]:
    """The ranges of an Accept header, most preferred first; an absent header accepts anything."""
    if not header or not header.strip():
        return [MediaRange("*/*")]
    ranges = [parse_media_type(part) for part in _split_outside_quotes(header, ",") if part.strip()]
    return sorted((r for r in ranges if r.quality > 0), key=lambda r: -r.quality)
