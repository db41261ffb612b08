"""The origin of the work in progress, for callers that cannot pass ``origin=`` down to the archive.

A face sets it around a call (``with acting(Origin("dicomweb", principal)):``); the archive reads it in the
calling thread when an instance arrives, so it survives group commit (another thread may commit the batch).
A context variable, so concurrent requests and threads never see each other's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from imaging_hub.events.model import Origin

_current: ContextVar[Origin | None] = ContextVar("imaging_hub_origin", default=None)


def current_origin() -> Origin | None:
    return _current.get()


@contextmanager
def acting(origin: Origin | None) -> Iterator[Origin | None]:
    token = _current.set(origin)
    try:
        yield origin
    finally:
        _current.reset(token)
