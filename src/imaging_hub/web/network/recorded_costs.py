"""Costs from what the hub recorded: each portfolio study's stored schedule of events priced with the stored
tariffs over the activity counted at the hub (``activity.recorded_activity``), through the same ``costs.cost`` as
an uploaded CSV, with the overrides people decided. Computed on each view, never stored."""

from __future__ import annotations

from dataclasses import dataclass, field

from imaging_hub.network import costs as engine
from imaging_hub.network.activity import ActivityRoom, StoredOverride, StudyCosts, Unpriced, recorded_activity
from imaging_hub.web.network.activity_counter import ActivityCounter


@dataclass
class RecordedCostView:
    schedule: engine.Schedule
    attributions: list[engine.Attribution]  # one per scheduled activity, overrides applied
    history: list[StoredOverride]
    tariff_years: list[str]
    studies: list[str]  # IRAS IDs of the portfolio studies
    report: engine.CostReport | None = None
    problems: list[str] = field(default_factory=list)
    unpriced: list[Unpriced] = field(default_factory=list)


class RecordedCosts:
    def __init__(self, ledger: StudyCosts, room: ActivityRoom, counter: ActivityCounter) -> None:
        self.ledger, self.room, self.counter = ledger, room, counter

    def view(self) -> RecordedCostView:
        schedule = self.ledger.schedule()
        decided = self.ledger.overrides(schedule)
        tariffs = self.ledger.tariffs()
        found = RecordedCostView(
            schedule,
            [decided.get(a) or engine.attribute(a) for a in schedule.activities],
            self.ledger.override_history(),
            tariffs.years,
            [s.iras_id for s in self.room.studies()],
        )
        log, found.unpriced = recorded_activity(self.counter.report(None), schedule)
        try:
            found.report = engine.cost(schedule, tariffs, log, decided)
        except engine.CostsInputError as exc:
            said = (f"activity counted at the hub: {p.column} {p.message}" if p.source == log.source else str(p)
                    for p in exc.problems)
            found.problems = list(dict.fromkeys(said))
        return found
