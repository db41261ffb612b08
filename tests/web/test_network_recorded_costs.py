"""Portfolio studies registered on ``/network/activity/studies`` and their costs on ``/network/costs`` from what the
hub recorded: a stored tariff and schedule of events priced over the real arrivals at the hub, overrides entered
per activity row with a justification and shown with who, when and why; each change, bad input and refusal
audited, nothing partial stored."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from governance.hub import Hub, build_hub
from governance.network import START
from imaging_hub.api import SESSION_COOKIE
from imaging_hub.governance import AuditFilter, Governance, SettableClock
from imaging_hub.governance.credentials import csrf_token
from imaging_hub.network.activity import ActivityRoom, StudyCosts
from network.costs.costs_samples import SCHEDULE, TARIFF_2025

IRAS = "1004321"
STUDY_FORM = {"iras_id": IRAS, "cpms_id": "56789", "title": "Lung imaging", "sponsor": "University",
              "chief_investigator": "Prof CI", "phase": "Phase II", "project": "LUNG1", "sites": "RXX; RYY",
              "timepoints": "baseline", "reads_per_participant": ""}


def _this_year_tariff() -> str:
    """The financial year the fixture's arrivals fall in (they are stored now), so they can be priced."""
    now = datetime.now(UTC)
    starts = now.year if now.month >= 4 else now.year - 1
    return TARIFF_2025.replace("2025/26", f"{starts}/{(starts + 1) % 100:02d}")


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    data = tmp_path_factory.mktemp("recorded-costs")
    gov = Governance.open(f"sqlite:///{data / 'hub.sqlite3'}", SettableClock(START))
    built = build_hub(gov, data / "archive")
    yield built
    built.archive.close()
    gov.close()


def csrf(client: Any) -> str:
    return csrf_token(client.cookies.get(SESSION_COOKIE))


def post(hub: Hub, who: str, path: str, data: dict[str, str], files: dict[str, Any] | None = None) -> Any:
    client = hub.client(who)
    return client.post(path, data={"csrf": csrf(client), **data}, files=files, follow_redirects=False)


def ledger(hub: Hub) -> StudyCosts:
    return StudyCosts.open(hub.archive.database.writer)


def cells(html: str, table: str) -> list[list[str]]:
    body = re.search(rf'<table[^>]*id="{table}".*?<tbody[^>]*>(.*?)</tbody>', html, re.S)
    assert body, table
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)]


@pytest.fixture(scope="module")
def registered(hub: Hub) -> Hub:
    assert post(hub, "admin@network.example", "/network/activity/studies", STUDY_FORM).status_code == 303
    schedule = SCHEDULE.replace("WBM-1,", f"{IRAS},")
    for path, files in (
        ("/network/costs/tariff", {"tariff": ("t.csv", TARIFF_2025)}),
        ("/network/costs/tariff", {"tariff": ("t.csv", _this_year_tariff())}),
        ("/network/costs/schedule", {"schedule": ("s.csv", schedule)}),
    ):
        answer = post(hub, "admin@network.example", path, {"iras_id": IRAS}, files)
        assert answer.status_code == 303, answer.text[-2000:]
    return hub


def test_a_registered_study_is_listed_with_what_the_rooms_say(registered: Hub) -> None:
    page = registered.client("sdm@rxx.example").get("/network/activity/studies")
    assert page.status_code == 200
    [row] = [r for r in cells(page.text, "portfolio-studies") if r[0] == IRAS]
    assert row[1:4] == ["56789", "Lung imaging", "University"] and row[7] == "RXX, RYY" and row[8] == "baseline"
    assert "study-form" not in page.text  # a data manager sees, the administrator edits
    assert registered.client("res@uni.example").get("/network/activity/studies").status_code == 403


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"iras_id": "12AB45"}, "IRAS ID"),
        ({"cpms_id": "0123"}, "CPMS ID"),
        ({"phase": "Phase IX"}, "phase"),
        ({"reads_per_participant": "-2"}, "reads per participant"),
        ({"sites": ""}, "sites"),
        ({"title": "<script>" * 200}, "title"),
    ],
)
def test_a_bad_study_is_refused_by_name_and_nothing_stored(
    registered: Hub, changes: dict[str, str], named: str
) -> None:
    before = ActivityRoom.open(registered.archive.database.writer).studies()
    answer = post(registered, "admin@network.example", "/network/activity/studies",
                  {**STUDY_FORM, "iras_id": "2003001", "project": "OTHER", **changes})
    assert answer.status_code == 400 and named in answer.text and "<script><script>" not in answer.text
    assert ActivityRoom.open(registered.archive.database.writer).studies() == before


def test_only_the_administrator_registers_a_study(registered: Hub) -> None:
    for who in ("sdm@rxx.example", "audit@network.example"):
        answer = post(registered, who, "/network/activity/studies", {**STUDY_FORM, "title": "Changed"})
        assert answer.status_code == 403
    [study] = [s for s in ActivityRoom.open(registered.archive.database.writer).studies() if s.iras_id == IRAS]
    assert study.title == "Lung imaging"
    denied = registered.gov.audit.entries(AuditFilter(action="network.activity.study.put", limit=100))
    assert {e.actor for e in denied if e.outcome == "denied"} >= {"sdm@rxx.example", "audit@network.example"}


def test_arrivals_at_the_hub_are_priced_with_the_stored_schedule(registered: Hub) -> None:
    page = registered.client("audit@network.example").get("/network/costs")
    assert page.status_code == 200
    [row] = [r for r in cells(page.text, "recorded-site-months") if r[0] == "RXX"]
    # One LUNG1 study arrived at RXX (baseline): Part A 5.25 (no reads yet), Part B 12.33 + 9.25,
    # NHS Support 95.50, NHS Treatment 250 + 40 with an excess treatment cost of 70.
    assert row[2:] == ["£5.25", "£21.58", "£95.50", "£290.00", "£412.33", "£70.00"]
    assert "override-form" not in page.text  # the auditor sees, does not decide
    workbook = registered.client("audit@network.example").get("/network/costs/recorded.xlsx")
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"
    table = list(csv.DictReader(io.StringIO(registered.client("audit@network.example")
                                            .get("/network/costs/recorded.csv").text)))
    assert [(r["site"], r["NHS Support"], r["total"]) for r in table] == [("RXX", "95.50", "412.33")]
    assert registered.client("sdm@rxx.example").get("/network/costs/recorded.csv").status_code == 403


def test_a_study_is_edited_from_its_prefilled_form(registered: Hub) -> None:
    admin = registered.client("admin@network.example")
    form = admin.get(f"/network/activity/studies?iras_id={IRAS}")
    assert 'value="Lung imaging"' in form.text and 'value="RXX; RYY"' in form.text
    changed = post(registered, "admin@network.example", "/network/activity/studies",
                   {**STUDY_FORM, "sponsor": "Another sponsor"})
    assert changed.status_code == 303
    [study] = [s for s in ActivityRoom.open(registered.archive.database.writer).studies() if s.iras_id == IRAS]
    assert study.sponsor == "Another sponsor" and study.timepoints == ("baseline",)


def test_an_override_needs_a_justification_and_is_shown_with_who_and_why(registered: Hub) -> None:
    row = {"iras_id": IRAS, "arm": "mri", "visit": "baseline", "name": "image transfer",
           "category": "research_part_b"}
    missing = post(registered, "admin@network.example", "/network/costs/override", {**row, "justification": " "})
    assert missing.status_code == 400 and "justification" in missing.text
    assert ledger(registered).override_history() == []
    assert post(registered, "sdm@rxx.example", "/network/costs/override",
                {**row, "justification": "site asks"}).status_code == 403
    assert post(registered, "admin@network.example", "/network/costs/override",
                {**row, "justification": "Local data management by the site"}).status_code == 303
    page = registered.client("admin@network.example").get("/network/costs")
    [decision] = cells(page.text, "override-history")
    assert decision[1:5] == ["image transfer", "Research Part B", "Research Part A", "admin@network.example"]
    assert decision[6:] == ["Local data management by the site", "yes"]
    [priced] = [r for r in cells(page.text, "recorded-site-months") if r[0] == "RXX"]
    assert priced[2:4] == ["£0.00", "£26.83"]  # the transfer moved from Part A to Part B
    trail = registered.gov.audit.entries(AuditFilter(action="network.costs.override", limit=100))
    assert [e.outcome for e in trail].count("success") == 1 and any(e.outcome == "denied" for e in trail)


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"minutes": "-5"}, "minutes"),
        ({"minutes": "ten"}, "minutes"),
        ({"kind": "bribe"}, "kind"),
        ({"iras_id": "999999"}, "IRAS ID"),
        ({"patient_care": "no", "standard_care": "yes"}, "standard_care"),
        ({"visit": "v" * 65}, "visit"),
    ],
)
def test_a_bad_schedule_activity_names_its_field_and_stores_nothing(
    registered: Hub, changes: dict[str, str], named: str
) -> None:
    before = ledger(registered).schedule().activities
    form = {"iras_id": IRAS, "arm": "mri", "visit": "baseline", "name": "extra read", "kind": "research_read",
            "staff_role": "radiologist", "minutes": "20", "tariff_code": "RAD-HOUR", "patient_care": "no",
            "continues_after_study": "no", "standard_care": "no", "part_b_item": "", "replaces_tariff_code": "",
            "per_visit": ""}
    answer = post(registered, "admin@network.example", "/network/costs/schedule/activity", {**form, **changes})
    assert answer.status_code == 400 and named in answer.text
    assert ledger(registered).schedule().activities == before


def test_a_bad_tariff_file_and_a_refused_upload_store_nothing(registered: Hub) -> None:
    years = ledger(registered).tariffs().years
    bad = post(registered, "admin@network.example", "/network/costs/tariff", {},
               {"tariff": ("t.csv", TARIFF_2025.replace("250.00", "-250.00").replace("2025/26", "2030/31"))})
    assert bad.status_code == 400 and "price" in bad.text
    refused = post(registered, "audit@network.example", "/network/costs/tariff", {},
                   {"tariff": ("t.csv", TARIFF_2025.replace("2025/26", "2031/32"))})
    assert refused.status_code == 403
    assert ledger(registered).tariffs().years == years


@pytest.mark.parametrize("typed", ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)"])
def test_an_activity_named_like_a_formula_is_stored_as_typed(registered: Hub, typed: str) -> None:
    """The form goes through the schedule reader as one CSV row: that row is never defused (the apostrophe would
    be stored); the exports that carry the name defuse it (tests/network/costs/test_costs_csv_formulas.py)."""
    form = {"iras_id": IRAS, "arm": "mri", "visit": "month-12", "name": typed, "kind": "research_read",
            "staff_role": typed, "minutes": "20", "tariff_code": "RAD-HOUR", "patient_care": "no",
            "continues_after_study": "no", "standard_care": "no", "part_b_item": "", "replaces_tariff_code": "",
            "per_visit": ""}
    answer = post(registered, "admin@network.example", "/network/costs/schedule/activity", form)
    assert answer.status_code == 303, answer.text[-2000:]
    [stored] = [a for a in ledger(registered).schedule().activities if a.name == typed]
    assert stored.staff_role == typed and stored.visit.visit == "month-12"
