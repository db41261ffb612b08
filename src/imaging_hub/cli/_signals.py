"""Stopping a long-running command on SIGINT (Ctrl-C) or SIGTERM.

The handler only notes the signal. Python runs a handler on the main thread between any two bytecodes,
possibly while that thread holds a lock the handler would take: a spoke whose handler called ``Event.set``
hung for good when Ctrl-C and then SIGTERM arrived together (the second handler ran inside the first one's
``set`` and waited for the lock the first one held). So the main thread looks for the signal itself.
"""

from __future__ import annotations

import signal
import threading
import time
from types import FrameType

POLL_S = 0.2  # how soon the waiting main thread sees a signal


class StopRequest:
    """Whether, and by which signal, this process has been asked to stop."""

    def __init__(self) -> None:
        self.signal: int | None = None  # the first stop signal received

    @classmethod
    def on_signals(cls) -> StopRequest:
        """Handle SIGINT and SIGTERM from now on (call from the main thread)."""
        request = cls()
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, request.received)
        return request

    def received(self, signum: int, frame: FrameType | None) -> None:
        if self.signal is None:
            self.signal = signum

    def wait(self, until: threading.Event | None = None) -> None:
        """Block until a stop signal arrives, or until another thread sets ``until``."""
        while self.signal is None and not (until is not None and until.is_set()):
            time.sleep(POLL_S)
