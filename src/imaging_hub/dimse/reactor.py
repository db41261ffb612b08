"""Quiet reactors: pynetdicom's association threads wait for work instead of polling every millisecond.

Each pynetdicom association runs two threads, the DUL (reads PDUs from the socket, sends queued primitives)
and the association reactor (serves decoded DIMSE messages). Both loop with a 1 ms sleep when there is
nothing to do, so every open association wakes 2,000 times a second: four idle associations between two AEs
of one process cost 40% of a core here, and while instances stream in, the sleepers' wake-ups contend for
the interpreter lock with the thread doing the work at every system call it makes.

``install()`` keeps pynetdicom's loops as they are and changes only what their idle sleep does:

- the DUL thread waits until its socket is readable, or another thread queues a primitive or an event for
  it or tells it to stop (a wake-up pipe);
- the association thread waits until the DUL queues a DIMSE message or an ACSE primitive for it, or a user
  thread asks it to pause (to send on the association) or to stop.

Either waits at most ``IDLE_WAIT_S``, then runs its loop as before: only its timers (ARTIM, the network
timeout) are seen up to that much later. When work is already queued the sleep is pynetdicom's own, so a busy
loop behaves as stock. The race in pynetdicom's pause that the faster wake-ups expose more often (2 in 12 runs
of 1,200 C-STOREs on one association) is closed by ``pause``, installed with this one. Nothing else in pynetdicom
changes; ``install`` declines if its internals are not the ones this was written against (pynetdicom 3.0, the
minor version pyproject pins).

It is opt-in: nothing here runs on import, and the hub calls ``install`` only when its
``dicom_quiet_reactors`` setting is on (off by default). bench/dimse_idle_bench.py measures what it changes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import select
import sys
import threading
import time
import types
from collections.abc import Callable
from typing import Any

from pynetdicom import association as _association
from pynetdicom import dul as _dul

from imaging_hub.dimse.pause import Checkpoint, pynetdicom_as_written
from imaging_hub.dimse.pause import install as install_exact_pause

log = logging.getLogger(__name__)

IDLE_WAIT_S = 0.2  # the longest an idle reactor thread waits before its timers are looked at again
_installed = False
_install_lock = threading.Lock()


class _NotifyingQueue(queue.Queue[Any]):
    """A queue that tells ``notify`` after each put."""

    def __init__(self, notify: Callable[[], None]) -> None:
        super().__init__()
        self._notify = notify

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        super().put(item, block, timeout)
        self._notify()


class _WakingEvent(Checkpoint):
    """The association's reactor checkpoint: clearing it (a user thread about to send on the association
    asks the reactor to pause) wakes the reactor, so it reaches the pause at once."""

    def __init__(self, wake: threading.Event) -> None:
        super().__init__()
        self._wake = wake

    def clear(self) -> None:
        super().clear()
        self._wake.set()


class _Pipe:
    """A self-pipe a selecting thread can be woken through; closed once its thread has ended."""

    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)
        self._lock = threading.Lock()
        self._armed = False  # a byte is in the pipe, not yet drained
        self._closed = False

    @property
    def fileno(self) -> int:
        return self._read

    def wake(self) -> None:
        with self._lock:
            if self._closed or self._armed:
                return
            self._armed = True
            with contextlib.suppress(BlockingIOError):
                os.write(self._write, b"\0")

    def drain(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._armed = False
            with contextlib.suppress(BlockingIOError):
                os.read(self._read, 64)

    def close(self) -> None:
        with self._lock:  # after this, wake() never writes to a descriptor number that may be reused
            if not self._closed:
                self._closed = True
                os.close(self._read)
                os.close(self._write)


def _equip(assoc: Any) -> None:
    """Feed a new association's reactor threads from the queues the other side fills: the DUL through a
    wake-up pipe (made by its own thread when it first waits, closed when it ends, so an association that
    never runs holds no descriptors), the association thread through an event."""
    dul, dimse = assoc.dul, assoc.dimse
    ready = threading.Event()
    assoc._quiet_ready = ready
    checkpoint = _WakingEvent(ready)
    if assoc._reactor_checkpoint.is_set():
        checkpoint.set()
    assoc._reactor_checkpoint = checkpoint

    dul.to_provider_queue = _NotifyingQueue(lambda: _wake_dul(dul))  # primitives to send, from anyone
    dul.event_queue = _NotifyingQueue(lambda: _wake_dul(dul))  # state machine events (a few come from other threads)
    dul.to_user_queue = _NotifyingQueue(ready.set)  # ACSE primitives for the association thread
    dimse.msg_queue = _NotifyingQueue(ready.set)  # decoded DIMSE messages for the association thread


def _wake_dul(dul: Any) -> None:
    pipe: _Pipe | None = getattr(dul, "_quiet_pipe", None)
    if pipe is not None and threading.current_thread() is not dul:  # most events are its own: it is awake
        pipe.wake()


def _wake_association(assoc: Any) -> None:
    ready: threading.Event | None = getattr(assoc, "_quiet_ready", None)
    if ready is not None:
        ready.set()


def _flag(name: str, wake: Callable[[Any], None]) -> property:
    """A boolean a reactor loop polls, stored under ``name``; setting it wakes the loop, so a thread that
    stops an association (and then waits for its threads to end) does not wait out an idle wait."""

    def get(self: Any) -> bool:
        return bool(self.__dict__.get(name, False))

    def set_(self: Any, value: bool) -> None:
        self.__dict__[name] = value
        if value:
            wake(self)

    return property(get, set_)


def _dul_idle(dul: Any, seconds: float) -> None:
    pipe: _Pipe | None = getattr(dul, "_quiet_pipe", None)
    if pipe is None and isinstance(dul.event_queue, _NotifyingQueue):
        pipe = dul._quiet_pipe = _Pipe()  # before the queues are looked at: a put after that wakes us
    if pipe is None or not dul.to_provider_queue.empty() or not dul.event_queue.empty():
        time.sleep(seconds)
        return
    watched: list[Any] = [pipe.fileno]
    transport = getattr(dul.socket, "socket", None)
    if transport is not None and getattr(dul.socket, "_is_connected", False):  # a socket the loop reads from
        if getattr(transport, "pending", None) is not None and transport.pending():
            return  # TLS: bytes already decrypted, which select cannot see
        with contextlib.suppress(OSError, ValueError):
            if transport.fileno() >= 0:
                watched.append(transport)
    try:
        readable, _, _ = select.select(watched, [], [], IDLE_WAIT_S)
    except (OSError, ValueError):  # the socket closed under us: let the loop find out as it does
        time.sleep(seconds)
        readable = [pipe.fileno]
    if pipe.fileno in readable:  # most wakes are the socket's: no lock or read for the pipe then
        pipe.drain()


def _association_idle(assoc: Any, seconds: float) -> None:
    ready: threading.Event | None = getattr(assoc, "_quiet_ready", None)
    if ready is None or not assoc.dimse.msg_queue.empty() or not assoc.dul.to_user_queue.empty():
        time.sleep(seconds)
        return
    ready.wait(IDLE_WAIT_S)
    ready.clear()  # before the loop looks at the queues, so a put after this wakes the next wait


_running = threading.local()  # .reactor: the DUL or association whose reactor loop this thread runs


def _owning(loop: Callable[[Any], None]) -> Callable[[Any], None]:
    """Run a reactor loop with its DUL or association known to this thread, for ``_Clock.sleep``."""

    def run(self: Any) -> None:
        _running.reactor = self
        try:
            loop(self)
        finally:
            _running.reactor = None

    return run


class _Clock(types.ModuleType):
    """Stands in for ``time`` inside one pynetdicom module: the same functions, except that ``sleep`` called
    by ``idle_site`` (a reactor loop's own code, not a handler it calls) waits for work through ``idle``."""

    def __init__(self, idle_site: types.CodeType, idle: Callable[[Any, float], None]) -> None:
        super().__init__("time")
        self._idle_site = idle_site
        self._idle = idle

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    def sleep(self, seconds: float) -> None:
        reactor = getattr(_running, "reactor", None)
        if reactor is not None and sys._getframe(1).f_code is self._idle_site:
            self._idle(reactor, seconds)
        else:
            time.sleep(seconds)


def install() -> bool:
    """Make pynetdicom's reactor threads wait for work (once per process). False, and pynetdicom left as it
    is, if its internals are not the ones this was written against."""
    global _installed
    with _install_lock:
        if _installed:
            return True
        if not pynetdicom_as_written("its reactors are left polling"):
            return False
        dul_loop = getattr(_dul.DULServiceProvider, "run_reactor", None)
        assoc_loop = getattr(_association.Association, "_run_reactor", None)
        if dul_loop is None or assoc_loop is None or getattr(_dul, "time", None) is not time \
                or getattr(_association, "time", None) is not time or not install_exact_pause():
            log.warning("pynetdicom's reactors are not the expected ones: left polling")
            return False
        original_init = _association.Association.__init__

        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            original_init(self, *args, **kwargs)
            _equip(self)

        def run_reactor(self: Any) -> None:
            try:
                _owning(dul_loop)(self)
            finally:
                pipe = getattr(self, "_quiet_pipe", None)
                if pipe is not None:
                    pipe.close()

        _association.Association.__init__ = __init__  # type: ignore[method-assign]
        _association.Association._kill = _flag("_quiet_kill", _wake_association)  # type: ignore[assignment]
        _dul.DULServiceProvider._kill_thread = _flag("_quiet_kill_thread", _wake_dul)  # type: ignore[assignment]
        _dul.DULServiceProvider.run_reactor = run_reactor  # type: ignore[method-assign]
        _association.Association._run_reactor = _owning(assoc_loop)  # type: ignore[method-assign, assignment]
        _dul.time = _Clock(dul_loop.__code__, _dul_idle)
        _association.time = _Clock(assoc_loop.__code__, _association_idle)
        _installed = True
        return True
