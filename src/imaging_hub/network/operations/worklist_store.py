"""The worklist's state and its events in the room's tables: the database implementation of the engine's
``WorklistRepository``, bound to one connection so a step and whatever goes with it commit together."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from imaging_hub.network.operations import tables as t
from imaging_hub.network.operations.codec import aware, state_of, stored
from imaging_hub.network.reporting import Action, StaleState, TaskState, TaskStatus, WorklistEvent


class DatabaseWorklist:
    """Tasks enter the table when created (version 0, open), so every step here is an update of that row."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, task_id: str) -> TaskState | None:
        row = self._conn.execute(sa.select(t.task).where(t.task.c.task_id == task_id)).mappings().first()
        return state_of(row) if row else None

    def save(self, state: TaskState, event: WorklistEvent) -> None:
        changed = self._conn.execute(
            t.task.update()
            .where(t.task.c.task_id == state.task_id, t.task.c.version == state.version - 1)
            .values(
                status=state.status.value,
                reporter_id=state.reporter_id,
                since=stored(state.since) if state.since else None,
                version=state.version,
            )
        ).rowcount
        if changed != 1:
            raise StaleState(f"task {state.task_id} changed since it was read")
        self.record(event)

    def record(self, event: WorklistEvent) -> None:
        self._conn.execute(
            t.worklist_event.insert().values(
                task_id=event.task_id,
                action=event.action.value,
                actor=event.actor,
                at=stored(event.at),
                allowed=event.allowed,
                reporter_id=event.reporter_id,
                before=event.before.value if event.before else None,
                after=event.after.value if event.after else None,
                detail=event.detail,
            )
        )

    def events(self, task_id: str | None = None) -> Sequence[WorklistEvent]:
        query = sa.select(t.worklist_event).order_by(t.worklist_event.c.id)
        if task_id is not None:
            query = query.where(t.worklist_event.c.task_id == task_id)
        return [
            WorklistEvent(
                r["task_id"],
                Action(r["action"]),
                r["actor"],
                aware(r["at"]),
                bool(r["allowed"]),
                r["reporter_id"],
                TaskStatus(r["before"]) if r["before"] else None,
                TaskStatus(r["after"]) if r["after"] else None,
                r["detail"],
            )
            for r in self._conn.execute(query).mappings()
        ]
