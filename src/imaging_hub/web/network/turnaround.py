"""The reporting dashboards' numbers: turnaround against target per site and pathway, breaches, and each
reporter's workload, from the tasks the network room holds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from imaging_hub.network.operations import ReporterView, TaskView
from imaging_hub.network.reporting import TaskStatus


@dataclass(frozen=True)
class TurnaroundRow:
    site: str
    pathway: str
    target_hours: float
    reported: int
    median_hours: float | None
    within_target: int

    @property
    def within_share(self) -> float | None:
        return self.within_target / self.reported if self.reported else None


@dataclass(frozen=True)
class Breach:
    view: TaskView
    hours_over: float
    reported: bool


@dataclass(frozen=True)
class WorkloadRow:
    reporter_id: str
    home_site: str
    stat_in_hand: int
    workload: float
    held: int
    reported: int


def turnaround(views: Sequence[TaskView]) -> list[TurnaroundRow]:
    groups: dict[tuple[str, str], list[TaskView]] = {}
    for v in views:
        groups.setdefault((v.task.site, v.task.pathway.name), []).append(v)
    rows = []
    for (site, pathway), members in sorted(groups.items()):
        target = members[0].task.pathway.turnaround.total_seconds() / 3600
        done = [(v.reported_at - v.task.acquired_at).total_seconds() / 3600 for v in members if v.reported_at]
        rows.append(
            TurnaroundRow(
                site, pathway, target, len(done), median(done) if done else None, sum(h <= target for h in done)
            )
        )
    return rows


def breaches(views: Sequence[TaskView], now: datetime) -> list[Breach]:
    """Tasks past due: still waiting now, or reported after their due time."""
    found = []
    for v in views:
        end = v.reported_at if v.reported_at else now
        over = (end - v.task.due_at).total_seconds() / 3600
        if over > 0:
            found.append(Breach(v, over, v.reported_at is not None))
    return sorted(found, key=lambda b: (b.reported, -b.hours_over))


def workload(reporters: Sequence[ReporterView], views: Sequence[TaskView]) -> list[WorkloadRow]:
    rows = []
    for r in reporters:
        mine = [v for v in views if v.state.reporter_id == r.reporter.reporter_id]
        rows.append(
            WorkloadRow(
                r.reporter.reporter_id,
                r.reporter.home_site,
                r.reporter.load.stat_in_hand,
                r.reporter.load.workload,
                sum(v.state.status in (TaskStatus.ASSIGNED, TaskStatus.CLAIMED) for v in mine),
                sum(v.state.status is TaskStatus.REPORTED for v in mine),
            )
        )
    return rows
