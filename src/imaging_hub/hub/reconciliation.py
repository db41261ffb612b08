"""Reconciliation at the hub: a spoke reports each study's transfer counts and the hub answers with what it
holds (by SOP Instance UID and content hash: the acknowledgement); the latest report per site and project is
kept in the database and shown per project and site as complete, incomplete (what is missing) or failed (why).

Rules: a caller reports only on projects it may act in and only under a site it speaks for (a spoke's token
names its own site); every report and every view is audited, refusals included. When a report makes a study
complete and the hub holds every acknowledged instance, ``StudyComplete`` is published (once per site, project
and study, after the commit; its durable record is the row's ``completed_at``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from imaging_hub.events import EventBus, StudyComplete
from imaging_hub.hub.caller import AuditEntry, AuditSink, Caller, InvalidRequest, Refused
from imaging_hub.hub.tables import spoke_report
from imaging_hub.spoke import HeldStudy, ReconciliationAnswer, ReconciliationReport, StudyReport, classify
from imaging_hub.store import Archive

log = logging.getLogger(__name__)
_CODE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
Allows = Callable[[str, str], bool]  # (project, site) -> may this viewer see that pair's reports


def check_code(kind: str, value: str) -> None:
    if not value or len(value) > 64 or set(value) - _CODE:
        raise InvalidRequest(f"{kind} may hold only letters, digits, '-', '_' and '.' (1 to 64 of them)")


class Reconciliation:
    def __init__(self, archive: Archive, audit: AuditSink, events: EventBus) -> None:
        self._archive = archive
        self._audit = audit
        self._events = events

    # -- a spoke reports -------------------------------------------------------------------------------
    def receive(self, caller: Caller, report: ReconciliationReport) -> ReconciliationAnswer:
        """Answer with what the hub holds of each study's unacknowledged instances, and keep the report."""
        site = report.site_id
        check_code("site_id", site)
        projects = sorted({s.project_id for s in report.studies})
        for project in projects:
            check_code("project_id", project)
        self._authorise(caller, site, projects)
        now = dt.datetime.now(dt.UTC)
        answers: list[HeldStudy] = []
        rows: dict[str, list[dict[str, Any]]] = {p: [] for p in projects}
        for study in report.studies:
            held = self._held(study)
            answer = HeldStudy(
                project_id=study.project_id, study_uid=study.study_uid,
                held=[uid for uid, sha in study.check.items() if held.get(uid) == sha],
                conflicting=[uid for uid, sha in study.check.items() if uid in held and held[uid] != sha],
                hub_instances=len(held),
            )
            answers.append(answer)
            sent = study.model_dump(mode="json", exclude={"check"})
            sent["acknowledged"] = study.acknowledged + len(answer.held)  # this answer acknowledges them
            acknowledged = StudyReport.model_validate(sent)
            complete = bool(study.study_uid) and classify(acknowledged)[0] == "complete" \
                and len(held) >= acknowledged.acknowledged
            rows[study.project_id].append({
                "site_id": site, "project_id": study.project_id, "position": len(rows[study.project_id]),
                "participant_id": study.participant_id, "study_uid": study.study_uid,
                "acknowledged": acknowledged.acknowledged, "hub_instances": len(held), "report": sent,
                "reported_at": now, "reported_by": caller.name, "completed_at": now if complete else None,
            })
        completed = self._replace(site, rows, now)
        for project in projects:
            self._audit(AuditEntry(caller, "spoke.reconciliation.report", "reconciliation", site, project=project,
                                   detail={"site": site, "studies": len(rows[project])}))
        for event in completed:
            self._events.publish(event)
        return ReconciliationAnswer(studies=answers)

    def _authorise(self, caller: Caller, site: str, projects: list[str]) -> None:
        outside = [p for p in projects if not caller.may_act_in(p)]
        if outside:
            self._refuse(caller, site, outside, f"not authorised for project(s): {', '.join(outside)}")
        elsewhere = [p for p in projects if not caller.speaks_for(p, site)]
        if elsewhere or not caller.speaks_for_site(site):
            self._refuse(caller, site, elsewhere or [""], f"not authorised to report for site {site}")

    def _refuse(self, caller: Caller, site: str, projects: list[str], reason: str) -> None:
        for project in projects:
            self._audit(AuditEntry(caller, "spoke.reconciliation.report", "reconciliation", site, project=project,
                                   outcome="denied", detail={"site": site, "reason": reason}))
        raise Refused(reason)

    def _held(self, study: StudyReport) -> dict[str, str]:
        """SOP Instance UID -> content hash of the study's instances the hub holds in the report's project."""
        if not study.study_uid:  # a participant the PACS query found nothing for
            return {}
        return {i.sop_instance_uid: i.sha256 for i in self._archive.instances(study.study_uid)
                if (i.clinical_trial_protocol_id or "") == study.project_id}

    def _replace(self, site: str, rows: dict[str, list[dict[str, Any]]], now: dt.datetime) -> list[StudyComplete]:
        """Replace each project's rows for this site in one transaction; the studies newly complete."""
        database = self._archive.database
        completed: list[StudyComplete] = []
        with database.writing() as conn:
            database.lock_instances(conn, [f"hub-report:{site}/{project}" for project in rows])  # PostgreSQL
            for project, new in rows.items():
                before = {uid: at for uid, at in conn.execute(
                    sa.select(spoke_report.c.study_uid, spoke_report.c.completed_at).where(
                        spoke_report.c.site_id == site, spoke_report.c.project_id == project,
                        spoke_report.c.completed_at.is_not(None)))}
                for row in new:
                    if row["completed_at"] is None:
                        continue
                    if row["study_uid"] in before:
                        row["completed_at"] = before[row["study_uid"]]  # announced once, when it first was
                    else:
                        completed.append(StudyComplete(row["study_uid"], project, site, row["hub_instances"], now))
                conn.execute(sa.delete(spoke_report).where(
                    spoke_report.c.site_id == site, spoke_report.c.project_id == project))
                if new:
                    conn.execute(spoke_report.insert(), new)
        return completed

    # -- the hub's view --------------------------------------------------------------------------------
    def view(self, caller: Caller, project: str | None = None, site: str | None = None) -> dict[str, Any]:
        """What ``summary`` shows the caller (the projects it may act in), audited."""
        seen = self.summary(lambda p, _s: caller.may_act_in(p), project, site)
        self._audit(AuditEntry(caller, "spoke.reconciliation.view", "reconciliation", site or "*",
                               project=project or "", detail={"site": site or "", "studies": len(seen["studies"])}))
        return seen

    def summary(self, allows: Allows, project: str | None = None, site: str | None = None) -> dict[str, Any]:
        """The spokes' latest reports limited to the (project, site) pairs ``allows`` (not audited: the face
        that shows it records the view): ``{"summary": {"PROJECT/SITE": {"complete": n, "incomplete": n,
        "failed": n}}, "studies": [...]}``, each study with its status, a one-line detail, the hub's own
        instance count now and when it was reported (seconds since the epoch)."""
        statement = sa.select(spoke_report).order_by(
            spoke_report.c.site_id, spoke_report.c.project_id, spoke_report.c.position)
        if project:
            statement = statement.where(spoke_report.c.project_id == project)
        if site:
            statement = statement.where(spoke_report.c.site_id == site)
        with self._archive.database.reading() as conn:
            saved = conn.execute(statement).mappings().all()
        rows: list[dict[str, Any]] = []
        totals: dict[str, dict[str, int]] = {}
        for row in saved:
            if not allows(row["project_id"], row["site_id"]):
                continue
            study = StudyReport.model_validate(row["report"])
            status, detail = classify(study)
            hub_now = len(self._held(study))
            if status == "complete" and hub_now < study.acknowledged:
                status, detail = "incomplete", f"hub now holds {hub_now} of {study.acknowledged} acknowledged"
            rows.append({**row["report"], "site_id": row["site_id"], "hub_instances": hub_now, "status": status,
                         "detail": detail, "reported_at": _aware(row["reported_at"]).timestamp()})
            counts = totals.setdefault(f"{row['project_id']}/{row['site_id']}",
                                       {"complete": 0, "incomplete": 0, "failed": 0})
            counts[status] += 1
        return {"summary": totals, "studies": rows}


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)  # SQLite gives naive UTC back
