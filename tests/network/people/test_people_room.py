"""The people room on SQLite and the real PostgreSQL server: profiles kept and edited only by their owner,
mentoring requests matched with reasons, accepted matches in the pairing history, every step audited."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from imaging_hub.database import create_engine
from imaging_hub.network import NetworkInputError
from imaging_hub.network.operations import Actor, AuditEntry, NetworkNotFound, NetworkRefused
from imaging_hub.network.people import VERSION_TABLE, PeopleRoom, Profile, Training

MANAGER = Actor("admin@network.example", manager=True)
MENTOR = Actor("mentor@rgt.example")
MENTEE = Actor("mentee@rhm.example")


def _mentor() -> Profile:
    return Profile(
        "mentor@rgt.example",
        "Dr Mentor",
        "RGT",
        "North",
        champion=True,
        skills=frozenset({"MRI physics", "trial imaging"}),
        interests=frozenset({"AI validation"}),
        mentoring_hours=4,
        mentees_max=2,
        research_sessions=2,
        training=(Training("NIHR clinical lectureship", "fellowship", date(2022, 9, 1), date(2025, 8, 31)),),
    )


@pytest.fixture
def audit() -> list[AuditEntry]:
    return []


@pytest.fixture
def room(database_url: str, audit: list[AuditEntry]) -> Iterator[PeopleRoom]:
    engine = create_engine(database_url)
    yield PeopleRoom.open(engine, audit=audit.append, clock=lambda: datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    engine.dispose()


def test_own_alembic_chain(room: PeopleRoom, database_url: str) -> None:
    engine = create_engine(database_url)
    names = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {VERSION_TABLE, "net_people_profile", "net_people_request", "net_people_pairing"} <= names


def test_profile_round_trip_and_only_the_owner_edits_it(room: PeopleRoom, audit: list[AuditEntry]) -> None:
    room.save_profile(MENTOR, _mentor())
    assert room.profile("MENTOR@rgt.example") == _mentor()
    with pytest.raises(NetworkRefused):
        room.save_profile(MANAGER, _mentor())  # a manager sees every profile but edits none but their own
    assert audit[-1].outcome == "denied" and audit[-1].action == "network.people.profile.save"
    with pytest.raises(NetworkInputError, match="skill"):
        room.save_profile(
            MENTOR, Profile("mentor@rgt.example", "Dr Mentor", "RGT", "North", skills=frozenset({"x" * 5000}))
        )
    assert room.profile("mentor@rgt.example") == _mentor()  # nothing partial stored
    assert "x" * 50 not in str([e.detail for e in audit])


def test_request_matched_with_a_reason_and_accepted_into_the_history(room: PeopleRoom, audit: list[AuditEntry]) -> None:
    room.save_profile(MENTOR, _mentor())
    room.save_profile(
        MENTEE, Profile("mentee@rhm.example", "Ms Mentee", "RHM", "North", interests=frozenset({"trial imaging"}))
    )
    with pytest.raises(NetworkRefused):
        room.ask(Actor("nobody@x.example"), frozenset({"MRI physics"}))  # no profile yet
    asked = room.ask(MENTEE, frozenset({"trial imaging", "PET"}), hours=2, note="starting a trial")
    with pytest.raises(NetworkRefused):
        room.run_matching(MENTEE)
    [match] = room.run_matching(MANAGER)
    assert match.mentor == "mentor@rgt.example" and "trial imaging" in match.reason and "1 of 2" in match.reason
    [view] = room.requests("mentee@rhm.example")
    assert (view.status, view.mentor) == ("proposed", "mentor@rgt.example")
    with pytest.raises(NetworkRefused):
        room.accept(MENTOR, asked)
    with pytest.raises(NetworkNotFound):
        room.accept(MANAGER, "no-such-request")
    pairing = room.accept(MANAGER, asked)
    assert (pairing.mentee, pairing.mentor, pairing.start, pairing.active) == (
        "mentee@rhm.example",
        "mentor@rgt.example",
        date(2026, 3, 2),
        True,
    )
    assert room.pairings("mentor@rgt.example") == [pairing]
    with pytest.raises(NetworkInputError):
        room.accept(MANAGER, asked)  # already paired
    room.end_pairing(MANAGER, asked, "trial set up", on=date(2026, 9, 1))
    [ended] = room.pairings()
    assert (ended.end, ended.outcome, ended.active) == (date(2026, 9, 1), "trial set up", False)
    actions = [(e.action, e.outcome) for e in audit]
    assert ("network.people.mentoring.accept", "success") in actions
    assert ("network.people.mentoring.accept", "denied") in actions


def test_no_mentor_at_the_same_site(room: PeopleRoom) -> None:
    room.save_profile(MENTOR, _mentor())
    colleague = Actor("colleague@rgt.example")
    room.save_profile(colleague, Profile("colleague@rgt.example", "Colleague", "RGT", "North"))
    room.ask(colleague, frozenset({"MRI physics"}))
    [match] = room.run_matching(MANAGER)
    assert match.mentor is None and "same site" in match.reason
    assert room.requests()[0].status == "open"


def _paired(room: PeopleRoom) -> str:
    room.save_profile(MENTOR, _mentor())
    room.save_profile(MENTEE, Profile("mentee@rhm.example", "Ms Mentee", "RHM", "North"))
    asked = room.ask(MENTEE, frozenset({"trial imaging"}), note="first trial")
    room.run_matching(MANAGER)
    room.accept(MANAGER, asked)
    return asked


@pytest.mark.parametrize("ender", [MENTEE, MENTOR, MANAGER])
def test_either_member_or_a_manager_ends_a_pairing_and_the_history_reads_whole(
    room: PeopleRoom, audit: list[AuditEntry], ender: Actor
) -> None:
    asked = _paired(room)
    ended = room.end_pairing(ender, asked, "  trial set up; meeting monthly stopped  ")
    assert (ended.end, ended.outcome, ended.ended_by, ended.active) == (
        date(2026, 3, 2),
        "trial set up; meeting monthly stopped",
        ender.name,
        False,
    )
    assert room.pairings() == [ended]
    steps = room.history(asked)
    assert [(s.step, s.by) for s in steps] == [
        ("asked", MENTEE.name),
        ("proposed", MANAGER.name),
        ("paired", MANAGER.name),
        ("ended", ender.name),
    ]
    assert "trial imaging" in steps[1].note and steps[-1].note == "trial set up; meeting monthly stopped"
    assert room.history(person="MENTOR@rgt.example") == steps == room.history(person=MENTEE.name)
    assert room.history(person="someone@else.example") == []
    last = audit[-1]
    assert (last.action, last.outcome, last.entity_id) == ("network.people.mentoring.end", "success", asked)
    # the mentor's place is free again for the next matching
    again = room.ask(MENTEE, frozenset({"MRI physics"}))
    [match] = room.run_matching(MANAGER)
    assert (match.request_id, match.mentor) == (again, MENTOR.name)


def test_ending_is_refused_to_others_twice_and_with_a_bad_outcome(room: PeopleRoom, audit: list[AuditEntry]) -> None:
    asked = _paired(room)
    outsider = Actor("outsider@rxx.example", sites=frozenset({"RGT", "RHM"}))  # a site data manager of both sites
    with pytest.raises(NetworkRefused):
        room.end_pairing(outsider, asked, "not mine to end")
    with pytest.raises(NetworkNotFound):
        room.end_pairing(MANAGER, "no-such-pairing", "gone")
    with pytest.raises(NetworkNotFound):
        room.end_pairing(MANAGER, "z" * 5000, "gone")
    for outcome in ("", "   ", "w" * 1001):
        with pytest.raises(NetworkInputError, match="outcome"):
            room.end_pairing(MENTEE, asked, outcome)
    with pytest.raises(NetworkInputError, match="before it started"):
        room.end_pairing(MENTEE, asked, "done", on=date(2026, 1, 1))
    [still] = room.pairings()
    assert still.active and still.outcome == "" and still.ended_by == ""  # nothing partial stored
    assert [s.step for s in room.history(asked)] == ["asked", "proposed", "paired"]
    room.end_pairing(MENTOR, asked, "mentee moved on")
    with pytest.raises(NetworkInputError, match="ended already"):
        room.end_pairing(MANAGER, asked, "second time")
    [ended] = room.pairings()
    assert (ended.outcome, ended.ended_by) == ("mentee moved on", MENTOR.name)
    ends = [e for e in audit if e.action == "network.people.mentoring.end"]
    assert [e.outcome for e in ends] == ["denied"] * 7 + ["success", "denied"]
    assert all(len(e.entity_id) <= 40 for e in ends)
    assert "w" * 50 not in str([e.detail for e in audit])  # the refused text itself is never audited


def test_requests_and_pairings_from_before_the_steps_table_keep_their_history(database_url: str) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from imaging_hub.network.people.database import MIGRATIONS

    engine = create_engine(database_url)
    with engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS.location))
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.execute(
            text(
                "INSERT INTO net_people_request (request_id, person, site, skills, hours, note, status, mentor, reason,"
                " created_at) VALUES ('r1', 'mentee@rhm.example', 'RHM', '[\"PET\"]', 2, '', 'paired',"
                " 'mentor@rgt.example', 'offers PET', '2026-01-05 10:00:00')"
            )
        )
        conn.execute(
            text(
                'INSERT INTO net_people_pairing (request_id, mentee, mentor, skills, reason, start, "end", outcome)'
                " VALUES ('r1', 'mentee@rhm.example', 'mentor@rgt.example', '[\"PET\"]', 'offers PET', '2026-01-06',"
                " '2026-06-30', 'finished')"
            )
        )
    room = PeopleRoom.open(engine)
    steps = room.history(person="mentor@rgt.example")
    engine.dispose()
    assert [(s.step, s.by, s.note, s.at.date()) for s in steps] == [
        ("asked", "mentee@rhm.example", "", date(2026, 1, 5)),
        ("paired", "", "offers PET", date(2026, 1, 6)),
        ("ended", "", "finished", date(2026, 6, 30)),
    ]
    [pairing] = room.pairings()
    assert (pairing.outcome, pairing.ended_by, pairing.active) == ("finished", "", False)


def test_refusals_are_audited_when_the_audit_shares_the_one_sqlite_writer(tmp_path: Path) -> None:
    """The hub's default keeps governance in the archive's SQLite file: an audit written while the room held the
    write lock would wait out the busy timeout and fail ("database is locked") instead of refusing."""
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    writer, audit_writer = create_engine(url, immediate=True), create_engine(url, immediate=True)
    with audit_writer.begin() as conn:
        conn.execute(text("CREATE TABLE audit_copy (action TEXT, outcome TEXT)"))

    def shared(entry: AuditEntry) -> None:
        with audit_writer.begin() as conn:
            conn.execute(text("INSERT INTO audit_copy VALUES (:a, :o)"), {"a": entry.action, "o": entry.outcome})

    room = PeopleRoom.open(writer, audit=shared)
    asked = _paired(room)
    started = time.monotonic()
    with pytest.raises(NetworkNotFound):
        room.accept(MANAGER, "no-such-request")
    with pytest.raises(NetworkInputError):
        room.accept(MANAGER, asked)  # paired already
    with pytest.raises(NetworkNotFound):
        room.end_pairing(MANAGER, "no-such-pairing", "gone")
    with pytest.raises(NetworkRefused):
        room.end_pairing(Actor("outsider@rxx.example"), asked, "not mine")
    with pytest.raises(NetworkInputError):
        room.end_pairing(MENTEE, asked, "")
    assert time.monotonic() - started < 5  # refused at once, not after a lock timeout
    with audit_writer.connect() as conn:
        denied = conn.execute(text("SELECT count(*) FROM audit_copy WHERE outcome = 'denied'")).scalar_one()
    writer.dispose()
    audit_writer.dispose()
    assert denied == 5
