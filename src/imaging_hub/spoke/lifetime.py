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

RESTART_DELAY_S = 2.0  # a child that died is started again after this long (not in a tight loop if it keeps dying)


def start_child(parent: int, nice: int = 0) -> None:
    """First thing in a child process: log like the spoke, leave Ctrl-C to the spoke (it reaches the whole
    process group), take a lower CPU priority (``nice`` added), and leave when ``parent`` does. ``parent`` is
    the pid of the process that started this one, taken there: asked here, after the imports, it could
    already be gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if nice:
        os.nice(nice)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for chatty in ("pynetdicom", "httpx"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    logging.getLogger("pydicom").setLevel(logging.ERROR)  # value warnings would quote identifiable values
    watch_parent(parent)


def watch_parent(parent: int, interval: float = 0.5) -> None:
    """Leave this process (at once, no clean-up) when ``parent`` is no longer its parent."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
