"""Choosing what a WADO-RS response carries from the request's Accept header (PS3.18 8.7)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import HTTPException

from imaging_hub.dicomweb import DICOM, MULTIPART_RELATED, OCTET_STREAM, MediaRange, parse_accept


def accept_ranges(header: str | None) -> list[MediaRange]:
    try:
        return parse_accept(header)
    except ValueError as exc:
        raise HTTPException(400, detail=f"malformed Accept header: {exc}") from exc


def _inner(r: MediaRange) -> tuple[str, str | None] | None:
    """(inner media type, transfer syntax) a range asks for, or None if it cannot be multipart."""
    if r.media_type == MULTIPART_RELATED:
        return (r.inner_type or "*/*").lower(), r.transfer_syntax
    if r.media_type in ("*/*", "multipart/*"):
        return "*/*", r.transfer_syntax
    return (r.media_type, r.transfer_syntax) if r.media_type != MULTIPART_RELATED else None


def negotiate_instances(header: str | None, stored_syntaxes: set[str]) -> str | None:
    """For study/series/instance retrieve: the single transfer syntax promised, or None when mixed.

    Instances are sent as stored; 406 if the client insists on a syntax some instance is not in.
    """
    reasons = []
    for r in accept_ranges(header):
        wanted = _inner(r)
        if wanted is None:
            continue
        media, syntax = wanted
        if media not in (DICOM, "*/*", "application/*"):
            reasons.append(media)
            continue
        if syntax in (None, "*") or stored_syntaxes == {syntax}:
            return next(iter(stored_syntaxes)) if len(stored_syntaxes) == 1 else None
        reasons.append(f"transfer-syntax={syntax}")
    raise HTTPException(406, detail=(
        "instances are served as stored (transfer syntax "
        + ", ".join(sorted(stored_syntaxes)) + "); not acceptable: " + ", ".join(reasons or ["(none)"])))


@dataclass(frozen=True)
class FrameChoice:
    media_type: str
    transfer_syntax: str
    decode: bool


def negotiate_frames(header: str | None, stored_syntax: str, stored_media: str, native: bool) -> FrameChoice:
    """Frames go as stored (native: octet-stream, compressed: its image type) or decoded to octet-stream."""
    explicit_le = "1.2.840.10008.1.2.1"
    for r in accept_ranges(header):
        wanted = _inner(r)
        if wanted is None:
            continue
        media, syntax = wanted
        if media in ("*/*", "application/*", "image/*", "video/*") and syntax in (None, "*"):
            if stored_media == OCTET_STREAM or media == "application/*":
                return FrameChoice(OCTET_STREAM, explicit_le, decode=not native)
            return FrameChoice(stored_media, stored_syntax, decode=False)
        if media == OCTET_STREAM and syntax in (None, "*", explicit_le):
            return FrameChoice(OCTET_STREAM, explicit_le, decode=not native)
        if media == stored_media and not native and syntax in (None, "*", stored_syntax):
            return FrameChoice(stored_media, stored_syntax, decode=False)
    raise HTTPException(406, detail=(
        f"frames are available as {OCTET_STREAM}" + ("" if native else f" or {stored_media} ({stored_syntax})")))
