"""A portfolio study's schedule of events, the annual tariff and AcoRD overrides kept in the activity room's chain
(SQLite and PostgreSQL), audited with refusals; the hub's counted activity priced through the one costs engine."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from imaging_hub.database import create_engine
from imaging_hub.network import costs as engine
from imaging_hub.network.activity import (
    ActivityInputError,
    ActivityRefused,
    ActivityRoom,
    Phase,
    PortfolioStudy,
    ReadCompleted,
    StudyArrived,
    StudyCosts,
    count_activity,
    recorded_activity,
)
from imaging_hub.network.operations import Actor, AuditEntry
from network.costs.costs_samples import SCHEDULE, TARIFF_2025

IRAS = "1004321"
STUDY = PortfolioStudy(IRAS, "56789", "Whole-body MRI in myeloma", "University Hospital Trust", "Dr A. Lead",
                       Phase.PHASE_2, "WBM-1", frozenset({"RGT", "RHM"}), ("baseline", "month-12"), 2)
MANAGER = Actor("admin@network.example", manager=True)
RGT_DM = Actor("dm@rgt.example", sites=frozenset({"RGT"}))
AT = datetime(2025, 5, 10, 12, tzinfo=UTC)
FIXED = datetime(2025, 6, 1, 9, tzinfo=UTC)


@pytest.fixture
def ledger(database_url: str, tmp_path: Path) -> Iterator[tuple[StudyCosts, list[AuditEntry], Path]]:
    trail: list[AuditEntry] = []
    db = create_engine(database_url)
    ActivityRoom.open(db, audit=trail.append).put_study(MANAGER, STUDY)
    (tmp_path / "schedule.csv").write_text(SCHEDULE.replace("WBM-1,", f"{IRAS},"))
    (tmp_path / "tariff.csv").write_text(TARIFF_2025)
    yield StudyCosts.open(db, audit=trail.append, clock=lambda: FIXED), trail, tmp_path
    db.dispose()


def stored(costs: StudyCosts, folder: Path) -> None:
    costs.put_schedule(MANAGER, IRAS, engine.read_schedule(folder / "schedule.csv").activities)
    costs.put_tariff(MANAGER, engine.read_tariff(folder / "tariff.csv"))


def counted(schedule: engine.Schedule) -> engine.ActivityLog:
    arrivals = [StudyArrived("WBM-1", "RGT", "baseline", f"1.2.{n}", AT) for n in range(3)]
    reads = [ReadCompleted("WBM-1", "RGT", f"labelling/1/1.2.{n % 3}/r{n}", AT, f"1.2.{n % 3}") for n in range(4)]
    log, unpriced = recorded_activity(count_activity([STUDY], arrivals, reads), schedule)
    assert unpriced == []
    return log


@pytest.mark.postgres
def test_schedule_tariff_and_overrides_survive_reopening_and_price_the_counted_activity(
    ledger: tuple[StudyCosts, list[AuditEntry], Path],
) -> None:
    costs, trail, folder = ledger
    stored(costs, folder)
    key = engine.VisitKey(IRAS, "mri", "baseline")
    costs.add_override(MANAGER, key, "image transfer", engine.Category.RESEARCH_PART_B, "Local data management")
    again = StudyCosts.open(costs.engine)
    schedule = again.schedule()
    assert len(schedule.activities) == 9 and again.tariffs().years == ["2025/26"]
    report = engine.cost(schedule, again.tariffs(), counted(schedule), again.overrides(schedule))
    # 3 baseline scans and 4 research reads (30 min at £90 an hour) at RGT in May 2025.
    assert report.category_total(engine.Category.RESEARCH_PART_B) == Decimal("64.74") + Decimal("15.75")
    assert report.category_total(engine.Category.RESEARCH_PART_A) == Decimal("180.00")
    assert report.category_total(engine.Category.NHS_SUPPORT) == Decimal("286.50")
    assert report.category_total(engine.Category.NHS_TREATMENT) == Decimal("870.00")
    assert sum(line.excess_treatment_cost for line in report.lines) == Decimal("210.00")
    [decision] = again.override_history()
    assert (decision.by, decision.at, decision.justification, decision.applies) == (
        "admin@network.example", FIXED, "Local data management", True)
    with costs.engine.connect() as db:
        assert db.execute(sa.text("SELECT version_num FROM alembic_version_network_activity")).scalar() == "0002"
    assert [e.action for e in trail[1:]] == [
        "network.costs.schedule.put", "network.costs.tariff.put", "network.costs.override"]


@pytest.mark.postgres
def test_someone_not_a_network_manager_is_refused_audited_and_nothing_stored(
    ledger: tuple[StudyCosts, list[AuditEntry], Path],
) -> None:
    costs, trail, folder = ledger
    activities = engine.read_schedule(folder / "schedule.csv").activities
    with pytest.raises(ActivityRefused):
        costs.put_schedule(RGT_DM, IRAS, activities)
    with pytest.raises(ActivityRefused):
        costs.put_tariff(RGT_DM, engine.read_tariff(folder / "tariff.csv"))
    stored(costs, folder)
    with pytest.raises(ActivityRefused):
        costs.add_override(RGT_DM, engine.VisitKey(IRAS, "mri", "baseline"), "consent",
                           engine.Category.RESEARCH_PART_A, "because")
    assert costs.override_history() == []
    assert [e.outcome for e in trail if e.actor == RGT_DM] == ["denied"] * 3


@pytest.mark.parametrize(
    ("name", "category", "justification", "named"),
    [
        ("consent", engine.Category.RESEARCH_PART_A, "   ", "justification"),
        ("consent", engine.Category.RESEARCH_PART_B, "same as the rule", "category"),
        ("no such activity", engine.Category.RESEARCH_PART_A, "why", "activity"),
        ("consent", engine.Category.RESEARCH_PART_A, "x" * 2001, "justification"),
    ],
)
@pytest.mark.postgres
def test_a_bad_override_names_what_was_wrong_and_stores_nothing(
    ledger: tuple[StudyCosts, list[AuditEntry], Path], name: str, category: engine.Category, justification: str,
    named: str,
) -> None:
    costs, _, folder = ledger
    stored(costs, folder)
    with pytest.raises(ActivityInputError, match=named):
        costs.add_override(MANAGER, engine.VisitKey(IRAS, "mri", "baseline"), name, category, justification)
    assert costs.override_history() == []


@pytest.mark.postgres
def test_a_bad_schedule_stores_nothing_and_keeps_the_one_before(
    ledger: tuple[StudyCosts, list[AuditEntry], Path],
) -> None:
    costs, _, folder = ledger
    stored(costs, folder)
    good = engine.read_schedule(folder / "schedule.csv").activities
    for bad, named in [
        ([*good[:-1], replace(good[-1], minutes=-5)], "minutes"),
        ([replace(good[0], visit=engine.VisitKey("999999", "mri", "baseline"))], "study"),
        ([replace(good[0], visit=engine.VisitKey(IRAS, "mri", "b" * 65))], "visit"),
    ]:
        with pytest.raises(ActivityInputError, match=named):
            costs.put_schedule(MANAGER, IRAS, bad)
    with pytest.raises(ActivityInputError, match="IRAS ID"):
        costs.put_schedule(MANAGER, "200300", [replace(a, visit=engine.VisitKey("200300", "a", "v")) for a in good[:1]])
    assert len(costs.schedule().activities) == len(good)
