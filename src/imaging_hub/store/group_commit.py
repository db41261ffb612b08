"""Group commit: concurrent writers' instances share one index transaction (leader/follower).

Each caller submits its own items and blocks until they are committed. Whoever finds no commit running
becomes the leader and commits everything queued so far in one transaction (one lock round, one fsync
of the index, one set of directory fsyncs); the others wait and are answered by that commit. A failed
group is retried submission by submission so one caller's bad item never fails another caller.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

I = TypeVar("I")  # noqa: E741 - an item to commit
R = TypeVar("R")  # its result

MAX_GROUP = 512  # items per transaction: bounds how long the index write lock is held


@dataclass
class _Ticket(Generic[I, R]):
    items: list[I]
    results: list[R] = field(default_factory=list)
    error: BaseException | None = None
    done: bool = False


class GroupCommit(Generic[I, R]):
    """``commit(items) -> results`` (same order) runs in whichever submitting thread leads."""

    def __init__(self, commit: Callable[[list[I]], list[R]], max_group: int = MAX_GROUP) -> None:
        self._commit = commit
        self._max_group = max_group
        self._lock = threading.Lock()
        self._turn = threading.Condition(self._lock)
        self._queue: list[_Ticket[I, R]] = []
        self._leading = False

    def submit(self, items: list[I]) -> list[R]:
        if not items:
            return []
        ticket: _Ticket[I, R] = _Ticket(list(items))
        with self._lock:
            self._queue.append(ticket)
            while not ticket.done:
                if self._leading:
                    self._turn.wait()
                    continue
                self._leading = True
                group = self._take()
                self._lock.release()
                try:
                    self._run(group)
                finally:
                    self._lock.acquire()
                    self._leading = False
                    self._turn.notify_all()
        if ticket.error is not None:
            raise ticket.error
        return ticket.results

    def _take(self) -> list[_Ticket[I, R]]:
        group: list[_Ticket[I, R]] = []
        size = 0
        while self._queue and (not group or size + len(self._queue[0].items) <= self._max_group):
            ticket = self._queue.pop(0)
            group.append(ticket)
            size += len(ticket.items)
        return group

    def _run(self, group: list[_Ticket[I, R]]) -> None:
        try:
            results = self._commit([item for ticket in group for item in ticket.items])
        except Exception as exc:
            if len(group) == 1:
                group[0].error = exc
            else:
                for ticket in group:  # isolate the culprit: each submission alone
                    self._run([ticket])
                return
        except BaseException as exc:
            for ticket in group:
                ticket.error, ticket.done = exc, True
            raise
        else:
            start = 0
            for ticket in group:
                ticket.results = results[start:start + len(ticket.items)]
                start += len(ticket.items)
        for ticket in group:
            ticket.done = True
