"""Claim, release, report and reassign: allowed steps move the task, refused steps change nothing, and every
step, allowed or refused, leaves an audit event."""

from __future__ import annotations

from datetime import timedelta

import pytest

from imaging_hub.governance import SettableClock
from imaging_hub.network.reporting import (
    Action,
    InMemoryWorklistRepository,
    StaleState,
    TaskState,
    TaskStatus,
    TransitionRefused,
    Worklist,
    route,
)

from .builders import AT, reporter, task


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(AT)


@pytest.fixture
def repository() -> InMemoryWorklistRepository:
    return InMemoryWorklistRepository()


@pytest.fixture
def worklist(repository: InMemoryWorklistRepository, clock: SettableClock) -> Worklist:
    return Worklist(repository, clock)


def test_a_task_is_claimed_then_reported_and_each_step_is_audited(
    worklist: Worklist, repository: InMemoryWorklistRepository, clock: SettableClock
) -> None:
    worklist.open("t1", actor="intake")
    clock.advance(timedelta(minutes=5))
    claimed = worklist.claim("t1", "r1")
    assert (claimed.status, claimed.reporter_id, claimed.since) == (TaskStatus.CLAIMED, "r1", clock())
    reported = worklist.report("t1", "r1")
    assert reported.status is TaskStatus.REPORTED
    steps = [(e.action, e.actor, e.allowed, e.before, e.after) for e in repository.events("t1")]
    assert steps == [
        (Action.OPEN, "intake", True, None, TaskStatus.OPEN),
        (Action.CLAIM, "r1", True, TaskStatus.OPEN, TaskStatus.CLAIMED),
        (Action.REPORT, "r1", True, TaskStatus.CLAIMED, TaskStatus.REPORTED),
    ]


def test_refused_steps_change_nothing_and_are_audited_with_the_reason(
    worklist: Worklist, repository: InMemoryWorklistRepository
) -> None:
    worklist.open("t1", actor="intake")
    with pytest.raises(TransitionRefused, match="must be claimed before"):
        worklist.report("t1", "r1")
    worklist.claim("t1", "r1")
    with pytest.raises(TransitionRefused, match="only the reporter who claimed"):
        worklist.report("t1", "r2")
    with pytest.raises(TransitionRefused, match="only the reporter holding"):
        worklist.release("t1", "r2")
    with pytest.raises(TransitionRefused, match="not on the worklist"):
        worklist.claim("unknown", "r1")
    state = repository.get("t1")
    assert state is not None and (state.status, state.reporter_id) == (TaskStatus.CLAIMED, "r1")
    refused = [e for e in repository.events() if not e.allowed]
    assert [(e.task_id, e.action, e.actor) for e in refused] == [
        ("t1", Action.REPORT, "r1"),
        ("t1", Action.REPORT, "r2"),
        ("t1", Action.RELEASE, "r2"),
        ("unknown", Action.CLAIM, "r1"),
    ]
    assert all(e.detail for e in refused)


def test_release_reopens_and_reassign_needs_a_reason_and_another_reporter(worklist: Worklist) -> None:
    worklist.open("t1", actor="intake")
    worklist.assign("t1", "r1", actor="router", reason="least workload")
    with pytest.raises(TransitionRefused, match="assigned to the claimer"):
        worklist.claim("t1", "r2")
    with pytest.raises(TransitionRefused, match="needs a reason"):
        worklist.reassign("t1", "r2", actor="lead", reason=" ")
    with pytest.raises(TransitionRefused, match="already with that reporter"):
        worklist.reassign("t1", "r1", actor="lead", reason="rebalance")
    moved = worklist.reassign("t1", "r2", actor="lead", reason="r1 called to theatre")
    assert (moved.status, moved.reporter_id) == (TaskStatus.ASSIGNED, "r2")
    worklist.claim("t1", "r2")
    released = worklist.release("t1", "r2", reason="needs a neuroradiologist")
    assert (released.status, released.reporter_id) == (TaskStatus.OPEN, None)
    worklist.claim("t1", "r3")
    worklist.report("t1", "r3")
    with pytest.raises(TransitionRefused, match="already reported"):
        worklist.reassign("t1", "r1", actor="lead", reason="late")


def test_a_routing_batch_is_applied_with_its_reasons_in_the_audit_events(
    worklist: Worklist, repository: InMemoryWorklistRepository
) -> None:
    result = route([task("t1"), task("t2", site="Z")], [reporter("r1")], AT)
    for task_id in ("t1", "t2"):
        worklist.open(task_id, actor="intake")
    states = worklist.apply_routing(result, actor="router")
    assert [(s.task_id, s.reporter_id) for s in states] == [("t1", "r1")]
    (assigned,) = [e for e in repository.events("t1") if e.action is Action.ASSIGN]
    assert "least weighted workload" in assigned.detail
    assert repository.get("t2") == TaskState("t2", TaskStatus.OPEN, None, AT, 0)


def test_the_repository_refuses_a_stale_write(repository: InMemoryWorklistRepository, worklist: Worklist) -> None:
    opened = worklist.open("t1", actor="intake")
    worklist.claim("t1", "r1")
    from imaging_hub.network.reporting import WorklistEvent

    late = TaskState("t1", TaskStatus.CLAIMED, "r2", AT, opened.version + 1)
    with pytest.raises(StaleState):
        repository.save(late, WorklistEvent("t1", Action.CLAIM, "r2", AT, True))
