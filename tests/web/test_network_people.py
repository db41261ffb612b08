"""The people pages over HTTP: oversight sees champions by region and site, every signed-in person edits only
their own profile, a person asks for mentoring, the administrator matches (with reasons) and accepts a match into
the pairing history. Hostile input: huge fields, another person's profile, unknown ids; all audited."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from governance.hub import Hub, build_hub
from governance.network import START
from imaging_hub.api import SESSION_COOKIE
from imaging_hub.governance import AuditFilter, Governance, SettableClock
from imaging_hub.governance.credentials import csrf_token
from imaging_hub.network.people import PeopleRoom

ADMIN, AUDITOR, SDM, RES, ANN = (
    "admin@network.example",
    "audit@network.example",
    "sdm@rxx.example",
    "res@uni.example",
    "ann@uni.example",
)
MENTOR_FORM = {
    "name": "Dr Mentor",
    "site": "RXX",
    "region": "North",
    "champion": "yes",
    "skills": "MRI physics, trial imaging",
    "interests": "AI validation",
    "mentoring_hours": "4",
    "mentees_max": "2",
    "research_sessions": "2",
    "training": "fellowship; NIHR clinical lectureship; 2022-09-01; 2025-08-31",
}


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    data = tmp_path_factory.mktemp("people-pages")
    gov = Governance.open(f"sqlite:///{data / 'hub.sqlite3'}", SettableClock(START))
    built = build_hub(gov, data / "archive")
    yield built
    built.archive.close()
    gov.close()


@pytest.fixture
def room(hub: Hub) -> PeopleRoom:
    return PeopleRoom.open(hub.archive.database.writer)


def post(hub: Hub, email: str, path: str, data: dict[str, Any]) -> Any:
    client = hub.client(email)
    client.get("/network/people/me")  # a page view gives the session its CSRF token
    token = csrf_token(client.cookies.get(SESSION_COOKIE))
    return client.post(path, data={"csrf": token, **data})


def audited(hub: Hub, action: str, outcome: str) -> list[Any]:
    entries = hub.gov.audit.entries(AuditFilter(action=f"network.{action}", limit=500))
    return [e for e in entries if e.outcome == outcome]


def test_profile_mentoring_match_and_pairing(hub: Hub, room: PeopleRoom) -> None:
    assert post(hub, SDM, "/network/people/me", MENTOR_FORM).status_code == 303
    mentee = {
        **MENTOR_FORM,
        "name": "Ms Mentee",
        "site": "RYY",
        "champion": "",
        "skills": "",
        "training": "",
        "mentoring_hours": "0",
        "mentees_max": "0",
    }
    assert post(hub, RES, "/network/people/me", mentee).status_code == 303
    mentor = room.profile(SDM)
    assert mentor is not None and mentor.champion and mentor.research_sessions == 2 and len(mentor.training) == 1

    listing = hub.client(AUDITOR).get("/network/people")
    assert listing.status_code == 200 and "Dr Mentor" in listing.text and "Champion" in listing.text
    assert hub.client(RES).get("/network/people").status_code == 403
    assert audited(hub, "people.view", "denied")

    assert post(hub, RES, "/network/people/mentoring", {"skills": "trial imaging", "hours": "2"}).status_code == 303
    assert post(hub, RES, "/network/people/mentoring/match", {}).status_code == 403
    assert post(hub, ADMIN, "/network/people/mentoring/match", {}).status_code == 303
    [view] = room.requests(RES)
    assert view.status == "proposed" and view.mentor == SDM
    page = hub.client(ADMIN).get("/network/people/mentoring")
    assert "offers trial imaging" in page.text and f"accept-{view.request.request_id}" in page.text
    accept = f"/network/people/mentoring/{view.request.request_id}/accept"
    assert post(hub, SDM, accept, {}).status_code == 403
    assert post(hub, ADMIN, accept, {}).status_code == 303
    [pairing] = room.pairings(RES)
    assert (pairing.mentee, pairing.mentor) == (RES, SDM)
    own = hub.client(RES).get("/network/people/mentoring")
    assert "Pairing history" in own.text and SDM in own.text
    assert audited(hub, "people.mentoring.accept", "success")


def test_hostile_input(hub: Hub, room: PeopleRoom) -> None:
    # another person's profile: no field names whose profile it is; a smuggled one is ignored
    assert post(hub, ANN, "/network/people/me", {**MENTOR_FORM, "person": ADMIN, "name": "Ann"}).status_code == 303
    assert room.profile(ADMIN) is None and room.profile(ANN) is not None
    before = room.profile(ANN)
    # huge fields are refused whole, nothing stored, and the value never echoed
    huge = post(hub, ANN, "/network/people/me", {**MENTOR_FORM, "skills": "x" * 100_000})
    assert huge.status_code in (400, 422) and "x" * 100 not in huge.text
    long_skill = post(hub, ANN, "/network/people/me", {**MENTOR_FORM, "skills": "y" * 300})
    assert long_skill.status_code == 400 and "y" * 100 not in long_skill.text
    assert room.profile(ANN) == before
    assert audited(hub, "people.profile.save", "denied")
    bad_training = post(hub, ANN, "/network/people/me", {**MENTOR_FORM, "training": "party; cake; tomorrow"})
    assert bad_training.status_code == 400 and "training line 1" in bad_training.text
    # unknown ids and a forged form
    assert post(hub, ADMIN, "/network/people/mentoring/ffffffffffffffff/accept", {}).status_code == 404
    assert post(hub, ADMIN, "/network/people/mentoring/" + "z" * 500 + "/accept", {}).status_code == 404
    client = hub.client(ANN)
    assert client.post("/network/people/me", data={**MENTOR_FORM, "csrf": "forged"}).status_code == 403
    assert client.get("/network/people").status_code == 403
    # mentoring without a profile is refused
    assert post(hub, AUDITOR, "/network/people/mentoring", {"skills": "MRI physics"}).status_code == 403


def _pairing(hub: Hub, room: PeopleRoom, mentor: str, mentee: str) -> str:
    """An accepted pairing of ``mentee`` with ``mentor`` (their profiles typed on the page), on a skill of its own."""
    skill = f"skill {uuid.uuid4().hex[:8]}"
    post(hub, mentor, "/network/people/me", {**MENTOR_FORM, "site": "RGT", "skills": skill, "mentees_max": "5"})
    post(hub, mentee, "/network/people/me", {**MENTOR_FORM, "site": "RHM", "skills": "", "mentoring_hours": "0"})
    assert post(hub, mentee, "/network/people/mentoring", {"skills": skill}).status_code == 303
    [view] = [v for v in room.requests(mentee) if skill in v.request.skills]
    assert post(hub, ADMIN, "/network/people/mentoring/match", {}).status_code == 303
    assert post(hub, ADMIN, f"/network/people/mentoring/{view.request.request_id}/accept", {}).status_code == 303
    return view.request.request_id


def test_a_member_ends_a_pairing_with_its_outcome_shown_on_both_pages(hub: Hub, room: PeopleRoom) -> None:
    asked = _pairing(hub, room, AUDITOR, ANN)
    mine = hub.client(ANN).get("/network/people/me")
    assert f'id="end-{asked}"' in mine.text and 'name="back" value="me"' in mine.text
    ended = post(hub, ANN, f"/network/people/mentoring/{asked}/end", {"outcome": "learnt enough", "back": "me"})
    assert ended.status_code == 303 and ended.headers["location"] == "/network/people/me"
    [pairing] = [p for p in room.pairings(ANN) if p.request_id == asked]
    assert (pairing.outcome, pairing.ended_by, pairing.active) == ("learnt enough", ANN, False)
    pages = ((ANN, "/network/people/me"), (AUDITOR, "/network/people/me"), (ADMIN, "/network/people/mentoring"))
    for who, path in pages:
        text = hub.client(who).get(path).text
        assert f'learnt enough <span class="nhsuk-body-s">(ended by {ANN})' in text and f'id="end-{asked}"' not in text
        assert f'id="steps-{asked}"' in text and "ended by " + ANN in text
    assert [s.step for s in room.history(asked)] == ["asked", "proposed", "paired", "ended"]
    assert audited(hub, "people.mentoring.end", "success")
    # somewhere else to go back to is not followed
    other = _pairing(hub, room, AUDITOR, ANN)
    away = post(hub, AUDITOR, f"/network/people/mentoring/{other}/end", {"outcome": "done", "back": "https://evil"})
    assert away.status_code == 303 and away.headers["location"] == "/network/people/mentoring"


def test_ending_a_pairing_as_an_attacker(hub: Hub, room: PeopleRoom) -> None:
    asked = _pairing(hub, room, AUDITOR, ANN)
    end = f"/network/people/mentoring/{asked}/end"
    denied = len(audited(hub, "people.mentoring.end", "denied"))
    # someone else's pairing: refused, and not offered on their page either
    assert post(hub, RES, end, {"outcome": "not mine"}).status_code == 403
    assert f'id="end-{asked}"' not in hub.client(RES).get("/network/people/mentoring").text
    # a forged or missing CSRF token
    client = hub.client(ANN)
    client.get("/network/people/me")
    assert client.post(end, data={"csrf": "forged", "outcome": "x"}).status_code == 403
    assert client.post(end, data={"outcome": "x"}).status_code == 403
    # an outcome too long, or none: refused whole, never echoed
    long = post(hub, ANN, end, {"outcome": "q" * 5000})
    assert long.status_code == 400 and "outcome" in long.text and "q" * 50 not in long.text
    assert post(hub, ANN, end, {"outcome": "   "}).status_code == 400
    # unknown and absurd ids
    assert post(hub, ADMIN, "/network/people/mentoring/ffffffffffffffff/end", {"outcome": "x"}).status_code == 404
    assert post(hub, ADMIN, "/network/people/mentoring/" + "z" * 500 + "/end", {"outcome": "x"}).status_code == 404
    [still] = [p for p in room.pairings(ANN) if p.request_id == asked]
    assert still.active and still.outcome == ""  # nothing partial stored
    # the administrator may end it; twice is refused
    assert post(hub, ADMIN, end, {"outcome": "network review"}).status_code == 303
    assert post(hub, ANN, end, {"outcome": "again"}).status_code == 400
    [ended] = [p for p in room.pairings(ANN) if p.request_id == asked]
    assert (ended.outcome, ended.ended_by) == ("network review", ADMIN)
    refusals = audited(hub, "people.mentoring.end", "denied")
    assert len(refusals) - denied == 8  # other person, 2 forged forms, 2 bad outcomes, 2 unknown ids, twice
    assert "q" * 50 not in str([e.detail for e in refusals])
