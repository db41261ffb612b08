"""``/network/costs``: the XLSX workbook downloaded from the page, and AcoRD overrides uploaded with who decided,
when and why, shown as the reason and audited; an override without a justification costs nothing."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from openpyxl import load_workbook

from governance.hub import Hub, build_hub
from governance.network import START
from imaging_hub.api import SESSION_COOKIE
from imaging_hub.governance import AuditFilter, Governance, SettableClock
from imaging_hub.governance.credentials import csrf_token
from network.costs.costs_samples import ACTIVITY, SCHEDULE, TARIFF_2025

FILES = {"schedule": ("s.csv", SCHEDULE), "activity": ("a.csv", ACTIVITY), "tariff": ("t.csv", TARIFF_2025)}
HEADER = "study,arm,visit,activity,category,by,at,justification\n"
OVERRIDE = "WBM-1,mri,baseline,extra low-dose CT,research_part_a,Dr Finance,2025-05-01T10:00:00+01:00,{why}\n"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    data = tmp_path_factory.mktemp("costs-downloads")
    gov = Governance.open(f"sqlite:///{data / 'hub.sqlite3'}", SettableClock(START))
    built = build_hub(gov, data / "archive")
    yield built
    built.archive.close()
    gov.close()


def post(client: Any, answer: str, **extra: tuple[str, str]) -> Any:
    token = csrf_token(client.cookies.get(SESSION_COOKIE))
    return client.post("/network/costs", data={"csrf": token, "answer": answer}, files={**FILES, **extra})


def test_the_workbook_downloads_with_a_summary_and_a_sheet_per_category(hub: Hub) -> None:
    answer = post(hub.client("admin@network.example"), "xlsx")
    assert answer.status_code == 200 and "spreadsheetml" in answer.headers["content-type"]
    book = load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames[0] == "Summary" and len(book.sheetnames) == 5
    summary = book["Summary"]
    assert {summary.cell(r, 1).value for r in range(2, summary.max_row)} == {"RGT", "RHM"}
    trail = hub.gov.audit.entries(AuditFilter(action="network.costs.xlsx", limit=10))
    assert [e.actor for e in trail] == ["admin@network.example"]
    assert post(hub.client("sdm@rxx.example"), "xlsx").status_code == 403


def test_an_override_changes_the_category_and_records_why(hub: Hub) -> None:
    admin = hub.client("admin@network.example")
    why = "sponsor funds the extra CT under the contract"
    answer = post(admin, "page", overrides=("o.csv", HEADER + OVERRIDE.format(why=why)))
    assert answer.status_code == 200
    assert "Overridden to" in answer.text and why in answer.text and "Dr Finance" in answer.text
    applied = hub.gov.audit.entries(AuditFilter(action="network.costs.override", limit=10))
    assert len(applied) == 1 and "RESEARCH_PART_A" in str(applied[0].detail)


@pytest.mark.parametrize(
    "body",
    [
        HEADER + OVERRIDE.format(why=""),  # no justification
        HEADER + OVERRIDE.format(why="x").replace("research_part_a", "bribery"),
        HEADER + OVERRIDE.format(why="x").replace("extra low-dose CT", "<script>alert(1)</script>"),
        HEADER + OVERRIDE.format(why="x").replace("2025-05-01T10:00:00+01:00", "yesterday"),
        "not,a,header\n1,2,3\n",
    ],
)
def test_a_bad_override_costs_nothing_and_names_the_problem(hub: Hub, body: str) -> None:
    answer = post(hub.client("admin@network.example"), "xlsx", overrides=("o.csv", body))
    assert answer.status_code == 400 and "Nothing was costed" in answer.text
    assert "<script>alert" not in answer.text


def test_an_unknown_answer_is_refused(hub: Hub) -> None:
    assert post(hub.client("admin@network.example"), "pdf").status_code == 403
