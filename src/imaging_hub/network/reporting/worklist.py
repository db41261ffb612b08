"""The shared worklist: applies lifecycle steps through a repository and audits each, refusals included."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import NoReturn

from imaging_hub.network.reporting.lifecycle import Action, TaskState, TaskStatus, TransitionRefused, step
from imaging_hub.network.reporting.repository import WorklistEvent, WorklistRepository
from imaging_hub.network.reporting.routing import RoutingResult


class Worklist:
    def __init__(self, repository: WorklistRepository, clock: Callable[[], datetime]) -> None:
        self._repository = repository
        self._clock = clock

    def open(self, task_id: str, actor: str) -> TaskState:
        if self._repository.get(task_id) is not None:
            return self._refuse(task_id, Action.OPEN, actor, None, f"task {task_id} is already on the worklist")
        state = TaskState(task_id, TaskStatus.OPEN, None, self._clock(), version=0)
        self._repository.save(state, self._event(state, Action.OPEN, actor, None, None, ""))
        return state

    def assign(self, task_id: str, reporter_id: str, actor: str, reason: str = "") -> TaskState:
        return self._apply(task_id, Action.ASSIGN, actor, reporter_id, reason)

    def claim(self, task_id: str, reporter_id: str) -> TaskState:
        return self._apply(task_id, Action.CLAIM, reporter_id, reporter_id, "")

    def release(self, task_id: str, reporter_id: str, reason: str = "") -> TaskState:
        return self._apply(task_id, Action.RELEASE, reporter_id, reporter_id, reason)

    def report(self, task_id: str, reporter_id: str) -> TaskState:
        return self._apply(task_id, Action.REPORT, reporter_id, reporter_id, "")

    def reassign(self, task_id: str, to_reporter_id: str, actor: str, reason: str) -> TaskState:
        return self._apply(task_id, Action.REASSIGN, actor, to_reporter_id, reason)

    def apply_routing(self, result: RoutingResult, actor: str) -> list[TaskState]:
        """Assign what a routing batch assigned; each assignment's reason goes into its audit event."""
        return [self.assign(a.task_id, a.reporter_id, actor, a.reason) for a in result.assignments if a.reporter_id]

    def _apply(self, task_id: str, action: Action, actor: str, reporter_id: str | None, reason: str) -> TaskState:
        current = self._repository.get(task_id)
        if current is None:
            return self._refuse(task_id, action, actor, reporter_id, f"task {task_id} is not on the worklist")
        try:
            following = step(current, action, reporter_id, self._clock(), reason)
        except TransitionRefused as refused:
            return self._refuse(task_id, action, actor, reporter_id, str(refused), current.status)
        self._repository.save(following, self._event(following, action, actor, reporter_id, current.status, reason))
        return following

    def _event(
        self,
        state: TaskState,
        action: Action,
        actor: str,
        reporter_id: str | None,
        before: TaskStatus | None,
        detail: str,
    ) -> WorklistEvent:
        return WorklistEvent(
            state.task_id, action, actor, self._clock(), True, reporter_id, before, state.status, detail
        )

    def _refuse(
        self,
        task_id: str,
        action: Action,
        actor: str,
        reporter_id: str | None,
        why: str,
        before: TaskStatus | None = None,
    ) -> NoReturn:
        event = WorklistEvent(task_id, action, actor, self._clock(), False, reporter_id, before, before, why)
        self._repository.record(event)
        raise TransitionRefused(why)
