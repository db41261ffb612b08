"""An exact pause of pynetdicom's association reactor: a sender's response is never taken by the reactor.

A thread that sends on an association (``send_c_store`` and the other ``send_*`` methods, ``release``) first
pauses the association's reactor thread: it clears the reactor's checkpoint, then waits until the reactor
says ``_is_paused``. The reactor sets ``_is_paused`` before it waits at the checkpoint and unsets it only after,
so the sender can see a pause the reactor has already left. The reactor then looks at the DIMSE queue, takes
the sender's response and drops it ("Received unexpected C-STORE service message"); the sender gets no
status, after its DIMSE timeout or when the peer, hearing nothing more, ends the association at its network
timeout. The window is a few bytecodes wide, but a loaded machine can deschedule the reactor thread in it
long enough for the peer's answer to arrive: 3 lost in 4,339 C-STOREs to the spoke's intake with two cores
kept busy, and the demo's modality lost one ("spoke RY2 gave no answer to a C-STORE").

``install()`` makes the reactor's own non-blocking look at the queue take a message only while the
checkpoint is set, atomically with ``clear()`` (the same lock). Nothing else changes; it is process-wide,
done once, and declines (pynetdicom left as it is) if pynetdicom is not the version this was written against.
Every process of ours that sends on an association it requested calls it: the hub's server (C-MOVE
sub-operations), the spoke's PACS client, the demo's modality.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import pynetdicom
from pynetdicom import association as _association
from pynetdicom import dimse as _dimse

log = logging.getLogger(__name__)

WRITTEN_FOR = "3.0."  # the pynetdicom minor version whose internals this rewrites
_installed = False
_install_lock = threading.Lock()


class Checkpoint(threading.Event):
    """The association's reactor checkpoint, which can be looked at and acted on in one step."""

    def take_if_set(self, take: Callable[[], Any], otherwise: Any) -> Any:
        """``take()`` if the checkpoint is set, else ``otherwise``, with no clear() in between (it takes the
        same lock)."""
        with self._cond:  # type: ignore[attr-defined]
            return take() if self._flag else otherwise  # type: ignore[attr-defined]


def checked_get_msg(original: Callable[..., Any]) -> Callable[..., Any]:
    """``DIMSEServiceProvider.get_msg`` taking a message for the reactor only while its checkpoint is set;
    a blocking take (a sender waiting for its response) is pynetdicom's own."""

    def get_msg(self: Any, block: bool = False) -> Any:
        assoc = self.assoc
        checkpoint = getattr(assoc, "_reactor_checkpoint", None)
        if block or threading.current_thread() is not assoc or not isinstance(checkpoint, Checkpoint):
            return original(self, block)
        return checkpoint.take_if_set(lambda: original(self, False), (None, None))

    return get_msg


def pynetdicom_as_written(otherwise: str) -> bool:
    """Whether pynetdicom is the version whose internals our corrections rewrite; if not, say so with what is
    ``otherwise`` done."""
    version = str(getattr(pynetdicom, "__version__", ""))
    if version.startswith(WRITTEN_FOR):
        return True
    log.warning("pynetdicom %s is not %sx: %s", version or "?", WRITTEN_FOR, otherwise)
    return False


def install() -> bool:
    """Make the reactor's pause exact (once per process). False, and pynetdicom left as it is, if its
    internals are not the ones this was written against."""
    global _installed
    with _install_lock:
        if _installed:
            return True
        if not pynetdicom_as_written("its reactor's pause is left as it is"):
            return False
        get_msg = getattr(_dimse.DIMSEServiceProvider, "get_msg", None)
        if get_msg is None:
            log.warning("pynetdicom's DIMSE provider is not the expected one: its reactor's pause is left as it is")
            return False
        original_init = _association.Association.__init__

        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            original_init(self, *args, **kwargs)
            checkpoint = Checkpoint()
            if self._reactor_checkpoint.is_set():
                checkpoint.set()
            self._reactor_checkpoint = checkpoint

        _association.Association.__init__ = __init__  # type: ignore[method-assign]
        _dimse.DIMSEServiceProvider.get_msg = checked_get_msg(get_msg)  # type: ignore[method-assign]
        _installed = True
        return True
