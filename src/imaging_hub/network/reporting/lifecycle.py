"""The life of a reporting task: open, assigned, claimed, reported. Pure: each step returns the next state.

open --assign--> assigned --claim--> claimed --report--> reported
open --claim--> claimed;  assigned/claimed --release--> open;  assigned/claimed --reassign--> assigned
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum

from imaging_hub.errors import ImagingHubError


class TaskStatus(Enum):
    OPEN = "open"
    ASSIGNED = "assigned"
    CLAIMED = "claimed"
    REPORTED = "reported"


class Action(Enum):
    OPEN = "open"
    ASSIGN = "assign"
    CLAIM = "claim"
    RELEASE = "release"
    REPORT = "report"
    REASSIGN = "reassign"


class TransitionRefused(ImagingHubError):
    """A step the task's current state does not allow; the message says why."""


@dataclass(frozen=True)
class TaskState:
    task_id: str
    status: TaskStatus = TaskStatus.OPEN
    reporter_id: str | None = None
    since: datetime | None = None
    version: int = 0  # bumped by every step, so a store can refuse a stale write


def step(state: TaskState, action: Action, reporter_id: str | None, at: datetime, reason: str = "") -> TaskState:
    """The state after ``action`` by or for ``reporter_id``; raises TransitionRefused when not allowed."""
    status, holder = state.status, state.reporter_id
    if status is TaskStatus.REPORTED:
        raise TransitionRefused(f"task {state.task_id} is already reported")
    if action is Action.ASSIGN:
        _need(status is TaskStatus.OPEN, state, "only an open task can be assigned; reassign it instead")
        return _moved(state, TaskStatus.ASSIGNED, _who(reporter_id, action), at)
    if action is Action.CLAIM:
        who = _who(reporter_id, action)
        allowed = status is TaskStatus.OPEN or (status is TaskStatus.ASSIGNED and holder == who)
        _need(allowed, state, "only an open task, or one assigned to the claimer, can be claimed")
        return _moved(state, TaskStatus.CLAIMED, who, at)
    if action is Action.RELEASE:
        _need(status in (TaskStatus.ASSIGNED, TaskStatus.CLAIMED), state, "only a held task can be released")
        _need(holder == _who(reporter_id, action), state, "only the reporter holding a task can release it")
        return _moved(state, TaskStatus.OPEN, None, at)
    if action is Action.REPORT:
        _need(status is TaskStatus.CLAIMED, state, "a task must be claimed before it is reported")
        _need(holder == _who(reporter_id, action), state, "only the reporter who claimed a task can report it")
        return _moved(state, TaskStatus.REPORTED, holder, at)
    if action is Action.REASSIGN:
        who = _who(reporter_id, action)
        _need(status in (TaskStatus.ASSIGNED, TaskStatus.CLAIMED), state, "only a held task can be reassigned")
        _need(who != holder, state, "the task is already with that reporter")
        _need(bool(reason.strip()), state, "a reassignment needs a reason")
        return _moved(state, TaskStatus.ASSIGNED, who, at)
    raise TransitionRefused(f"task {state.task_id}: {action.value} is not a step of a task's life")


def _who(reporter_id: str | None, action: Action) -> str:
    if not reporter_id:
        raise TransitionRefused(f"{action.value} needs a reporter")
    return reporter_id


def _need(condition: bool, state: TaskState, why: str) -> None:
    if not condition:
        raise TransitionRefused(f"task {state.task_id} is {state.status.value}: {why}")


def _moved(state: TaskState, status: TaskStatus, reporter_id: str | None, at: datetime) -> TaskState:
    return replace(state, status=status, reporter_id=reporter_id, since=at, version=state.version + 1)
