"""The audit page: viewing reads one page of entries (older pages by sequence number, steady while entries
arrive) and never re-hashes the chain; checking the chain runs when asked, is audited, and finds tampering."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from governance.hub import Hub, build_hub
from governance.network import START
from imaging_hub.governance import AuditFilter, AuditRecord, Governance, SettableClock
from imaging_hub.web.pages.audit import PAGE_SIZE

ROW = '<tr class="nhsuk-table__row"><td class="nhsuk-table__cell">'


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    data = tmp_path_factory.mktemp("audit-page")
    gov = Governance.open(f"sqlite:///{data / 'hub.sqlite3'}", SettableClock(START))
    built = build_hub(gov, data / "archive")
    for n in range(PAGE_SIZE + 20):
        gov.audit.record(AuditRecord(actor="res@uni.example", action="dicom.read", entity_type="instances",
                                     entity_id=f"1.2.826.0.1.{n}", project="LUNG1"))
    yield built
    built.archive.close()
    gov.close()


def shown_seqs(html: str) -> list[int]:
    return [int(seq) for seq in re.findall(re.escape(ROW) + r"(\d+)</td>", html)]


def verifications(gov: Governance) -> int:
    return len(gov.audit.entries(AuditFilter(action="audit.verify", limit=5000)))


def test_viewing_pages_through_the_trail_without_rehashing_it(hub: Hub) -> None:
    auditor = hub.client("audit@network.example")
    before = verifications(hub.gov)
    first = auditor.get("/audit?action=dicom.read")
    assert first.status_code == 200
    assert "Check the chain now" in first.text and "Intact" not in first.text
    seqs = shown_seqs(first.text)
    assert len(seqs) == PAGE_SIZE and seqs == sorted(seqs, reverse=True)
    older = re.search(r'href="(/audit\?action=dicom.read&amp;before=(\d+))"', first.text)
    assert older is not None and int(older.group(2)) == seqs[-1]
    hub.gov.audit.record(AuditRecord(actor="res@uni.example", action="dicom.read", entity_type="instances",
                                     entity_id="1.2.826.0.1.999", project="LUNG1"))  # arrives meanwhile
    second = auditor.get(older.group(1).replace("&amp;", "&"))
    rest = shown_seqs(second.text)
    assert rest and max(rest) < seqs[-1] and len(rest) == 20  # the next page did not shift
    assert "Older entries" not in second.text and "Newest entries" in second.text
    htmx = auditor.get(f"/audit/entries?action=dicom.read&before={seqs[-1]}")
    assert shown_seqs(htmx.text) == rest
    assert verifications(hub.gov) == before  # nothing re-hashed the chain


def test_checking_the_chain_on_demand_is_audited_and_finds_tampering(hub: Hub) -> None:
    auditor = hub.client("audit@network.example")
    before = verifications(hub.gov)
    checked = auditor.get("/audit?verify=1")
    assert "Intact" in checked.text
    assert verifications(hub.gov) == before + 1
    with hub.gov.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER gov_audit_no_update"))
        conn.execute(text("UPDATE gov_audit SET actor = 'someone else' WHERE seq = 3"))
    broken = auditor.get("/audit?verify=1")
    assert "Broken" in broken.text and "entry 3 altered" in broken.text
    refused = hub.client("res@uni.example").get("/audit?verify=1")
    assert refused.status_code == 403
