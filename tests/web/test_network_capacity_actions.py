"""The capacity page's actions over HTTP: confirm or dismiss a proposed scanner, add and edit scanners, publish a
session and cancel a date, book a visit, and allocate a batch with CP-SAT then accept the plan. Each rule: who may,
what is refused beside the form with nothing stored, hostile input; every action and refusal audited."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from governance.hub import Hub, build_hub
from governance.network import START
from imaging_hub.api import SESSION_COOKIE
from imaging_hub.governance import AuditFilter, Governance, SettableClock
from imaging_hub.governance.credentials import csrf_token
from imaging_hub.network.operations import DeviceSeen, NetworkRoom
from network.operations.served import fill

ADMIN, SDM, ANN = "admin@network.example", "sdm@rxx.example", "ann@uni.example"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    data = tmp_path_factory.mktemp("capacity-actions")
    gov = Governance.open(f"sqlite:///{data / 'hub.sqlite3'}", SettableClock(START))
    built = build_hub(gov, data / "archive")
    fill(NetworkRoom.open(built.archive.database.writer))
    yield built
    built.archive.close()
    gov.close()


@pytest.fixture
def room(hub: Hub) -> NetworkRoom:
    return NetworkRoom.open(hub.archive.database.writer)


def post(hub: Hub, email: str, path: str, data: dict[str, Any], **kwargs: Any) -> Any:
    client = hub.client(email)
    client.get("/network/worklist")  # a page view gives the session its CSRF token
    token = csrf_token(client.cookies.get(SESSION_COOKIE))
    return client.post(path, data={"csrf": token, **data}, **kwargs)


def denied(hub: Hub, action: str) -> list[Any]:
    return [
        e for e in hub.gov.audit.entries(AuditFilter(action=f"network.{action}", limit=500)) if e.outcome == "denied"
    ]


def slots_on_page(hub: Hub, email: str) -> list[str]:
    page = hub.client(email).get("/network/capacity?weeks=4")
    assert page.status_code == 200
    return re.findall(r'<option value="([A-Za-z0-9.\-_]+@\d{4}-\d{2}-\d{2})">', page.text)


SCANNER = {
    "modality": "MR",
    "manufacturer": "ACME",
    "model": "Magnet 3000",
    "field_strength": "3",
    "capabilities": "dwi",
}


def test_a_site_confirms_its_proposal_and_may_not_touch_another_sites(hub: Hub, room: NetworkRoom) -> None:
    mine = room.device_seen(DeviceSeen("RXX", "CT", "ACME", "Scanner 9", serial_number="X9"))
    theirs = room.device_seen(DeviceSeen("RYY", "MR", "ACME", "Magnet 9", serial_number="Y9"))
    page = hub.client(SDM).get("/network/capacity")
    assert f"confirm-{mine}" in page.text and f"confirm-{theirs}" not in page.text
    done = post(hub, SDM, f"/network/capacity/scanners/{mine}/confirm", {"capabilities": "contrast"})
    assert done.status_code == 200 and "confirmed" in done.text
    assert room.scanner(str(mine)).capabilities == {"contrast"}
    assert post(hub, SDM, f"/network/capacity/scanners/{theirs}/confirm", {}).status_code == 403
    assert post(hub, SDM, f"/network/capacity/scanners/{theirs}/dismiss", {}).status_code == 403
    assert post(hub, ANN, f"/network/capacity/scanners/{theirs}/dismiss", {}).status_code == 403
    assert post(hub, SDM, "/network/capacity/scanners/NOPE-1/confirm", {}).status_code == 404
    assert post(hub, ADMIN, f"/network/capacity/scanners/{theirs}/dismiss", {}).status_code == 200
    assert {mine, theirs}.isdisjoint(p["scanner_id"] for p in room.proposals())
    assert len(denied(hub, "scanner.dismiss")) >= 2 and denied(hub, "scanner.register")


def test_adding_and_editing_scanners_at_ones_own_site_only(hub: Hub, room: NetworkRoom) -> None:
    added = post(hub, SDM, "/network/capacity/scanners", {"scanner_id": "RXX-MR2", "site": "RXX", **SCANNER})
    assert added.status_code == 200 and "in the register" in added.text
    assert room.scanner("RXX-MR2").field_strength_t == 3.0
    assert (
        post(hub, SDM, "/network/capacity/scanners", {"scanner_id": "RYY-MR2", "site": "RYY", **SCANNER}).status_code
        == 403
    )
    again = post(hub, SDM, "/network/capacity/scanners", {"scanner_id": "RXX-MR2", "site": "RXX", **SCANNER})
    assert 'class="refusal"' in again.text and "already in the register" in again.text
    edited = post(hub, SDM, "/network/capacity/scanners/RXX-MR2", {**SCANNER, "software_version": "XA61"})
    assert edited.status_code == 200 and room.scanner("RXX-MR2").software_version == "XA61"
    assert post(hub, SDM, "/network/capacity/scanners/RYY-CT1", SCANNER).status_code == 403
    assert post(hub, SDM, "/network/capacity/scanners/NOPE", SCANNER).status_code == 404
    for hostile in ({"field_strength": "1e300"}, {"modality": "<script>"}, {"manufacturer": "x" * 5000}):
        answer = post(hub, SDM, "/network/capacity/scanners/RXX-MR2", {**SCANNER, **hostile})
        assert answer.status_code == 422
    bad = post(hub, SDM, "/network/capacity/scanners/RXX-MR2", {**SCANNER, "capabilities": "dwi;<b>"})
    assert "refusal" in bad.text and "<b>" not in bad.text
    assert room.scanner("RXX-MR2").capabilities == {"dwi"}
    assert denied(hub, "scanner.edit") and denied(hub, "scanner.register")


BAD_SCANNER_FIELDS = [
    ("modality", "mr"),
    ("modality", "<script>"),
    ("manufacturer", "   "),
    ("manufacturer", "q" * 201),
    ("model", ""),
    ("field_strength", "0"),
    ("field_strength", "13"),
    ("field_strength", "three"),
    ("software_version", "q" * 201),
    ("capabilities", "q" * 501),
]


@pytest.mark.parametrize(("field", "value"), BAD_SCANNER_FIELDS)
@pytest.mark.parametrize("path", ["/network/capacity/scanners", "/network/capacity/scanners/RXX-MR9"])
def test_one_scanner_form_refuses_bad_input_naming_the_field(
    hub: Hub, room: NetworkRoom, path: str, field: str, value: str
) -> None:
    """Add and edit read the same form model: the same bad value is refused by both, naming the field only."""
    if room.register().scanners.get("RXX-MR9") is None:
        assert post(hub, SDM, "/network/capacity/scanners", {"scanner_id": "RXX-MR9", "site": "RXX", **SCANNER})
    before = room.scanner("RXX-MR9")
    refusals = len(denied(hub, "capacity.form"))
    form = {"scanner_id": "RXX-MR8", "site": "RXX", **SCANNER, field: value}
    answer = post(hub, SDM, path, form)
    assert answer.status_code == 422
    assert [p["loc"] for p in answer.json()["detail"]] == [["body", field]]
    assert "q" * 50 not in answer.text and "<script>" not in answer.text
    assert room.register().scanners.get("RXX-MR8") is None and room.scanner("RXX-MR9") == before
    [entry] = denied(hub, "capacity.form")[: len(denied(hub, "capacity.form")) - refusals]
    assert f"invalid fields: {field}" in entry.detail


def test_the_scanner_form_trims_text_and_takes_an_empty_field_strength(hub: Hub, room: NetworkRoom) -> None:
    form = {**SCANNER, "modality": "CT", "manufacturer": "  Acme CT ", "field_strength": "", "capabilities": "Contrast"}
    added = post(hub, SDM, "/network/capacity/scanners", {**form, "scanner_id": "RXX-CT7", "site": " RXX "})
    assert added.status_code == 200 and "in the register" in added.text
    scanner = room.scanner("RXX-CT7")
    assert (scanner.site, scanner.manufacturer, scanner.field_strength_t) == ("RXX", "Acme CT", None)
    changed = {**form, "model": " Spiral 9 ", "capabilities": "dwi"}
    edited = post(hub, SDM, "/network/capacity/scanners/RXX-CT7", changed)
    assert edited.status_code == 200 and "is updated" in edited.text
    scanner = room.scanner("RXX-CT7")
    assert (scanner.model, scanner.capabilities, scanner.field_strength_t) == ("Spiral 9", {"dwi"}, None)


def test_publishing_a_session_and_cancelling_one_date(hub: Hub, room: NetworkRoom) -> None:
    session = {"session_id": "RXX-MR-fri", "scanner_id": "RXX-MR1", "weekday": "4", "start": "08:00", "end": "10:00"}
    first = room.now().date() + timedelta(days=7)
    done = post(hub, SDM, "/network/capacity/sessions", {**session, "valid_from": first.isoformat()})
    assert done.status_code == 200 and "published" in done.text
    template = next(t for t in room.sessions() if t.session_id == "RXX-MR-fri")
    assert template.valid_from == first
    assert (
        post(
            hub, SDM, "/network/capacity/sessions", {**session, "session_id": "X", "scanner_id": "RYY-CT1"}
        ).status_code
        == 403
    )
    assert (
        post(hub, SDM, "/network/capacity/sessions", {**session, "session_id": "Y", "scanner_id": "GHOST"}).status_code
        == 404
    )
    backwards = post(hub, SDM, "/network/capacity/sessions", {**session, "session_id": "Z", "end": "07:00"})
    assert "refusal" in backwards.text and "end after it starts" in backwards.text
    assert {t.session_id for t in room.sessions()} == {"RXX-MR-tue", "RYY-CT-thu", "RXX-MR-fri"}
    friday = first + timedelta(days=(4 - first.weekday()) % 7)
    cancelled = post(hub, SDM, "/network/capacity/sessions/RXX-MR-fri/cancel", {"day": friday.isoformat()})
    assert cancelled.status_code == 200 and "does not run" in cancelled.text
    assert friday not in [s.day for s in room.register().slots(friday, 1) if s.session_id == "RXX-MR-fri"]
    wrong_day = post(
        hub, SDM, "/network/capacity/sessions/RXX-MR-fri/cancel", {"day": (friday + timedelta(days=1)).isoformat()}
    )
    assert "refusal" in wrong_day.text
    assert (
        post(hub, SDM, "/network/capacity/sessions/RYY-CT-thu/cancel", {"day": date.today().isoformat()}).status_code
        == 403
    )
    assert denied(hub, "session.add") and denied(hub, "session.cancel")


VISIT = {"participant": "PX-0001", "project": "LUNG1", "timepoint": "baseline", "minutes": "30"}


def test_booking_a_visit_and_the_refusals_beside_the_form(hub: Hub, room: NetworkRoom) -> None:
    slot = next(s for s in slots_on_page(hub, SDM) if s.startswith("RXX-MR-tue@"))
    booked = post(
        hub,
        SDM,
        "/network/capacity/bookings",
        {"slot_id": slot, "visit_id": "B1", **VISIT, "modality": "MR", "capabilities": "dwi"},
    )
    assert booked.status_code == 200 and "is booked" in booked.text
    stored = next(b for b in room.bookings() if b.visit_id == "B1")
    assert stored.participant == "PX-0001" and stored.scanner_id == "RXX-MR1"
    count = len(room.bookings())
    too_long = post(
        hub, SDM, "/network/capacity/bookings", {"slot_id": slot, "visit_id": "B2", **VISIT, "minutes": "400"}
    )
    assert "refusal" in too_long.text and "does not fit" in too_long.text
    wrong = post(hub, SDM, "/network/capacity/bookings", {"slot_id": slot, "visit_id": "B3", **VISIT, "modality": "CT"})
    assert "refusal" in wrong.text and "does not meet the protocol" in wrong.text
    lacking = post(
        hub,
        SDM,
        "/network/capacity/bookings",
        {"slot_id": slot, "visit_id": "B4", **VISIT, "modality": "MR", "capabilities": "contrast"},
    )
    assert "contrast" in lacking.text and "refusal" in lacking.text
    theirs = next(s for s in slots_on_page(hub, ADMIN) if s.startswith("RYY-CT-thu@"))
    assert (
        post(hub, SDM, "/network/capacity/bookings", {"slot_id": theirs, "visit_id": "B5", **VISIT}).status_code == 403
    )
    assert (
        post(
            hub, SDM, "/network/capacity/bookings", {"slot_id": "GHOST@2030-01-01", "visit_id": "B6", **VISIT}
        ).status_code
        == 404
    )
    assert (
        post(
            hub, SDM, "/network/capacity/bookings", {"slot_id": "RXX-MR-tue@2030-13-45", "visit_id": "B7", **VISIT}
        ).status_code
        == 404
    )
    assert (
        post(
            hub, SDM, "/network/capacity/bookings", {"slot_id": slot, "visit_id": "B8", **VISIT, "minutes": str(10**12)}
        ).status_code
        == 422
    )
    assert (
        post(
            hub,
            SDM,
            "/network/capacity/bookings",
            {"slot_id": slot, "visit_id": "B9", **VISIT, "participant": "Jane Smith 01/02/1970"},
        ).status_code
        == 422
    )
    huge = [e for e in denied(hub, "capacity.form") if e.entity_id == "/network/capacity/bookings"]
    assert any("minutes" in str(e.detail) for e in huge) and any("participant" in str(e.detail) for e in huge)
    assert not any("Jane" in str(e.detail) or "1000000000000" in str(e.detail) for e in huge)
    forged = hub.client(SDM).post(
        "/network/capacity/bookings", data={"slot_id": slot, "visit_id": "B10", **VISIT, "csrf": "x"}
    )
    assert forged.status_code == 403
    assert len(room.bookings()) == count
    assert len(denied(hub, "booking.add")) >= 4


def _batch(rows: list[str]) -> bytes:
    header = (
        "visit_id,participant,project,timepoint,minutes,modality,capabilities,earliest,latest,same_scanner,"
        "home_lat,home_lon"
    )
    return ("\n".join([header, *rows]) + "\n").encode()


def test_allocating_a_batch_explains_each_visit_and_accepting_books_it(hub: Hub, room: NetworkRoom) -> None:
    start = room.now().date()
    window = f"{start.isoformat()},{(start + timedelta(days=27)).isoformat()}"
    csv = _batch(
        [
            f"A1,PX-1,LUNG1,baseline,30,MR,dwi,{window},true,53.8,-1.5",
            f"A2,PX-2,LUNG1,baseline,45,CT,contrast,{window},false,53.4,-1.4",
            f"A3,PX-3,LUNG1,baseline,30,PT,,{window},false,,",
        ]
    )
    files = {"requests": ("visits.csv", csv, "text/csv")}
    form = {"start": start.isoformat(), "weeks": "4"}
    assert post(hub, SDM, "/network/capacity/allocation", form, files=files).status_code == 403
    shown = post(hub, ADMIN, "/network/capacity/allocation", form, files=files)
    assert shown.status_code == 200, shown.text
    assert "2 of 3 visits placed" in shown.text and "no scanner in the network is PT" in shown.text
    assert "feasible session" in shown.text and 'id="accept-plan"' in shown.text
    before = len(room.bookings())
    assert before == len(room.bookings())  # showing a plan books nothing
    hidden = dict.fromkeys(("visit_id", "slot_id", "start", "minutes", "project", "timepoint", "participant"))
    fields = {name: re.findall(rf'name="{name}" value="([^"]*)"', shown.text) for name in hidden}
    assert fields["visit_id"] == ["A1", "A2"]
    tampered = {**fields, "minutes": ["30", "100000"]}
    assert "refusal" in post(hub, ADMIN, "/network/capacity/allocation/accept", tampered).text
    assert len(room.bookings()) == before
    assert post(hub, SDM, "/network/capacity/allocation/accept", fields).status_code == 403
    accepted = post(hub, ADMIN, "/network/capacity/allocation/accept", fields)
    assert accepted.status_code == 200 and "2 visits are booked" in accepted.text
    assert {"A1", "A2"} <= {b.visit_id for b in room.bookings()}
    assert "refusal" in post(hub, ADMIN, "/network/capacity/allocation/accept", fields).text  # not twice
    assert denied(hub, "booking.plan") and denied(hub, "capacity.allocate")


@pytest.mark.parametrize(
    "body,why",
    [
        (b"visit_id,participant\nA,B\n", "column"),
        (_batch(["Z1,PX,LUNG1,t0,30,MR,,2030-01-10,2030-01-01,false,,"]), "before"),
        (_batch(["Z2,PX,LUNG1,t0,99999999,MR,,2030-01-01,2030-01-10,false,,"]), "at most 480"),
        (_batch(["Z3,PX,LUNG1,t0,30,MR,,2030-01-01,2030-01-10,false,999,0"]), "lat"),
        (b"\xff\xfe\x00garbage", "UTF-8"),
        (b"x" * (600 * 1024), "KiB"),
    ],
)
def test_a_bad_batch_is_refused_with_what_was_wrong(hub: Hub, body: bytes, why: str) -> None:
    answer = post(
        hub, ADMIN, "/network/capacity/allocation", {"weeks": "2"}, files={"requests": ("v.csv", body, "text/csv")}
    )
    assert answer.status_code == 200 and 'class="refusal"' in answer.text
    assert why.lower() in answer.text.lower(), answer.text
