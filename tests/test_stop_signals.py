"""SIGINT and SIGTERM stop a long-running command; the handler takes no lock, so signals that arrive while
another is being handled (Ctrl-C, then the service manager's SIGTERM) cannot hang the process."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator

import pytest

from imaging_hub.cli._signals import POLL_S, StopRequest


@pytest.fixture
def handlers() -> Iterator[None]:
    saved = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    yield
    for number, handler in saved.items():
        signal.signal(number, handler)


def test_a_signal_ends_the_wait_and_the_first_one_is_kept(handlers: None) -> None:
    request = StopRequest.on_signals()
    threading.Timer(0.1, lambda: os.kill(os.getpid(), signal.SIGTERM)).start()
    started = time.monotonic()
    request.wait()
    assert request.signal == signal.SIGTERM
    assert time.monotonic() - started < 0.1 + POLL_S + 2  # seen at the next look, not at some later event
    os.kill(os.getpid(), signal.SIGINT)  # a second signal changes nothing and raises nothing
    assert request.signal == signal.SIGTERM


def test_a_signal_arriving_while_the_main_thread_holds_a_lock_is_only_noted() -> None:
    request = StopRequest()
    until = threading.Event()
    with until._cond:  # type: ignore[attr-defined]  # as inside Event.set, where the old handler hung
        request.received(signal.SIGINT, None)
        request.received(signal.SIGTERM, None)
    assert request.signal == signal.SIGINT


def test_another_thread_can_end_the_wait() -> None:
    request, until = StopRequest(), threading.Event()
    threading.Timer(0.1, until.set).start()
    request.wait(until=until)
    assert request.signal is None
