"""The event the spoke's processes share: a process killed while it waits must not jam the others (it did with
``multiprocessing.Event``, whose ``set()`` then waited for ever), and every waiter of a set event wakes."""

from __future__ import annotations

import os
import signal
import threading
import time

from imaging_hub.spoke.runtime.shared_event import SharedEvent
from imaging_hub.spoke.runtime.workers import SPAWN


def _wait_then_mark(event: SharedEvent, woke: SharedEvent) -> None:
    if event.wait(60):
        woke.set()


def _sleep_on(event: SharedEvent, sleeping: SharedEvent) -> None:
    sleeping.set()
    event.wait(600)


def test_set_returns_when_a_process_was_killed_while_it_waited() -> None:
    event, sleeping = SharedEvent(SPAWN), SharedEvent(SPAWN)
    sleeper = SPAWN.Process(target=_sleep_on, args=(event, sleeping))
    sleeper.start()
    assert sleeping.wait(60)
    time.sleep(0.5)  # well inside its wait
    os.kill(sleeper.pid or 0, signal.SIGKILL)
    sleeper.join(10)
    setter = threading.Thread(target=event.set, daemon=True)
    setter.start()
    setter.join(10)
    assert not setter.is_alive(), "set() is stuck on the killed waiter"
    assert event.is_set() and event.wait(0)


def test_every_waiter_of_a_set_event_wakes() -> None:
    event = SharedEvent(SPAWN)
    marks = [SharedEvent(SPAWN) for _ in range(3)]
    waiters = [SPAWN.Process(target=_wait_then_mark, args=(event, mark)) for mark in marks]
    for waiter in waiters:
        waiter.start()
    time.sleep(2.0)  # most, if not all, are waiting: each must wake, whenever it began to wait
    event.set()  # once, for all of them
    for waiter in waiters:
        waiter.join(30)
    assert [mark.is_set() for mark in marks] == [True, True, True]


def test_clear_takes_back_the_wake_ups_posted_while_nobody_waited() -> None:
    event = SharedEvent(SPAWN)
    for _ in range(5):
        event.set()  # five arrivals while the worker was busy
    event.clear()
    assert not event.is_set()
    assert event.wait(0.2) is False  # no stale wake-up left: the wait times out
    event.set()
    assert event.wait(0) is True
