"""The spoke's child processes (the pipeline, its de-identification workers): how they start and how they
leave when their parent is gone.

A parent killed with -9 cannot stop its children, so each child watches for it and leaves on its own; what
it was doing is redone by its successor (work is recorded only once it is durable).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable

from imaging_hub import logs

RESTART_DELAY_S = 2.0  # a child that died is started again after this long (not in a tight loop if it keeps dying)


class Revival:
    """When a child process that died may be started again: ``RESTART_DELAY_S`` after its death was first
    noticed, so one that keeps dying is not restarted in a tight loop."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._died_at = 0.0

    def noticed(self) -> bool:
        """Call while the child is dead: True the first time, when its death is to be reported."""
        if self._died_at:
            return False
        self._died_at = self._clock()
        return True

    def due(self) -> bool:
        """Whether the delay has passed; True once, then the next death is noticed anew."""
        if self._died_at and self._clock() - self._died_at >= RESTART_DELAY_S:
            self._died_at = 0.0
            return True
        return False


def start_child(parent: int, nice: int = 0) -> None:
    """First thing in a child process: log like the spoke (value-quoting libraries kept quiet), leave Ctrl-C
    to the spoke (it reaches the whole process group), take a lower CPU priority (``nice`` added), and leave
    when ``parent`` does. ``parent`` is the pid of the process that started this one, taken there: asked
    here, after the imports, it could already be gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if nice:
        os.nice(nice)
    logging.basicConfig(level=logging.INFO, format=logs.LINE_FORMAT)
    for chatty in ("pynetdicom", "httpx"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    logs.silence_value_quoting_libraries()  # a spawned process starts bare: value warnings would quote values
    watch_parent(parent)


def watch_parent(parent: int, interval: float = 0.5) -> None:
    """Leave this process (at once, no clean-up) when ``parent`` is no longer its parent."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
