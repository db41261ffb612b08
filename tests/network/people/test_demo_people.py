"""The demo's people: two champions at different sites and one mentoring pair, matched by the room with its
reason; a second run changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from imaging_hub.database import create_engine
from imaging_hub.demo.rooms.network_people import fill_people
from imaging_hub.governance import AuditFilter, Governance
from imaging_hub.network.people import PeopleRoom


def test_demo_seeds_two_champions_and_a_pair_once(tmp_path: Path) -> None:
    gov = Governance.open(f"sqlite:///{tmp_path / 'gov.sqlite3'}")
    engine = create_engine(f"sqlite:///{tmp_path / 'hub.sqlite3'}")
    when = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    try:
        held = fill_people(engine, gov, when)
        assert held == {"profiles": 2, "champions": 2, "pairings": 1}
        [pairing] = PeopleRoom.open(engine).pairings()
        assert pairing.mentor == "lead@university.example" and "trial imaging" in pairing.reason
        assert len({p.site for p in PeopleRoom.open(engine).profiles()}) == 2
        assert gov.audit.entries(AuditFilter(action="network.people.mentoring.accept", limit=10))
        assert fill_people(engine, gov, when) == held
    finally:
        engine.dispose()
        gov.close()
