"""An event the spoke's processes share that a killed process cannot jam.

``multiprocessing.Event`` is built on a condition whose ``notify`` waits until every process sleeping on it
has woken: a de-identification worker killed (out of memory, kill -9) while it waited for an arrival leaves a
sleeper that never wakes, and the next ``set()``, made by the intake for the next C-STORE, waits for ever.
Here the state is a byte in shared memory and the wake-up a semaphore: ``set()`` only posts to it and never
waits, and a process killed in ``wait()`` holds nothing. A wake-up is passed on to the next waiter while the
event stays set, so every waiter of an event that is never cleared (``stop``) wakes in turn; ``clear()``
takes back the wake-ups posted while nobody waited.
"""

from __future__ import annotations

import ctypes
from multiprocessing.context import SpawnContext
from typing import Any


class SharedEvent:
    """``set``, ``clear``, ``is_set`` and ``wait(timeout)`` as ``threading.Event``, across processes."""

    def __init__(self, context: SpawnContext) -> None:
        self._state: Any = context.Value(ctypes.c_bool, False, lock=False)  # one byte: written whole
        self._bell = context.Semaphore(0)

    def set(self) -> None:
        self._state.value = True
        self._bell.release()

    def clear(self) -> None:
        self._state.value = False
        while self._bell.acquire(False):
            pass

    def is_set(self) -> bool:
        return bool(self._state.value)

    def wait(self, timeout: float | None = None) -> bool:
        if self._state.value:
            return True
        if self._bell.acquire(True, timeout) and self._state.value:
            self._bell.release()  # still set: the next waiter wakes too
        return bool(self._state.value)
