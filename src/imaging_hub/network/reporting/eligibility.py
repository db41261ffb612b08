"""Who may report a task now: credentialed for its site, holding its subspecialty, rostered, and able to see it.

The checks run as a funnel so that when nobody is left the reason names the check that emptied it.
Visibility is last: a task is offered at its own site first and network-wide only as breach approaches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from imaging_hub.network.reporting.policy import RoutingPolicy
from imaging_hub.network.reporting.reporters import Reporter
from imaging_hub.network.reporting.tasks import ReportingTask


@dataclass(frozen=True)
class Eligibility:
    reporters: tuple[Reporter, ...]
    network_wide: bool
    why_none: str  # empty when someone is eligible


def network_wide(task: ReportingTask, at: datetime, policy: RoutingPolicy) -> bool:
    return task.time_left(at) < task.pathway.turnaround * policy.escalate_fraction


def escalation_time(task: ReportingTask, policy: RoutingPolicy) -> datetime:
    return task.due_at - task.pathway.turnaround * policy.escalate_fraction


def eligible(task: ReportingTask, reporters: Sequence[Reporter], at: datetime, policy: RoutingPolicy) -> Eligibility:
    pool = [r for r in reporters if task.site in r.credentialed_sites]
    if not pool:
        return Eligibility((), False, f"no reporter is credentialed for site {task.site}")
    if task.subspecialty:
        pool = [r for r in pool if task.subspecialty in r.subspecialties]
        if not pool:
            return Eligibility(
                (), False, f"no reporter credentialed for {task.site} has subspecialty {task.subspecialty}"
            )
    pool = [r for r in pool if r.rostered_for(at, research=task.research)]
    if not pool:
        kind = "a research session" if task.research else "a reporting session"
        return Eligibility((), False, f"no qualified reporter is rostered for {kind} now")
    wide = network_wide(task, at, policy)
    if not wide:
        pool = [r for r in pool if r.home_site == task.site]
        if not pool:
            opens = escalation_time(task, policy).isoformat(timespec="minutes")
            return Eligibility(
                (), False, f"qualified reporters are only at other sites; offered network-wide from {opens}"
            )
    return Eligibility(tuple(pool), wide, "")
