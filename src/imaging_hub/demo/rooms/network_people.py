"""The demo's people at the hub: two imaging champions at different sites, one a mentor, and a mentoring request
matched by the people room (with its reason) and accepted into the pairing history."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine

from imaging_hub.api import network_audit
from imaging_hub.governance import Governance
from imaging_hub.network.operations import Actor
from imaging_hub.network.people import PeopleRoom, Profile, Training

DEMO_MANAGER = Actor("demo network manager", kind="system", manager=True)
CHAMPIONS = (
    Profile(
        "lead@university.example",
        "Dr Ahmed",
        "RXX",
        "North",
        champion=True,
        skills=frozenset({"trial imaging", "MRI physics"}),
        interests=frozenset({"AI validation"}),
        mentoring_hours=4,
        mentees_max=2,
        research_sessions=2,
        training=(Training("NIHR clinical lectureship", "fellowship", date(2022, 9, 1), date(2025, 8, 31)),),
    ),
    Profile(
        "champion@ryy.example",
        "Ms Okafor",
        "RYY",
        "North",
        champion=True,
        skills=frozenset({"CT protocols"}),
        interests=frozenset({"trial imaging"}),
        research_sessions=1,
        training=(Training("Good Clinical Practice", "course", date(2024, 3, 1)),),
    ),
)


def fill_people(engine: Engine, gov: Governance, when: datetime) -> dict[str, int]:
    """Once: the champions' profiles (each saved as its owner), a request for trial imaging, its match accepted."""
    room = PeopleRoom.open(engine, audit=network_audit(gov), clock=lambda: when.astimezone(UTC))
    if not room.profiles():
        for profile in CHAMPIONS:
            room.save_profile(Actor(profile.person), profile)
        mentee = CHAMPIONS[1]
        asked = room.ask(Actor(mentee.person), frozenset({"trial imaging"}), note="first portfolio trial at RYY")
        room.run_matching(DEMO_MANAGER)
        room.accept(DEMO_MANAGER, asked)
    profiles = room.profiles()
    return {"profiles": len(profiles), "champions": sum(p.champion for p in profiles), "pairings": len(room.pairings())}
