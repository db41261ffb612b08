"""The register of data-sharing agreements: drafting, decisions, deletion attestations and what is in force."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from imaging_hub.governance.agreements import (
    PERMITTED_DATA,
    AgreementState,
    check_transition,
    effective_state,
    is_in_force,
)
from imaging_hub.governance.context import Context
from imaging_hub.governance.errors import InvalidInput, InvalidTransition, NotFound
from imaging_hub.governance.principal import Principal
from imaging_hub.governance.roles import Scope
from imaging_hub.governance.tables import Agreement, Organisation, Project

REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./-]{1,63}$")


class AgreementRegister:
    def __init__(self, context: Context) -> None:
        self._c = context

    def create(
        self,
        actor: Principal,
        reference: str,
        organisation_id: int,
        project_codes: list[str],
        purpose: str,
        permitted_data: list[str],
        starts_at: datetime,
        ends_at: datetime,
        conditions: str = "",
    ) -> Agreement:
        self._c.require(_admin_write(actor), actor, "agreement.create", "agreement", reference)
        if not REFERENCE.match(reference):
            raise InvalidInput("agreement reference must be 2-64 letters, digits, '.', '_', '/' or '-'")
        if not purpose.strip():
            raise InvalidInput("an agreement must state its purpose")
        unknown = sorted(set(permitted_data) - PERMITTED_DATA)
        if unknown or not permitted_data:
            raise InvalidInput(f"permitted data must be some of {sorted(PERMITTED_DATA)}")
        if starts_at.tzinfo is None or ends_at.tzinfo is None:
            raise InvalidInput("agreement dates must carry a timezone")
        if ends_at <= starts_at:
            raise InvalidInput("an agreement must end after it starts")
        if not project_codes:
            raise InvalidInput("an agreement must name at least one project")
        with self._c.transaction() as session:
            if session.get(Organisation, organisation_id) is None:
                raise NotFound(f"no organisation {organisation_id}")
            projects = list(session.scalars(select(Project).where(Project.code.in_(project_codes))))
            missing = sorted(set(project_codes) - {p.code for p in projects})
            if missing:
                raise NotFound(f"no project {', '.join(missing)}")
            agreement = Agreement(
                reference=reference,
                organisation_id=organisation_id,
                purpose=purpose.strip(),
                permitted_data=" ".join(sorted(set(permitted_data))),
                conditions=conditions.strip(),
                starts_at=starts_at,
                ends_at=ends_at,
                state=AgreementState.DRAFT.value,
                created_at=self._c.clock(),
            )
            agreement.projects = projects
            session.add(agreement)
            try:
                session.flush()
            except IntegrityError:
                raise InvalidInput(f"an agreement with reference {reference} already exists") from None
        self._c.record(actor, "agreement.create", "agreement", reference, detail={"projects": sorted(project_codes)})
        return self.get(reference)

    def decide(self, actor: Principal, reference: str, decision: str, reason: str = "") -> Agreement:
        """Activate, suspend or resume; terminate goes through ``terminate``."""
        self._c.require(_admin_write(actor), actor, f"agreement.{decision}", "agreement", reference)
        if decision == "terminate":
            return self.terminate(actor, reference, reason)
        now = self._c.clock()
        with self._c.transaction() as session:
            agreement = _locked(session, reference)
            target = check_transition(agreement, decision, now)
            agreement.state = target.value
        self._c.record(actor, f"agreement.{decision}", "agreement", reference, detail={"reason": reason})
        return self.get(reference)

    def terminate(self, actor: Principal, reference: str, reason: str, at: datetime | None = None) -> Agreement:
        """End an agreement now, or schedule its end: access stops at that moment by itself."""
        self._c.require(_admin_write(actor), actor, "agreement.terminate", "agreement", reference)
        if not reason.strip():
            raise InvalidInput("termination needs a reason")
        now = self._c.clock()
        when = at or now
        if when.tzinfo is None:
            raise InvalidInput("termination time must carry a timezone")
        with self._c.transaction() as session:
            agreement = _locked(session, reference)
            check_transition(agreement, "terminate", now)
            agreement.terminates_at = max(when, now)
            agreement.termination_reason = reason.strip()
            if when <= now:
                agreement.state = AgreementState.TERMINATED.value
        self._c.record(
            actor,
            "agreement.terminate",
            "agreement",
            reference,
            detail={"reason": reason.strip(), "effective": max(when, now).isoformat()},
        )
        return self.get(reference)

    def attest_deletion(self, actor: Principal, reference: str, attested_by: str) -> Agreement:
        """Record the recipient's attestation that they deleted the data (after termination or expiry)."""
        self._c.require(_admin_write(actor), actor, "agreement.attest_deletion", "agreement", reference)
        if not attested_by.strip():
            raise InvalidInput("name who attested the deletion on the recipient's behalf")
        now = self._c.clock()
        with self._c.transaction() as session:
            agreement = _locked(session, reference)
            state = effective_state(agreement, now)
            if state not in {AgreementState.TERMINATED, AgreementState.EXPIRED}:
                raise InvalidTransition(f"agreement {reference} is {state.value}; deletion is attested after it ends")
            agreement.deletion_attested_by = attested_by.strip()[:200]
            agreement.deletion_attested_at = now
        self._c.record(actor, "agreement.attest_deletion", "agreement", reference)
        return self.get(reference)

    def visible(self, actor: Principal) -> list[Agreement]:
        """All agreements for administrators and auditors; otherwise those with the caller's organisation."""
        self._c.require(actor.may(Scope.GOVERNANCE_READ), actor, "agreement.list", "agreement", "*")
        with self._c.reading() as session:
            query = select(Agreement).order_by(Agreement.ends_at)
            if not (actor.is_administrator or actor.is_auditor):
                query = query.where(Agreement.organisation_id == actor.organisation_id)
            agreements = list(session.scalars(query).unique())
        self._c.record(actor, "agreement.list", "agreement", "*", detail={"count": len(agreements)})
        return agreements

    def view(self, actor: Principal, reference: str) -> Agreement:
        agreement = self.get(reference)
        allowed = actor.may(Scope.GOVERNANCE_READ) and (
            actor.is_administrator or actor.is_auditor or agreement.organisation_id == actor.organisation_id
        )
        if not allowed:
            self._c.record(actor, "agreement.view", "agreement", reference, outcome="denied")
            raise NotFound(f"no agreement {reference}")
        self._c.record(actor, "agreement.view", "agreement", reference)
        return agreement

    def expiring_soon(self, actor: Principal, within: timedelta = timedelta(days=60)) -> list[Agreement]:
        now = self._c.clock()
        return [
            a
            for a in self.visible(actor)
            if effective_state(a, now) in {AgreementState.ACTIVE, AgreementState.SUSPENDED}
            and min(a.ends_at, a.terminates_at or a.ends_at) <= now + within
        ]

    def get(self, reference: str) -> Agreement:
        with self._c.reading() as session:
            agreement = session.scalar(select(Agreement).where(Agreement.reference == reference))
        if agreement is None:
            raise NotFound(f"no agreement {reference}")
        return agreement

    def in_force(self, organisation_id: int, project_code: str | None = None) -> list[Agreement]:
        """Agreements releasing data to this organisation right now (for one project, if named)."""
        now = self._c.clock()
        with self._c.reading() as session:
            query = select(Agreement).where(
                Agreement.organisation_id == organisation_id,
                Agreement.state == AgreementState.ACTIVE.value,
                Agreement.starts_at <= now,
                Agreement.ends_at > now,
            )
            candidates = list(session.scalars(query).unique())
        return [
            a
            for a in candidates
            if is_in_force(a, now) and (project_code is None or project_code in {p.code for p in a.projects})
        ]

    def projects_in_force(self) -> frozenset[str]:
        """Projects that some agreement in force names right now (with any organisation)."""
        now = self._c.clock()
        with self._c.reading() as session:
            query = select(Agreement).where(
                Agreement.state == AgreementState.ACTIVE.value, Agreement.starts_at <= now, Agreement.ends_at > now
            )
            return frozenset(p.code for a in session.scalars(query).unique() if is_in_force(a, now) for p in a.projects)

    def covered_projects(self, organisation_id: int) -> frozenset[str]:
        return frozenset(p.code for a in self.in_force(organisation_id) for p in a.projects)


def _locked(session: Session, reference: str) -> Agreement:
    agreement = session.scalar(select(Agreement).where(Agreement.reference == reference).with_for_update(of=Agreement))
    if agreement is None:
        raise NotFound(f"no agreement {reference}")
    return agreement


def _admin_write(actor: Principal) -> bool:
    return actor.is_administrator and actor.may(Scope.GOVERNANCE_WRITE)
