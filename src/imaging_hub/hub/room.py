"""The hub room: the hub's own domain work over its archive, opened once per process beside the archive."""

from __future__ import annotations

from imaging_hub.events import EventBus
from imaging_hub.hub.caller import AuditSink, no_audit
from imaging_hub.hub.migrate import upgrade
from imaging_hub.hub.reconciliation import Reconciliation
from imaging_hub.hub.spoke_contact import SpokeContacts
from imaging_hub.hub.withdrawal import Withdrawals
from imaging_hub.store import Archive


class HubRoom:
    """``HubRoom.open(archive, audit=sink)``; its tables live in the archive's database."""

    def __init__(self, archive: Archive, audit: AuditSink, events: EventBus) -> None:
        self.archive = archive
        self.events = events
        self.reconciliation = Reconciliation(archive, audit, events)
        self.withdrawals = Withdrawals(archive, audit)
        self.spokes = SpokeContacts(archive, audit)

    @classmethod
    def open(cls, archive: Archive, *, audit: AuditSink = no_audit, events: EventBus | None = None) -> HubRoom:
        """``events``: where ``StudyComplete`` is published (default: the archive's bus)."""
        upgrade(archive.database.writer)
        return cls(archive, audit, events if events is not None else archive.events)
