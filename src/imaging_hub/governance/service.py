"""``Governance``: the one object faces hold. Opens the database, migrates it, and wires the services."""

from __future__ import annotations

from pathlib import Path

from imaging_hub.config import HubSettings
from imaging_hub.governance.access import Access
from imaging_hub.governance.agreement_register import AgreementRegister
from imaging_hub.governance.audit import (
    AuditKeys,
    AuditTrail,
    ChangeFeed,
    Checkpoint,
    VerifyReport,
    settle_stored,
    verify_chain,
)
from imaging_hub.governance.authority import DataAuthority
from imaging_hub.governance.clock import Clock, system_clock
from imaging_hub.governance.context import Context
from imaging_hub.governance.database import Database, migrate
from imaging_hub.governance.directory import Directory
from imaging_hub.governance.exports import Exports
from imaging_hub.governance.move_destinations import MoveDestinations
from imaging_hub.governance.projects import Projects
from imaging_hub.governance.snapshots import Snapshots
from imaging_hub.governance.throttle import SignInLimits


class Governance:
    def __init__(self, database_url: str, clock: Clock = system_clock, sign_in: SignInLimits | None = None, *,
                 audit_keys: Path | None = None, checkpoints: Path | None = None) -> None:
        """``sign_in``: the sign-in throttle's limits; by default from ``IMAGING_HUB_SIGN_IN_*``. ``audit_keys``:
        the folder of the audit chain's keys (made on first use); without it the chain is hashed but not keyed
        (tests, tools). ``checkpoints``: where periodic signed checkpoints go."""
        self.database = Database(database_url)
        migrate(self.database)
        self.engine = self.database.writer  # on SQLite its transactions take the write lock at their start
        self.clock = clock
        keys = None
        if audit_keys is not None:
            keys = AuditKeys.open(audit_keys, AuditTrail(self.engine, clock, reader=self.database.reader).head()[0])
        self.audit = AuditTrail(self.engine, clock, keys, checkpoints, reader=self.database.reader)
        context = Context(self.engine, clock, self.audit, reader=self.database.reader)
        self.directory = Directory(context)
        self.projects = Projects(context)
        self.agreements = AgreementRegister(context)
        self.access = Access(context, sign_in if sign_in is not None else SignInLimits.load())
        self.authority = DataAuthority(self.agreements, self.projects)
        self.move_destinations = MoveDestinations(context)
        self.snapshots = Snapshots(context, self.projects, self.agreements)
        self.exports = Exports(context, self.snapshots, self.agreements, self.authority)
        self.context = context

    @classmethod
    def open(cls, database_url: str, clock: Clock = system_clock, sign_in: SignInLimits | None = None, *,
             audit_keys: Path | None = None, checkpoints: Path | None = None) -> Governance:
        return cls(database_url, clock, sign_in, audit_keys=audit_keys, checkpoints=checkpoints)

    @classmethod
    def open_hub(cls, settings: HubSettings, clock: Clock = system_clock) -> Governance:
        """A hub's governance as its settings say: its database, its audit keys and checkpoint folder. Every
        face opens it this way, so none can write an unkeyed entry into a keyed chain."""
        return cls.open(settings.database_url, clock, audit_keys=settings.audit_key_folder,
                        checkpoints=settings.audit_checkpoint_folder)

    def verify_audit(self, checkpoint: Checkpoint | None = None) -> VerifyReport:
        """Check the whole chain (keyed entries with their keys), and against ``checkpoint`` if given."""
        return verify_chain(self.audit.all_in_order(), self.audit.head(), self.audit.keys, checkpoint)

    def settle_stored(self, feed: ChangeFeed) -> int:
        """Audit what a crash left stored but unaudited (``audit.settle_stored``); call before serving."""
        return settle_stored(self.audit, self.engine, feed)

    def close(self) -> None:
        self.database.dispose()
