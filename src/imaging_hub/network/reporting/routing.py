"""Route a batch of reporting tasks, most urgent first, explaining every assignment and every refusal.

Rules, in order: only eligible reporters (see eligibility); most urgent first (priority, then time left
before breach); STAT to the eligible reporter with the least STAT work in hand; urgent and routine work to
the least weighted workload, nudged toward each reporter's subspecialty share target. Each assignment
updates the loads the next task sees.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from imaging_hub.network.errors import NetworkInputError
from imaging_hub.network.reporting.eligibility import Eligibility, eligible
from imaging_hub.network.reporting.policy import RoutingPolicy
from imaging_hub.network.reporting.priority import Priority
from imaging_hub.network.reporting.reporters import Reporter, ReporterLoad
from imaging_hub.network.reporting.tasks import ReportingTask


@dataclass(frozen=True)
class Assignment:
    task_id: str
    reporter_id: str | None  # None: unassigned, and the reason says why
    reason: str


@dataclass(frozen=True)
class RoutingResult:
    assignments: tuple[Assignment, ...]  # in the order tasks were routed: most urgent first
    loads: Mapping[str, ReporterLoad]  # each reporter's load after the batch


def urgency_order(tasks: Sequence[ReportingTask], at: datetime) -> list[ReportingTask]:
    return sorted(tasks, key=lambda t: (t.priority, t.time_left(at), t.task_id))


def route(
    tasks: Sequence[ReportingTask], reporters: Sequence[Reporter], at: datetime, policy: RoutingPolicy | None = None
) -> RoutingResult:
    policy = policy or RoutingPolicy()
    if at.tzinfo is None:
        raise NetworkInputError("the routing time needs a UTC offset")
    _refuse_duplicates([t.task_id for t in tasks], "task")
    _refuse_duplicates([r.reporter_id for r in reporters], "reporter")
    loads = {r.reporter_id: r.load.copy() for r in reporters}
    assignments = []
    for task in urgency_order(tasks, at):
        found = eligible(task, reporters, at, policy)
        if not found.reporters:
            assignments.append(Assignment(task.task_id, None, f"{_urgency(task, at)}; unassigned: {found.why_none}"))
            continue
        chosen, why = _choose(task, found, loads, policy)
        _take(loads[chosen.reporter_id], task, policy)
        assignments.append(
            Assignment(task.task_id, chosen.reporter_id, f"{_urgency(task, at)}; {_seen(task, found)}; {why}")
        )
    return RoutingResult(tuple(assignments), loads)


def _choose(
    task: ReportingTask, found: Eligibility, loads: Mapping[str, ReporterLoad], policy: RoutingPolicy
) -> tuple[Reporter, str]:
    pool = found.reporters
    if task.priority is Priority.STAT:
        ranked = sorted(
            pool, key=lambda r: (loads[r.reporter_id].stat_in_hand, loads[r.reporter_id].workload, r.reporter_id)
        )
        best = ranked[0]
        why = f"least STAT work in hand ({loads[best.reporter_id].stat_in_hand}"
        if len(ranked) > 1:
            runner = ranked[1]
            why += f"; next {runner.reporter_id} has {loads[runner.reporter_id].stat_in_hand}"
        return best, why + ")"
    # The whole network's count in the task's subspecialty: the base of every reporter's share.
    total = sum(load.by_subspecialty.get(task.subspecialty, 0) for load in loads.values()) if task.subspecialty else 0
    scored = sorted(
        ((_effective_load(r, task, loads, total, policy), r) for r in pool),
        key=lambda s: (s[0][0], loads[s[1].reporter_id].workload, s[1].reporter_id),
    )
    (score, nudge), best = scored[0]
    why = f"least weighted workload ({loads[best.reporter_id].workload:.2f}"
    if nudge:
        why += f", {nudge}"
    if len(scored) > 1:
        (runner_score, _), runner = scored[1]
        why += f"; effective {score:.2f} vs next {runner.reporter_id} {runner_score:.2f}"
    return best, why + ")"


def _effective_load(
    reporter: Reporter, task: ReportingTask, loads: Mapping[str, ReporterLoad], total: int, policy: RoutingPolicy
) -> tuple[float, str]:
    """Workload less the pull of a subspecialty share target; the text explains the nudge when there is one."""
    load = loads[reporter.reporter_id]
    subspecialty = task.subspecialty
    if not subspecialty or subspecialty not in reporter.share_targets:
        return load.workload, ""
    share = load.by_subspecialty.get(subspecialty, 0) / total if total else 0.0
    target = reporter.share_targets[subspecialty]
    nudge = policy.share_weight * (target - share)
    return load.workload - nudge, f"{subspecialty} share {share:.0%} vs target {target:.0%}, nudged {-nudge:+.2f}"


def _take(load: ReporterLoad, task: ReportingTask, policy: RoutingPolicy) -> None:
    if task.priority is Priority.STAT:
        load.stat_in_hand += 1
    load.workload += policy.weights.weight(task.modality, task.body_part)
    if task.subspecialty:
        load.by_subspecialty[task.subspecialty] = load.by_subspecialty.get(task.subspecialty, 0) + 1


def _urgency(task: ReportingTask, at: datetime) -> str:
    left = task.time_left(at)
    when = f"{_hours(left)} before breach" if left >= timedelta(0) else f"breached {_hours(-left)} ago"
    return f"{task.priority.label}, {when}"


def _seen(task: ReportingTask, found: Eligibility) -> str:
    scope = "network-wide (near breach)" if found.network_wide else f"site {task.site}"
    return f"{len(found.reporters)} eligible {scope}"


def _hours(span: timedelta) -> str:
    return f"{span.total_seconds() / 3600:.1f}h"


def _refuse_duplicates(ids: Sequence[str], what: str) -> None:
    seen: set[str] = set()
    for ident in ids:
        if ident in seen:
            raise NetworkInputError(f"{what} {ident} appears more than once")
        seen.add(ident)
