"""``/network/people``: the network's imaging champions and people by region and site (network administrators
and auditors), each signed-in person's own profile (``/network/people/me``: only ever their own, whatever the
form says), and mentoring (``/network/people/mentoring``): a person asks for mentoring in a skill; an
administrator runs the matching, sees each match's reason and accepts it into the pairing history; either member
of a pairing, or an administrator, ends it with its outcome (``/network/people/mentoring/{id}/end``, shown with who
ended it and each step since the request on both pages).

Every change goes through the people room, which decides and audits it (refusals included); every view is
audited here.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from itertools import groupby

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from imaging_hub.api import network_actor
from imaging_hub.governance import Forbidden, Governance, GovernanceError, Principal
from imaging_hub.network.people import PeopleRoom, Profile, Step, Training
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


def _steps(room: PeopleRoom, person: str | None) -> dict[str, list[Step]]:
    """Each request's steps (asked, proposed, paired, ended), for the pairing history: one person's, or all."""
    by_request: dict[str, list[Step]] = defaultdict(list)
    for step in room.history(person=person):
        by_request[step.request_id].append(step)
    return by_request


BACK = {"me": "/network/people/me", "mentoring": "/network/people/mentoring"}  # where an ended pairing returns


def people_pages_router(gov: Governance, room: PeopleRoom) -> APIRouter:
    pages = APIRouter(include_in_schema=False, route_class=WebRoute)
    who_dep = Depends(signed_in_dependency(gov))

    def form_checked(request: Request, csrf: str, who: Principal, action: str, entity_id: str) -> None:
        """The form's CSRF token, its refusal audited (a forged or stale form changes nothing)."""
        try:
            check_csrf(request, csrf)
        except Forbidden as exc:
            raise refused(gov, who, action, entity_id[:40], "the form's CSRF token is missing or wrong") from exc

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
        pairings = room.pairings(who.email)
        viewed(gov, who, "people.profile.view", "profile", exists=profile is not None, pairings=len(pairings))
        return page(
            request,
            "network_people_profile.html",
            "My profile",
            who,
            "/network/people",
            profile=profile,
            training=_training_text(profile),
            saved=request.query_params.get("saved") == "1",
            pairings=pairings,
            steps=_steps(room, who.email),
            me=who.email.lower(),
            may_end_any=who.is_administrator,
            back="me",
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
        form_checked(request, csrf, who, "people.profile.save", "profile")
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
            steps=_steps(room, None if sees_all else who.email),
            me=who.email.lower(),
            may_end_any=who.is_administrator,
            back="mentoring",
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
        form_checked(request, csrf, who, "people.mentoring.ask", "request")
        with answering():
            room.ask(network_actor(who), _words(skills), hours, note)
        return RedirectResponse("/network/people/mentoring", status_code=303)

    @pages.post("/network/people/mentoring/match")
    def match(request: Request, csrf: str = Form(""), who: Principal = who_dep) -> Response:
        form_checked(request, csrf, who, "people.mentoring.match", "requests")
        with answering():
            room.run_matching(network_actor(who))
        return RedirectResponse("/network/people/mentoring", status_code=303)

    @pages.post("/network/people/mentoring/{request_id}/accept")
    def accept(request: Request, request_id: str, csrf: str = Form(""), who: Principal = who_dep) -> Response:
        form_checked(request, csrf, who, "people.mentoring.accept", request_id)
        with answering():
            room.accept(network_actor(who), request_id[:40])
        return RedirectResponse("/network/people/mentoring", status_code=303)

    @pages.post("/network/people/mentoring/{request_id}/end")
    def end(
        request: Request,
        request_id: str,
        csrf: str = Form(""),
        outcome: str = Form(""),  # the room refuses (and audits) an empty or over-long one
        back: str = Form("mentoring"),
        who: Principal = who_dep,
    ) -> Response:
        form_checked(request, csrf, who, "people.mentoring.end", request_id)
        with answering():
            room.end_pairing(network_actor(who), request_id[:40], outcome)
        return RedirectResponse(BACK.get(back, BACK["mentoring"]), status_code=303)

    return pages
