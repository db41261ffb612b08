"""Streamed WADO-RS responses that never end as a broken 200.

The first item of a response is built (and so checked) before the status line goes out, so an instance
that cannot be read back answers an error status. A later item that fails cannot change the status any
more: the stream then raises ``StreamBroken``, which makes the server drop the connection without the
body's terminating chunk, so the client sees a failed transfer rather than a clean, short 200. Either
way the request is audited as a failure; it is audited once, when the stream ends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from fastapi import HTTPException

from imaging_hub.errors import ImagingHubError

log = logging.getLogger(__name__)
T = TypeVar("T")


class StreamBroken(ImagingHubError):
    """A response body failed after its status was sent; raised to abort the connection."""


def first_then_rest(items: Iterable[T], build: Callable[[T], bytes], describe: Callable[[T], str],
                    on_failure: Callable[[], None]) -> tuple[bytes, Iterator[bytes]]:
    """``build`` the first item now (an error answers 500, audited through ``on_failure``), and the rest
    lazily (an error there raises StreamBroken, which ``audited`` turns into a failed, aborted stream)."""
    iterator = iter(items)
    try:
        first = next(iterator)
    except StopIteration:
        return b"", iter(())
    try:
        built = build(first)
    except HTTPException:
        raise
    except Exception as exc:  # pydicom and the decoders raise many kinds on a file they cannot read
        on_failure()
        log.error("cannot serve %s: %s", describe(first), type(exc).__name__)
        raise HTTPException(500, detail=f"{describe(first)} is stored but cannot be read back") from None

    def rest() -> Iterator[bytes]:
        for item in iterator:
            try:
                chunk = build(item)
            except Exception as exc:
                log.error("response aborted: cannot serve %s: %s", describe(item), type(exc).__name__)
                raise StreamBroken(f"{describe(item)} is stored but cannot be read back") from None
            yield chunk

    return built, rest()


def audited(chunks: Iterable[bytes], finish: Callable[[str], None]) -> Iterator[bytes]:
    """Yield ``chunks``, then ``finish("success")``; if producing one fails, ``finish("failure")`` and raise
    StreamBroken (the connection is aborted); if the client goes away first, ``finish("partial")``."""
    outcome = "partial"
    try:
        yield from chunks
        outcome = "success"
    except StreamBroken:
        outcome = "failure"
        raise
    except Exception as exc:
        outcome = "failure"
        log.error("response aborted: %s while streaming", type(exc).__name__)
        raise StreamBroken("the response could not be completed") from None
    finally:
        finish(outcome)
