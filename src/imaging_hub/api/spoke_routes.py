"""Hub-side routes a spoke needs beyond STOW-RS: reconciliation reports (answered with what the hub holds,
by SOP Instance UID and content hash), the hub's per-project / per-site view of them, and withdrawals
(the participant's studies removed from the archive).

Mount with ``create_app(..., extra_routers=[spoke_router(reports_dir)])``; the web page over the same reports
is ``imaging_hub.web.reconciliation.reconciliation_page_router``. Authorisation comes through the
same ``current_scope`` seam as DICOMweb: a spoke may only report on and withdraw from projects its token
may write to.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query

from imaging_hub.api.access import AccessScope, current_scope
from imaging_hub.api.context import HubContext, hub_context
from imaging_hub.spoke import (
    HeldStudy,
    ReconciliationAnswer,
    ReconciliationReport,
    StudyReport,
    WithdrawalAnswer,
    WithdrawalRequest,
    classify,
)
from imaging_hub.store import Archive
from imaging_hub.store import Query as ArchiveQuery

log = logging.getLogger(__name__)

_SAFE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def _file_name(site_id: str, project_id: str) -> str:
    if not site_id or not project_id or set(site_id) - _SAFE or set(project_id) - _SAFE:
        raise HTTPException(422, detail="site_id and project_id may hold only letters, digits, '-', '_' and '.'")
    return f"{site_id}__{project_id}.json"


def _write_atomic(path: Path, payload: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".report-")
    with os.fdopen(fd, "w") as out:
        json.dump(payload, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def hub_reconciliation(
    reports_dir: Path, archive: Archive, allows: Callable[[str, str], bool], project: str | None = None,
    site: str | None = None,
) -> dict[str, Any]:
    """The spokes' latest reports as the hub sees them, limited to the (project, site) pairs ``allows``:
    ``{"summary": {"PROJECT/SITE": {"complete": n, "incomplete": n, "failed": n}}, "studies": [...]}``,
    each study with its status, a one-line detail, the hub's own instance count and when it was reported."""
    rows: list[dict[str, Any]] = []
    totals: dict[str, dict[str, int]] = {}
    for path in sorted(reports_dir.glob("*.json")):
        saved = json.loads(path.read_text())
        if (project and saved["project_id"] != project) or (site and saved["site_id"] != site):
            continue
        if not allows(saved["project_id"], saved["site_id"]):
            continue
        for raw in saved["studies"]:
            study = StudyReport.model_validate({k: v for k, v in raw.items() if k != "hub_instances"})
            status, detail = classify(study)
            hub_now = len([i for i in archive.instances(study.study_uid)
                           if (i.clinical_trial_protocol_id or "") == study.project_id]) if study.study_uid else 0
            if status == "complete" and hub_now < study.acknowledged:
                status, detail = "incomplete", f"hub now holds {hub_now} of {study.acknowledged} acknowledged"
            rows.append({**raw, "site_id": saved["site_id"], "hub_instances": hub_now, "status": status,
                         "detail": detail, "reported_at": saved["reported_at"]})
            key = f"{saved['project_id']}/{saved['site_id']}"
            counts = totals.setdefault(key, {"complete": 0, "incomplete": 0, "failed": 0})
            counts[status] += 1
    return {"summary": totals, "studies": rows}


def spoke_router(reports_dir: Path) -> APIRouter:
    reports_dir.mkdir(parents=True, exist_ok=True)
    router = APIRouter(prefix="/spokes", tags=["spokes"])

    @router.post("/reconciliation", response_model=ReconciliationAnswer)
    def receive_report(
        report: ReconciliationReport, context: HubContext = Depends(hub_context),
        scope: AccessScope = Depends(current_scope),
    ) -> ReconciliationAnswer:
        denied = sorted({s.project_id for s in report.studies if not scope.allows(s.project_id)})
        if denied:
            raise HTTPException(403, detail=f"not authorised for project(s): {', '.join(denied)}")
        answers: list[HeldStudy] = []
        by_project: dict[str, list[dict[str, Any]]] = {}
        for study in report.studies:
            held = {
                i.sop_instance_uid: i.sha256 for i in context.archive.instances(study.study_uid)
                if (i.clinical_trial_protocol_id or "") == study.project_id
            } if study.study_uid else {}  # no study: a participant the PACS query found nothing for
            answer = HeldStudy(
                project_id=study.project_id, study_uid=study.study_uid,
                held=[uid for uid, sha in study.check.items() if held.get(uid) == sha],
                conflicting=[uid for uid, sha in study.check.items() if uid in held and held[uid] != sha],
                hub_instances=len(held),
            )
            answers.append(answer)
            row = study.model_dump(mode="json", exclude={"check"})
            row["acknowledged"] = study.acknowledged + len(answer.held)  # this answer acknowledges them
            row["hub_instances"] = len(held)
            by_project.setdefault(study.project_id, []).append(row)
        for project_id, rows in by_project.items():
            _write_atomic(reports_dir / _file_name(report.site_id, project_id),
                          {"site_id": report.site_id, "project_id": project_id, "reported_at": time.time(),
                           "reported_by": scope.principal, "studies": rows})
        return ReconciliationAnswer(studies=answers)

    @router.get("/reconciliation")
    def hub_view(
        project: str | None = Query(default=None), site: str | None = Query(default=None),
        context: HubContext = Depends(hub_context), scope: AccessScope = Depends(current_scope),
    ) -> dict[str, Any]:
        """Per project and site: each study complete, incomplete (what is missing) or failed (why), with the
        hub's own instance count next to the spoke's acknowledged count."""
        return hub_reconciliation(reports_dir, context.archive, lambda p, _site: scope.allows(p), project, site)

    @router.post("/withdrawals", response_model=WithdrawalAnswer)
    def withdraw(
        request: WithdrawalRequest, context: HubContext = Depends(hub_context),
        scope: AccessScope = Depends(current_scope),
    ) -> WithdrawalAnswer:
        if not scope.allows(request.project_id):
            raise HTTPException(403, detail=f"not authorised for project {request.project_id}")
        studies = set(request.study_uids)
        # The participant may have been sent by other sites too: withdrawal is from the project, everywhere.
        found = context.archive.search(ArchiveQuery(
            level="STUDY", filters={"PatientID": request.participant_id,
                                    "ClinicalTrialProtocolID": request.project_id}))
        studies.update(str(ds.StudyInstanceUID) for ds in found)
        removed = 0
        removed_studies = []
        for study_uid in sorted(studies):
            instances = context.archive.instances(study_uid)
            if not instances:
                continue
            if any((i.clinical_trial_protocol_id or "") != request.project_id for i in instances):
                log.warning("withdrawal for project %s skipped a study holding other projects' data",
                            request.project_id)
                continue
            removed += context.archive.delete(study_uid)
            removed_studies.append(study_uid)
        log.info("withdrawal in project %s from site %s: %d instance(s) in %d study(ies) removed",
                 request.project_id, request.site_id, removed, len(removed_studies))
        return WithdrawalAnswer(removed_instances=removed, removed_studies=removed_studies)

    return router
