"""The extension point: what happened to the hub's data, for any package that wants to hear of it.

A bottom-layer package (imports nothing else of imaging_hub), so engines publish and domain packages
subscribe without knowing each other.

Public surface::

    Origin(interface, principal="", address="")        who caused a change (passed by the caller)
    InstanceStored / InstanceRemoved / StudyComplete    the events (frozen; UIDs and project only)
    Change = InstanceStored | InstanceRemoved           what the archive's change feed replays
    EventBus(): subscribe(EventType, handler) -> unsubscribe; publish(event)
    acting(origin) / current_origin()                   the origin of the work in progress (a context variable)

How a domain package hears about new data::

    unsubscribe = archive.events.subscribe(InstanceStored, on_stored)   # live, after each commit
    for change in archive.changes(since=last_seen, limit=500): ...      # replay: durable, in order

Guarantees: the archive writes each change into its ``changes`` table in the same transaction as the index
write, so the feed holds exactly the committed changes, numbered in commit order. Live events follow the
commit, in sequence order, in the committing thread; they are lost if the process dies between commit and
publish, and a failing handler is logged and skipped. A subscriber that needs at-least-once delivery keeps
the last sequence it finished and replays ``archive.changes(since=that)`` on start (and may ignore live
events with a sequence it has already seen). ``StudyComplete`` comes from the hub room
(``imaging_hub.hub``), live only; its durable form is the hub's reconciliation record.

The governance audit of stores is deliberately not a subscriber: it must record every access, and most
accesses change nothing here (a refused store, a denied caller, a duplicate resend, a conflicting copy), and
the entry's outcome is the request's (partial, denied, invalid), decided in the request before anything is
stored. So DICOMweb and DIMSE audit synchronously in the request, and these events say what entered or left
the archive, for the domain.
"""

from imaging_hub.events.bus import EventBus
from imaging_hub.events.model import Change, Event, InstanceRemoved, InstanceStored, Origin, StudyComplete
from imaging_hub.events.origin import acting, current_origin

__all__ = [
    "Change",
    "Event",
    "EventBus",
    "InstanceRemoved",
    "InstanceStored",
    "Origin",
    "StudyComplete",
    "acting",
    "current_origin",
]
