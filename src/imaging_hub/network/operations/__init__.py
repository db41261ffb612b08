"""The network room's persistence at the hub: the register of sites and scanners (with proposals from arriving
data), research sessions and bookings, reporters, reporting tasks and every worklist step, in the hub's database
under their own Alembic history (``alembic_version_network``).

Surface: ``NetworkRoom.open(engine, audit=sink)`` with an ``Actor`` per call; the face passes the governance audit
trail in as the ``AuditSink`` (each ``AuditEntry``), so this room never imports governance. ``DeviceSeen`` is what
an arriving instance says about its scanner. ``TaskView``/``ReporterView`` are what the room reads back.
"""

from imaging_hub.network.operations.actor import Actor, AuditEntry, AuditSink, no_audit
from imaging_hub.network.operations.devices import DeviceSeen
from imaging_hub.network.operations.errors import NetworkNotFound, NetworkRefused
from imaging_hub.network.operations.migrate import VERSION_TABLE
from imaging_hub.network.operations.room import DEFAULT_PATHWAYS, NetworkRoom, ReporterView, TaskView

__all__ = [
    "DEFAULT_PATHWAYS",
    "VERSION_TABLE",
    "Actor",
    "AuditEntry",
    "AuditSink",
    "DeviceSeen",
    "NetworkNotFound",
    "NetworkRefused",
    "NetworkRoom",
    "ReporterView",
    "TaskView",
    "no_audit",
]
