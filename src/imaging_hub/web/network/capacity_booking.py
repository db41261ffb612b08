"""The capacity page's bookings: a site books a participant's visit into a research slot; the network
administrator uploads a batch of requested visits, the hub allocates them with CP-SAT and shows the plan with
the reason for each visit, and accepting the plan stores its bookings (all or none).

The room decides who may and audits each booking, refusals included; a refused booking stores nothing.
"""

from __future__ import annotations

import re
import tempfile
from datetime import date, datetime
from pathlib import Path

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile

from imaging_hub.api import network_actor
from imaging_hub.governance import Governance, Principal
from imaging_hub.network import NetworkInputError
from imaging_hub.network.capacity import Booking, Slot, allocate, next_start, read_requests
from imaging_hub.network.operations import NetworkRoom
from imaging_hub.web.network.access import refused, viewed
from imaging_hub.web.network.capacity_forms import (
    NAME,
    absent,
    acted,
    answer,
    audited_forms,
    built,
    capabilities_of,
    page_refusal,
)
from imaging_hub.web.pages import signed_in_dependency
from imaging_hub.web.pages.session import check_csrf, page

MAX_UPLOAD = 512 * 1024  # bytes of a request batch
MAX_VISITS = 500
MAX_MINUTES = 480  # no research visit is longer than a working day on one scanner
SLOT = r"^[A-Za-z0-9.\-_]{1,64}@\d{4}-\d{2}-\d{2}$"


def slot_named(room: NetworkRoom, slot_id: str) -> Slot | None:
    day = date.fromisoformat(slot_id.rsplit("@", 1)[1])
    return next((s for s in room.register().slots(day, 1) if s.slot_id == slot_id), None)


def router(gov: Governance, room: NetworkRoom) -> APIRouter:
    pages = APIRouter(include_in_schema=False, route_class=audited_forms(gov))
    who_dep = Depends(signed_in_dependency(gov))

    @pages.post("/network/capacity/bookings")
    def book(
        request: Request,
        csrf: str = Form(""),
        slot_id: str = Form(..., pattern=SLOT),
        visit_id: str = Form(..., pattern=NAME),
        participant: str = Form(..., pattern=NAME),
        project: str = Form(..., pattern=NAME),
        timepoint: str = Form(..., pattern=NAME),
        minutes: int = Form(..., ge=1, le=MAX_MINUTES),
        modality: str = Form("", pattern=r"^([A-Z]{2})?$"),
        capabilities: str = Form("", max_length=500),
        who: Principal = who_dep,
    ) -> Response:
        check_csrf(request, csrf)
        try:
            slot = slot_named(room, slot_id)
        except ValueError:
            slot = None
        if slot is None:
            raise absent(gov, who, "booking.add", visit_id, "research session slot")
        needs = built(gov, who, "booking.add", visit_id, lambda: capabilities_of(capabilities))
        if isinstance(needs, str):
            return answer(request, who, refusal=needs)
        in_slot = [b for b in room.bookings() if b.slot_id == slot_id]
        booking = Booking(
            visit_id,
            slot_id,
            slot.scanner_id,
            slot.site,
            next_start(slot, in_slot),
            minutes,
            project,
            timepoint,
            participant,
        )
        refusal = acted(lambda: room.book(network_actor(who), booking, modality=modality, capabilities=needs))
        done = f"Visit {visit_id} is booked on {slot.scanner_id} at {booking.start.strftime('%d %b %Y %H:%M')}"
        return answer(request, who, done, refusal)

    def administrator(who: Principal, action: str) -> None:
        if not who.is_administrator:
            raise refused(gov, who, action, "allocation", "the network administrator allocates batches of visits")

    @pages.post("/network/capacity/allocation")
    async def plan(
        request: Request,
        csrf: str = Form(""),
        start: date | None = Form(None),
        weeks: int = Form(4, ge=1, le=12),
        requests: UploadFile = File(...),
        who: Principal = who_dep,
    ) -> Response:
        check_csrf(request, csrf)
        administrator(who, "capacity.allocate")
        raw = await requests.read(MAX_UPLOAD + 1)
        first = start or room.now().date()
        register = room.register()
        try:
            if len(raw) > MAX_UPLOAD:
                raise NetworkInputError(f"the batch is over {MAX_UPLOAD // 1024} KiB; split it")
            with tempfile.TemporaryDirectory(prefix="hub-visits-") as folder:
                path = Path(folder) / "requests.csv"  # the engine names the file in its errors
                path.write_bytes(raw)
                visits = read_requests(path, register)
            if len(visits) > MAX_VISITS:
                raise NetworkInputError(f"the batch has {len(visits)} visits; at most {MAX_VISITS} at once")
            long = next((v.visit_id for v in visits if v.minutes > MAX_MINUTES), None)
            if long is not None:
                raise NetworkInputError(f"visit {long}: minutes must be at most {MAX_MINUTES}")
            if not visits:
                raise NetworkInputError("the batch has no visits")
            result = allocate(visits, register, first, weeks, existing=room.bookings(), time_limit_s=10, workers=2)
        except (NetworkInputError, UnicodeDecodeError) as exc:
            why = str(exc) if isinstance(exc, NetworkInputError) else "the file is not UTF-8 text"
            page_refusal(gov, who, "capacity.allocate", "allocation", why)
            return answer(request, who, refusal=why)
        viewed(
            gov,
            who,
            "capacity.allocate",
            "allocation",
            visits=len(visits),
            placed=len(result.bookings),
            optimal=result.optimal,
        )
        return page(
            request,
            "network_plan.html",
            "Allocation plan",
            who,
            "/network/capacity",
            plan=result,
        )

    @pages.post("/network/capacity/allocation/accept")
    def accept(
        request: Request,
        csrf: str = Form(""),
        visit_id: list[str] = Form(..., max_length=MAX_VISITS),
        slot_id: list[str] = Form(..., max_length=MAX_VISITS),
        start: list[datetime] = Form(..., max_length=MAX_VISITS),
        minutes: list[int] = Form(..., max_length=MAX_VISITS),
        project: list[str] = Form(..., max_length=MAX_VISITS),
        timepoint: list[str] = Form(..., max_length=MAX_VISITS),
        participant: list[str] = Form(..., max_length=MAX_VISITS),
        who: Principal = who_dep,
    ) -> Response:
        check_csrf(request, csrf)
        administrator(who, "capacity.accept")
        columns = (visit_id, slot_id, start, minutes, project, timepoint, participant)

        def bookings() -> list[Booking]:
            if len({len(c) for c in columns}) != 1:
                raise ValueError("the plan's columns differ in length")
            made = []
            for v, s, at, m, pr, tp, pa in zip(*columns, strict=True):
                if not all(re.fullmatch(NAME, x) for x in (v, pr, tp, pa)) or not re.fullmatch(SLOT, s):
                    raise ValueError("the plan names a visit, project or participant in a form it cannot have")
                if not 1 <= m <= MAX_MINUTES or at.tzinfo is None:
                    raise ValueError("the plan has a visit of impossible length or a time without its zone")
                slot = slot_named(room, s)
                if slot is None:
                    raise ValueError(f"visit {v}: slot {s} is not a research session")
                made.append(Booking(v, s, slot.scanner_id, slot.site, at, m, pr, tp, pa))
            return made

        plan = built(gov, who, "booking.plan", "plan", bookings)
        if isinstance(plan, str):
            return answer(request, who, refusal=plan)
        refusal = acted(lambda: room.book_plan(network_actor(who), plan))
        return answer(request, who, f"{len(plan)} visits are booked", refusal)

    return pages
