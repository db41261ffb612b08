"""The activity room keeps portfolio studies and manual entries in its own Alembic chain, audited, refusals
included; a bad or refused entry stores nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from imaging_hub.database import create_engine
from imaging_hub.network.activity import (
    ActivityInputError,
    ActivityRefused,
    ActivityRoom,
    ManualEntry,
    Measure,
    Phase,
    PortfolioStudy,
    count_activity,
)
from imaging_hub.network.operations import Actor, AuditEntry

STUDY = PortfolioStudy(
    iras_id="1004321",
    cpms_id="56789",
    title="Whole-body MRI in myeloma",
    sponsor="University Hospital Trust",
    chief_investigator="Dr A. Lead",
    phase=Phase.PHASE_2,
    project="WBM-1",
    sites=frozenset({"RGT", "RHM"}),
    timepoints=("baseline", "month-12"),
    reads_per_participant=2,
)
MANAGER = Actor("admin@network.example", manager=True)
RGT_DM = Actor("dm@rgt.example", sites=frozenset({"RGT"}))


@pytest.fixture
def room(database_url: str) -> Iterator[tuple[ActivityRoom, list[AuditEntry]]]:
    trail: list[AuditEntry] = []
    engine = create_engine(database_url)
    opened = ActivityRoom.open(engine, audit=trail.append)
    opened.put_study(MANAGER, STUDY)
    yield opened, trail
    engine.dispose()


def entry(**changes: object) -> ManualEntry:
    values: dict[str, object] = {
        "iras_id": "1004321",
        "site": "RGT",
        "month": "2026-03",
        "measure": Measure.SCANS,
        "count": 3,
        "entered_by": "dm@rgt.example",
        "timepoint": "baseline",
        "note": "paper",
    }
    values.update(changes)
    return ManualEntry(**values)  # type: ignore[arg-type]


@pytest.mark.postgres
def test_studies_and_entries_survive_reopening_in_their_own_version_table(
    room: tuple[ActivityRoom, list[AuditEntry]],
) -> None:
    opened, trail = room
    opened.add_manual(RGT_DM, entry())
    again = ActivityRoom.open(opened.engine)
    assert again.studies() == [STUDY]
    assert again.manual() == [entry()]
    with opened.engine.connect() as db:
        assert db.execute(sa.text("SELECT version_num FROM alembic_version_network_activity")).scalar() == "0002"
    report = count_activity(again.studies(), manual=again.manual())
    assert report.rows[0].manual_scans == 3
    assert [e.action for e in trail] == ["network.activity.study.put", "network.activity.manual.add"]


@pytest.mark.postgres
def test_another_sites_data_manager_is_refused_audited_and_nothing_stored(
    room: tuple[ActivityRoom, list[AuditEntry]],
) -> None:
    opened, trail = room
    with pytest.raises(ActivityRefused):
        opened.add_manual(RGT_DM, entry(site="RHM"))
    with pytest.raises(ActivityRefused):
        opened.put_study(RGT_DM, STUDY)
    assert opened.manual() == []
    assert [e.outcome for e in trail[-2:]] == ["denied", "denied"]


@pytest.mark.parametrize(
    ("changes", "names"),
    [
        ({"iras_id": "9999999"}, "IRAS ID"),
        ({"month": "2026-13"}, "month"),
        ({"count": -1}, "count"),
        ({"count": 10**9}, "count"),
        ({"timepoint": "month-99"}, "timepoint"),
        ({"note": "x" * 501}, "note"),
        ({"site": "RXX"}, "site"),
    ],
)
@pytest.mark.postgres
def test_a_bad_entry_names_its_field_and_stores_nothing(
    room: tuple[ActivityRoom, list[AuditEntry]], changes: dict[str, object], names: str
) -> None:
    opened, _ = room
    with pytest.raises(ActivityInputError, match=names):
        opened.add_manual(MANAGER, entry(**changes))
    assert opened.manual() == []


@pytest.mark.postgres
def test_two_studies_cannot_share_a_project(room: tuple[ActivityRoom, list[AuditEntry]]) -> None:
    opened, _ = room
    other = PortfolioStudy("200300", "12", "Other", "S", "CI", Phase.PHASE_1, "WBM-1", frozenset({"RGT"}))
    with pytest.raises(ActivityInputError, match="project"):
        opened.put_study(MANAGER, other)
    assert opened.studies() == [STUDY]
