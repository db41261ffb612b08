"""``/network/activity/studies``: the portfolio studies, and a form to register one or edit it (a network
administrator). Timepoints and reads per participant left blank are taken from the hub's rooms where they know
(``hub.study_imaging``: the project's acquisition protocol, its labelling and worklist tasks); what the rooms say
is shown beside each study. Network oversight and site data managers see the list. Every view, change, bad input
and refusal is audited."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from imaging_hub.api import network_actor
from imaging_hub.governance import SITE_ROLES, Forbidden, Governance, Principal
from imaging_hub.hub import StudyImaging
from imaging_hub.network.activity import ActivityInputError, ActivityRefused, ActivityRoom, Phase, PortfolioStudy
from imaging_hub.web.network.access import oversees, refused, viewed
from imaging_hub.web.pages import WebRoute, signed_in_dependency
from imaging_hub.web.pages.session import check_csrf, page

Imaging = Callable[[str], StudyImaging]  # project -> what the rooms say of its imaging
PATH = "/network/activity/studies"


def router(gov: Governance, room: ActivityRoom, imaging: Imaging) -> APIRouter:
    pages = APIRouter(include_in_schema=False, route_class=WebRoute)
    who_dep = Depends(signed_in_dependency(gov))

    def show(
        request: Request, who: Principal, problems: list[str], form: dict[str, str], status: int = 200
    ) -> Response:
        if not oversees(who) and not who.sites_with(SITE_ROLES):
            raise refused(gov, who, "activity.studies", "activity", "portfolio studies are for the network and site "
                                                                    "data managers")
        studies = room.studies()
        viewed(gov, who, "activity.studies", "activity", studies=len(studies))
        return page(
            request, "network_activity_studies.html", "Portfolio studies", who, "/network/activity",
            studies=studies, derived={s.iras_id: imaging(s.project) for s in studies},
            phases=[p.value for p in Phase], may_edit=who.is_administrator, problems=problems, form=form,
            status_code=status,
        )

    @pages.get(PATH)
    def studies(request: Request, iras_id: str = "", who: Principal = who_dep) -> Response:
        chosen = next((s for s in room.studies() if s.iras_id == iras_id), None)
        return show(request, who, [], _fields(chosen) if chosen else {})

    @pages.post(PATH)
    def put(
        request: Request,
        csrf: str = Form(""),
        iras_id: str = Form(""),
        cpms_id: str = Form(""),
        title: str = Form(""),
        sponsor: str = Form(""),
        chief_investigator: str = Form(""),
        phase: str = Form(""),
        project: str = Form(""),
        sites: str = Form(""),
        timepoints: str = Form(""),
        reads_per_participant: str = Form(""),
        who: Principal = who_dep,
    ) -> Response:
        check_csrf(request, csrf)
        form = {"iras_id": iras_id, "cpms_id": cpms_id, "title": title, "sponsor": sponsor,
                "chief_investigator": chief_investigator, "phase": phase, "project": project, "sites": sites,
                "timepoints": timepoints, "reads_per_participant": reads_per_participant}
        actor = network_actor(who)
        if not actor.manager:  # refused before the form is read
            raise refused(gov, who, "activity.study.put", "activity", "only a network administrator may do this")
        try:
            study = _study(form, imaging)
            room.put_study(actor, study)
        except ActivityRefused as exc:
            raise Forbidden(str(exc)) from None
        except ActivityInputError as exc:
            gov.context.record(who, "network.activity.study.put", "network_page", "activity", purpose="network",
                               outcome="failed", detail={"problem": str(exc)})
            return show(request, who, [str(exc)], form, 400)
        return RedirectResponse(PATH, status_code=303)

    return pages


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.replace(",", ";").split(";") if item.strip()]


def _study(form: dict[str, str], imaging: Imaging) -> PortfolioStudy:
    if any(len(value) > 1000 for value in form.values()):
        raise ActivityInputError("a field is longer than 1000 characters")
    phase = next((p for p in Phase if p.value.lower() == form["phase"].strip().lower()), None)
    if phase is None:
        raise ActivityInputError("phase: expected one of " + ", ".join(p.value for p in Phase))
    reads_text = form["reads_per_participant"].strip()
    if reads_text and not (reads_text.isascii() and reads_text.isdigit()):
        raise ActivityInputError("reads per participant: expected a whole number from 0")
    timepoints = tuple(_items(form["timepoints"]))
    reads = int(reads_text) if reads_text else None
    if (not timepoints or reads is None) and form["project"].strip():
        known = imaging(form["project"].strip())
        timepoints = timepoints or known.timepoints or ()
        reads = reads if reads is not None else known.reads_per_participant
    return PortfolioStudy(
        form["iras_id"], form["cpms_id"], form["title"].strip(), form["sponsor"].strip(),
        form["chief_investigator"].strip(), phase, form["project"].strip(), frozenset(_items(form["sites"])),
        timepoints, reads or 0,
    )


def _fields(study: PortfolioStudy) -> dict[str, str]:
    return {"iras_id": study.iras_id, "cpms_id": study.cpms_id, "title": study.title, "sponsor": study.sponsor,
            "chief_investigator": study.chief_investigator, "phase": study.phase.value, "project": study.project,
            "sites": "; ".join(sorted(study.sites)), "timepoints": "; ".join(study.timepoints),
            "reads_per_participant": str(study.reads_per_participant)}
