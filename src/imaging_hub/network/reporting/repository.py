"""Where worklist state and its audit events live. The hub's database will implement the same Protocol."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from imaging_hub.errors import ImagingHubError
from imaging_hub.network.reporting.lifecycle import Action, TaskState, TaskStatus


@dataclass(frozen=True)
class WorklistEvent:
    """One audited step, allowed or refused, with who asked, for whom, and the outcome."""

    task_id: str
    action: Action
    actor: str
    at: datetime
    allowed: bool
    reporter_id: str | None = None
    before: TaskStatus | None = None
    after: TaskStatus | None = None
    detail: str = ""


class StaleState(ImagingHubError):
    """The task changed since it was read; the caller reads again and retries."""


class WorklistRepository(Protocol):
    def get(self, task_id: str) -> TaskState | None: ...

    def save(self, state: TaskState, event: WorklistEvent) -> None:
        """Store the new state and its event together, refusing with StaleState if another step came first."""

    def record(self, event: WorklistEvent) -> None:
        """Store an event that changed nothing (a refusal)."""

    def events(self, task_id: str | None = None) -> Sequence[WorklistEvent]: ...


class InMemoryWorklistRepository:
    """The repository for offline batches and tests; same contract as the database one will have."""

    def __init__(self) -> None:
        self._states: dict[str, TaskState] = {}
        self._events: list[WorklistEvent] = []

    def get(self, task_id: str) -> TaskState | None:
        return self._states.get(task_id)

    def save(self, state: TaskState, event: WorklistEvent) -> None:
        current = self._states.get(state.task_id)
        if (current.version if current else -1) != state.version - 1:
            raise StaleState(f"task {state.task_id} changed since it was read")
        self._states[state.task_id] = state
        self._events.append(event)

    def record(self, event: WorklistEvent) -> None:
        self._events.append(event)

    def events(self, task_id: str | None = None) -> Sequence[WorklistEvent]:
        return [e for e in self._events if task_id is None or e.task_id == task_id]
