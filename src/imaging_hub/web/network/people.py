"""``/network/people``: the network's imaging champions and people by region and site (network administrators
and auditors), each signed-in person's own profile (``/network/people/me``: only ever their own, whatever the
form says), and mentoring (``/network/people/mentoring``): a person asks for mentoring in a skill; an
administrator runs the matching, sees each match's reason and accepts it into the pairing history.

Every change goes through the people room, which decides and audits it (refusals included); every view is
audited here.
"""

from __future__ import annotations

from datetime import date
from itertools import groupby

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from imaging_hub.api import network_actor
from imaging_hub.governance import Governance, GovernanceError, Principal
from imaging_hub.network.people import PeopleRoom, Profile, Training
from imaging_hub.web.network.access import answering, oversees, refused, viewed
from imaging_hub.web.pages import WebRoute, signed_in_dependency
from imaging_hub.web.pages.session import check_csrf, page


def _words(text: str) -> frozenset[str]:
    """Comma-separated skills or interests, trimmed, empties dropped."""
    return frozenset(w.strip() for w in text.split(",") if w.strip())


def _training(text: str) -> tuple[Training, ...]:
    """One entry a line: ``kind; title; start (YYYY-MM-DD); end (optional)``."""
    entries = []
    for number, line in enumerate((x for x in text.splitlines() if x.strip()), start=1):
        parts = [p.strip() for p in line.split(";")]
        if len(parts) not in (3, 4) or parts[0] not in ("course", "fellowship", "degree"):
            raise GovernanceError(f"training line {number}: write kind (course, fellowship or degree); title; start")
        try:
            start = date.fromisoformat(parts[2])
            end = date.fromisoformat(parts[3]) if len(parts) == 4 and parts[3] else None
        except ValueError:
            raise GovernanceError(f"training line {number}: dates are YYYY-MM-DD") from None
        entries.append(Training(parts[1], parts[0], start, end))
    return tuple(entries)


def _training_text(profile: Profile | None) -> str:
    if profile is None:
        return ""
    return "\n".join(
        f"{t.kind}; {t.title}; {t.start.isoformat()}" + (f"; {t.end.isoformat()}" if t.end else "")
        for t in profile.training
    )


def people_pages_router(gov: Governance, room: PeopleRoom) -> APIRouter:
    pages = APIRouter(include_in_schema=False, route_class=WebRoute)
    who_dep = Depends(signed_in_dependency(gov))

    @pages.get("/network/people")
    def people(request: Request, who: Principal = who_dep) -> Response:
        if not oversees(who):
            raise refused(gov, who, "people.view", "people", "the network's people are shown to network oversight")
        everyone = room.profiles()
        regions = [(region, list(group)) for region, group in groupby(everyone, key=lambda p: p.region)]
        viewed(gov, who, "people.view", "people", profiles=len(everyone), champions=sum(p.champion for p in everyone))
        return page(request, "network_people.html", "People", who, "/network/people", regions=regions)

    @pages.get("/network/people/me")
    def mine(request: Request, who: Principal = who_dep) -> Response:
        profile = room.profile(who.email)
        viewed(gov, who, "people.profile.view", "profile", exists=profile is not None)
        return page(
            request,
            "network_people_profile.html",
            "My profile",
            who,
            "/network/people",
            profile=profile,
            training=_training_text(profile),
            saved=request.query_params.get("saved") == "1",
        )

    @pages.post("/network/people/me")
    def save(
        request: Request,
        csrf: str = Form(""),
        name: str = Form(..., max_length=200),
        site: str = Form(..., max_length=100),
        region: str = Form("", max_length=100),
        champion: str = Form(""),
        skills: str = Form("", max_length=4000),
        interests: str = Form("", max_length=4000),
        mentoring_hours: int = Form(0, ge=0, le=40),
        mentees_max: int = Form(0, ge=0, le=10),
        research_sessions: int = Form(0, ge=0, le=10),
        training: str = Form("", max_length=8000),
        who: Principal = who_dep,
    ) -> Response:
        check_csrf(request, csrf)
        with answering():
            # The profile is always the signed-in person's own: no field of the form names whose it is.
            profile = Profile(
                who.email.lower(),
                name.strip(),
                site.strip(),
                region.strip(),
                champion == "yes",
                _words(skills),
                _words(interests),
                mentoring_hours,
                mentees_max,
                research_sessions,
                _training(training),
            )
            room.save_profile(network_actor(who), profile)
        return RedirectResponse("/network/people/me?saved=1", status_code=303)

    @pages.get("/network/people/mentoring")
    def mentoring(request: Request, who: Principal = who_dep) -> Response:
        sees_all = oversees(who)
        requests = room.requests(None if sees_all else who.email)
        pairings = room.pairings(None if sees_all else who.email)
        viewed(gov, who, "people.mentoring.view", "mentoring", requests=len(requests), pairings=len(pairings))
        return page(
            request,
            "network_people_mentoring.html",
            "Mentoring",
            who,
            "/network/people",
            requests=requests,
            pairings=pairings,
            may_match=who.is_administrator,
            has_profile=room.profile(who.email) is not None,
        )

    @pages.post("/network/people/mentoring")
    def ask(
        request: Request,
        csrf: str = Form(""),
        skills: str = Form(..., max_length=2000),
        hours: int = Form(2, ge=1, le=40),
        note: str = Form("", max_length=1000),
        who: Principal = who_dep,
    ) -> Response:
        check_csrf(request, csrf)
        with answering():
            room.ask(network_actor(who), _words(skills), hours, note)
        return RedirectResponse("/network/people/mentoring", status_code=303)

    @pages.post("/network/people/mentoring/match")
    def match(request: Request, csrf: str = Form(""), who: Principal = who_dep) -> Response:
        check_csrf(request, csrf)
        with answering():
            room.run_matching(network_actor(who))
        return RedirectResponse("/network/people/mentoring", status_code=303)

    @pages.post("/network/people/mentoring/{request_id}/accept")
    def accept(request: Request, request_id: str, csrf: str = Form(""), who: Principal = who_dep) -> Response:
        check_csrf(request, csrf)
        with answering():
            room.accept(network_actor(who), request_id[:40])
        return RedirectResponse("/network/people/mentoring", status_code=303)

    return pages
