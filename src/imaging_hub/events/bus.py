"""A small typed, synchronous event bus: ``subscribe(InstanceStored, handler)``, ``publish(event)``.

Delivery: handlers of an event's exact type run in subscription order, in the publishing thread, after the
change is committed (the archive publishes once its transaction is durable). A handler that raises is logged
(its name, the event's type and sequence, the exception's class: never the message, which might quote a
value) and the next handler still runs; publishing never fails the work that caused the event. Delivery is
at most once per process; a subscriber that must see every change replays ``Archive.changes(since=...)``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from imaging_hub.events.model import Event

log = logging.getLogger(__name__)
E = TypeVar("E", bound=Event)
Handler = Callable[[E], object]


class EventBus:
    """Thread-safe: subscribing while another thread publishes is allowed (each publish sees a snapshot)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._handlers: dict[type[Any], tuple[Callable[[Any], object], ...]] = {}

    def subscribe(self, event_type: type[E], handler: Callable[[E], object]) -> Callable[[], None]:
        """Call ``handler(event)`` for every published ``event_type``; returns a function that unsubscribes."""
        with self._lock:
            self._handlers[event_type] = (*self._handlers.get(event_type, ()), handler)

        def unsubscribe() -> None:
            with self._lock:
                kept = list(self._handlers.get(event_type, ()))
                if handler in kept:
                    kept.remove(handler)
                self._handlers[event_type] = tuple(kept)

        return unsubscribe

    def has_subscribers(self, event_type: type[Event]) -> bool:
        return bool(self._handlers.get(event_type))

    def publish(self, event: Event) -> None:
        for handler in self._handlers.get(type(event), ()):
            try:
                handler(event)
            except Exception as exc:  # a subscriber's failure is its own; the change is already committed
                log.error("event subscriber %s failed on %s #%s: %s", _name(handler), type(event).__name__,
                          getattr(event, "sequence", "-"), type(exc).__name__)

    def publish_all(self, events: list[Event]) -> None:
        for event in events:
            self.publish(event)


def _name(handler: Callable[..., object]) -> str:
    return str(getattr(handler, "__qualname__", None) or type(handler).__qualname__)
