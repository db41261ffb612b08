"""``Governance``: the one object faces hold. Opens the database, migrates it, and wires the services."""

from __future__ import annotations

from imaging_hub.governance.access import Access
from imaging_hub.governance.agreement_register import AgreementRegister
from imaging_hub.governance.audit import AuditTrail, VerifyReport, verify_chain
from imaging_hub.governance.authority import DataAuthority
from imaging_hub.governance.clock import Clock, system_clock
from imaging_hub.governance.context import Context
from imaging_hub.governance.database import make_engine, migrate
from imaging_hub.governance.directory import Directory
from imaging_hub.governance.exports import Exports
from imaging_hub.governance.projects import Projects
from imaging_hub.governance.snapshots import Snapshots
from imaging_hub.governance.throttle import SignInLimits


class Governance:
    def __init__(self, database_url: str, clock: Clock = system_clock, sign_in: SignInLimits | None = None) -> None:
        """``sign_in``: the sign-in throttle's limits; by default from ``IMAGING_HUB_SIGN_IN_*``."""
        self.engine = make_engine(database_url)
        migrate(self.engine)
        self.clock = clock
        self.audit = AuditTrail(self.engine, clock)
        context = Context(self.engine, clock, self.audit)
        self.directory = Directory(context)
        self.projects = Projects(context)
        self.agreements = AgreementRegister(context)
        self.access = Access(context, sign_in if sign_in is not None else SignInLimits.load())
        self.authority = DataAuthority(self.agreements, self.projects)
        self.snapshots = Snapshots(context, self.projects, self.agreements)
        self.exports = Exports(context, self.snapshots, self.agreements, self.authority)
        self.context = context

    @classmethod
    def open(cls, database_url: str, clock: Clock = system_clock, sign_in: SignInLimits | None = None) -> Governance:
        return cls(database_url, clock, sign_in)

    def verify_audit(self) -> VerifyReport:
        return verify_chain(self.audit.all_in_order(), self.audit.head())

    def close(self) -> None:
        self.engine.dispose()
