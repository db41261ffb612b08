"""Which projects an instance may leave for: enrolment, withdrawal, time window, modality, opt-out.

Every decision is recorded (per project, subject and study, with a count) under keyed hashes, so the
decision log shows who was kept back and why without holding an NHS number or a patient ID in clear.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.engine import Connection

from imaging_hub.spoke.participants.enrolment import Participant, candidates
from imaging_hub.spoke.participants.identity import InstanceIdentity, SubjectHasher
from imaging_hub.spoke.participants.register import is_opted_out
from imaging_hub.spoke.settings import OptOutPolicy, ProjectSettings
from imaging_hub.spoke.tables import decision

log = logging.getLogger(__name__)

NOT_ENROLLED = "not enrolled"
OPTED_OUT = "national data opt-out"
OPT_OUT_UNCHECKABLE = "opt-out cannot be checked: no NHS number"
WITHDRAWN = "participant withdrawn"
AMBIGUOUS = "matches more than one participant"
PROJECT_NOT_CONFIGURED = "project not configured at this spoke"

_KEY = [decision.c.project_id, decision.c.subject_hash, decision.c.study_hash, decision.c.decision, decision.c.reason]
_new = insert(decision)
# Each returns whether this is the first time the (subject, study, decision, reason) was seen.
_RECORD = _new.on_conflict_do_update(
    index_elements=_KEY, set_={"instances": decision.c.instances + 1, "last_at": _new.excluded.last_at},
).returning(decision.c.instances == 1)
_RECORD_NOT_PULLED = _new.on_conflict_do_update(
    index_elements=_KEY, set_={"last_at": _new.excluded.last_at},
).returning(decision.c.first_at == decision.c.last_at)


@dataclass(frozen=True)
class Decision:
    project_id: str  # "" when no project matched at all
    participant: Participant | None
    reason: str = ""  # empty: accepted

    @property
    def accepted(self) -> bool:
        return not self.reason and self.participant is not None


class Gatekeeper:
    def __init__(self, projects: Mapping[str, ProjectSettings], hasher: SubjectHasher) -> None:
        self._projects = dict(projects)
        self._hasher = hasher

    def decide(self, conn: Connection, who: InstanceIdentity) -> list[Decision]:
        found = candidates(conn, who.patient_id, who.nhs_numbers)
        if not found:
            return [Decision("", None, NOT_ENROLLED)]
        by_project: dict[str, list[Participant]] = {}
        for participant in found:
            by_project.setdefault(participant.project_id, []).append(participant)
        return [self._decide_project(conn, who, project_id, group) for project_id, group in sorted(by_project.items())]

    def _decide_project(
        self, conn: Connection, who: InstanceIdentity, project_id: str, group: list[Participant]
    ) -> Decision:
        project = self._projects.get(project_id)
        if project is None:
            return Decision(project_id, None, PROJECT_NOT_CONFIGURED)
        if len(group) > 1:
            return Decision(project_id, None, AMBIGUOUS)
        participant = group[0]
        if participant.withdrawn:
            return Decision(project_id, participant, WITHDRAWN)
        unwanted = participant.wants(who.study_date, who.modality)
        if unwanted:
            return Decision(project_id, participant, unwanted)
        if project.opt_out is OptOutPolicy.APPLIES:
            numbers = set(who.nhs_numbers)
            if participant.nhs_number:
                numbers.add(participant.nhs_number)
            if not numbers:
                return Decision(project_id, participant, OPT_OUT_UNCHECKABLE)
            if is_opted_out(conn, [self._hasher.hash(n) for n in sorted(numbers)]):
                return Decision(project_id, participant, OPTED_OUT)
        return Decision(project_id, participant)

    def record_skipped_pull(self, conn: Connection, participant: Participant, reason: str) -> None:
        """A participant not even queried at the PACS (e.g. opted out): logged, with no instance counted."""
        subject = self._hasher.hash(participant.nhs_number or participant.local_patient_id)
        now = time.time()
        first = conn.scalar(_RECORD_NOT_PULLED, {
            "project_id": participant.project_id, "subject_hash": subject, "study_hash": "", "decision": "not pulled",
            "reason": reason, "instances": 0, "first_at": now, "last_at": now,
        })
        if first:
            log.info("decision project=%s subject=%s not pulled: %s", participant.project_id, subject, reason)

    def record(self, conn: Connection, who: InstanceIdentity, decisions: list[Decision]) -> None:
        """Log the decisions (inside the caller's transaction). Subject = keyed hash of NHS number or ID."""
        subject = self._hasher.hash(min(who.nhs_numbers) if who.nhs_numbers else who.patient_id)
        study = self._hasher.hash(who.study_uid)
        now = time.time()
        for d in decisions:
            verdict = "accepted" if d.accepted else "dropped"
            basis = ""
            if d.accepted:
                project = self._projects[d.project_id]
                basis = "opt-out checked" if project.opt_out is OptOutPolicy.APPLIES else (
                    f"opt-out not applied: {project.opt_out.value} ({project.opt_out_basis})"
                )
            reason = d.reason or basis
            first = conn.scalar(_RECORD, {
                "project_id": d.project_id, "subject_hash": subject, "study_hash": study, "decision": verdict,
                "reason": reason, "instances": 1, "first_at": now, "last_at": now,
            })
            if first:  # log each (subject, study, decision) once, not per instance
                log.info(
                    "decision project=%s subject=%s study=%s %s: %s",
                    d.project_id or "-", subject, study, verdict, reason,
                )
