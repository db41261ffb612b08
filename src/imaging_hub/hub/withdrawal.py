"""Withdrawal at the hub: a spoke tells the hub a participant left a project, and the hub removes what that
site sent of them.

Rules (issue 20, items 3 and 4): the caller must act in the project and speak for the site it names; a study
is removed only when every instance in it is the project's, was sent by that site (ClinicalTrialSiteID) and
belongs to the participant named (the pseudonymised PatientID). A study the request names that fails any of
these refuses the whole request, so nothing is removed; studies found by searching for the participant that
another site sent are left alone. Every request is audited: who, project, site, participant, the studies and
the number of instances removed, or why it was refused. A retried request finds nothing left and removes
nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from imaging_hub.events import Origin
from imaging_hub.hub.caller import AuditEntry, AuditSink, Caller, Refused
from imaging_hub.hub.reconciliation import check_code
from imaging_hub.spoke import WithdrawalAnswer, WithdrawalRequest
from imaging_hub.store import Archive, StoredInstance
from imaging_hub.store import Query as ArchiveQuery

log = logging.getLogger(__name__)
ACTION = "spoke.withdrawal"


class Withdrawals:
    def __init__(self, archive: Archive, audit: AuditSink) -> None:
        self._archive = archive
        self._audit = audit

    def withdraw(self, caller: Caller, request: WithdrawalRequest) -> WithdrawalAnswer:
        project, site, participant = request.project_id, request.site_id, request.participant_id
        check_code("project_id", project)
        check_code("site_id", site)
        if not caller.may_act_in(project):
            self._refuse(caller, request, f"not authorised for project {project}")
        if not caller.speaks_for(project, site):
            self._refuse(caller, request, f"not authorised to withdraw for site {site} in project {project}")
        named = set(request.study_uids)
        found = {str(ds.StudyInstanceUID) for ds in self._archive.search(ArchiveQuery(
            level="STUDY", filters={"PatientID": participant, "ClinicalTrialProtocolID": project}))}
        theirs: dict[str, int] = {}
        refused: list[str] = []
        others = 0
        for study_uid in sorted(named | found):
            instances = self._archive.instances(study_uid)
            if not instances:
                continue  # never held, or already removed by an earlier try
            if all(_sent_by(i, project, site, participant) for i in instances):
                theirs[study_uid] = len(instances)
            elif study_uid in named:
                refused.append(study_uid)
            else:
                others += 1  # the same participant ID sent by another site: not this site's to withdraw
        if refused:
            self._refuse(caller, request, f"{len(refused)} named study(ies) hold data that site {site} did not send"
                         f" for participant {participant} in project {project}", refused)
        origin = Origin("hub", caller.name, caller.address)
        removed = sum(self._archive.delete(study_uid, origin=origin) for study_uid in theirs)
        self._audit(AuditEntry(caller, ACTION, "participant", participant, project=project, detail={
            "site": site, "studies": sorted(theirs), "instances_removed": removed, "left_for_other_sites": others}))
        log.info("withdrawal in project %s from site %s: %d instance(s) in %d study(ies) removed",
                 project, site, removed, len(theirs))
        return WithdrawalAnswer(removed_instances=removed, removed_studies=sorted(theirs))

    def _refuse(self, caller: Caller, request: WithdrawalRequest, reason: str, studies: Sequence[str] = ()) -> None:
        self._audit(AuditEntry(caller, ACTION, "participant", request.participant_id, project=request.project_id,
                               outcome="denied", detail={"site": request.site_id, "reason": reason,
                                                         "studies": list(studies), "instances_removed": 0}))
        raise Refused(reason)


def _sent_by(instance: StoredInstance, project: str, site: str, participant: str) -> bool:
    return ((instance.clinical_trial_protocol_id or "") == project and (instance.clinical_trial_site_id or "") == site
            and instance.patient_id == participant)
