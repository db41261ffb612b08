"""``/audit``: the audit trail for auditors and network administrators, a page of entries at a time.

Viewing reads one page (keyset paging on the sequence number, so a page stays put while entries arrive)
and the chain head; re-hashing the whole chain runs only when the reader asks for it (``verify=1``),
and that check is itself audited, as through the API.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response

from imaging_hub.api import may_read_audit
from imaging_hub.governance import AuditFilter, Forbidden, Governance, Principal
from imaging_hub.web.pages.route import WebRoute
from imaging_hub.web.pages.session import page, signed_in_dependency
from imaging_hub.web.rendering import render

PAGE_SIZE = 100
OUTCOMES = frozenset({"success", "denied", "failed", "error"})


def router(gov: Governance) -> APIRouter:
    pages = APIRouter(include_in_schema=False, route_class=WebRoute)
    who_dep = Depends(signed_in_dependency(gov))

    def audit_filter(
        who: Principal, actor: str, action: str, project: str, outcome: str, before: int | None
    ) -> AuditFilter:
        if not may_read_audit(who):
            gov.context.record(who, "audit.read", "audit", "*", outcome="denied")
            raise Forbidden("the audit trail is for auditors and network administrators")
        gov.context.record(who, "audit.read", "audit", "*", detail={"project": project, "action": action})
        return AuditFilter(
            actor=actor or None,
            action=action or None,
            project=project or None,
            outcome=outcome if outcome in OUTCOMES else None,
            limit=PAGE_SIZE + 1,  # one more than shown tells whether older entries exist
            before=before,
        )

    def one_page(f: AuditFilter) -> dict[str, Any]:
        found = gov.audit.entries(f)
        entries = found[:PAGE_SIZE]
        filters = {k: v for k, v in (("actor", f.actor), ("action", f.action), ("project", f.project),
                                     ("outcome", f.outcome)) if v}
        older = f"/audit?{urlencode({**filters, 'before': entries[-1].seq})}" if len(found) > PAGE_SIZE else None
        newest = f"/audit?{urlencode(filters)}" if f.before is not None else None
        return {"entries": entries, "older_url": older, "newest_url": newest}

    @pages.get("/audit")
    def audit(
        request: Request,
        actor: str = "",
        action: str = "",
        project: str = "",
        outcome: str = "",
        before: int | None = Query(None, ge=1),
        verify: bool = False,
        who: Principal = who_dep,
    ) -> Response:
        f = audit_filter(who, actor, action, project, outcome, before)
        verified = None
        if verify:
            verified = gov.verify_audit()
            gov.context.record(who, "audit.verify", "audit", "*", outcome="success" if verified.ok else "failed")
        head_seq, head_hash = gov.audit.head()
        return page(
            request,
            "audit.html",
            "Audit trail",
            who,
            "/audit",
            f=f,
            verified=verified,
            head_seq=head_seq,
            head_hash=head_hash,
            **one_page(f),
        )

    @pages.get("/audit/entries")
    def audit_entries(
        request: Request,
        actor: str = "",
        action: str = "",
        project: str = "",
        outcome: str = "",
        before: int | None = Query(None, ge=1),
        who: Principal = who_dep,
    ) -> Response:
        """The htmx fragment: just the table of matching entries."""
        f = audit_filter(who, actor, action, project, outcome, before)
        return render("audit_entries.html", "Audit", **one_page(f))

    return pages
