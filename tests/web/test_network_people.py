"""The people pages over HTTP: oversight sees champions by region and site, every signed-in person edits only
their own profile, a person asks for mentoring, the administrator matches (with reasons) and accepts a match into
the pairing history. Hostile input: huge fields, another person's profile, unknown ids; all audited."""

from __future__ import annotations

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
