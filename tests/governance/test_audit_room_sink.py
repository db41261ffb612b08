"""A domain room's audit entry, handed to the sink a face gives the room, lands in the governance trail as each
face has always written it: the same actor, kind, address, project, purpose, outcome and detail.

The expected rows are spelled out field by field, so this test pins the records themselves, not the code that
writes them (each face once had its own copy; they were checked against this test before becoming
``governance.TrailSink``). Each face's sink is the one the face really passes to its room (the rooms keep it as
``_audit``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from imaging_hub import actors, assurance, labelling
from imaging_hub.api import network_audit
from imaging_hub.api.spoke_routes import governance_audit
from imaging_hub.cli._hub_session import HubSession
from imaging_hub.governance import Governance, Principal, TrailSink
from imaging_hub.governance import administration as admin
from imaging_hub.hub import Caller
from imaging_hub.network.operations import Actor as NetworkActor
from imaging_hub.store import Archive
from imaging_hub.web.assurance_pages import _open_room
from imaging_hub.web.labelling_desk import LabellingDesk

DETAIL = {"reason": "not a reader of this task", "slot": 3, "studies": ["1.2.826.0.1.7"]}

SinkOf = Callable[[Governance, Archive, Principal], actors.AuditSink]

# face: (how the face makes its room's sink, the actor that face builds, the row the trail must hold)
FACES: dict[str, tuple[SinkOf, actors.Actor, dict[str, str]]] = {
    "web labelling desk": (
        lambda gov, archive, _: LabellingDesk.open(gov, archive).room._audit,
        labelling.Actor("reader@uni.example", kind="session", address="10.0.0.7"),
        {"actor": "reader@uni.example", "actor_kind": "session", "address": "10.0.0.7", "project": "LUNG1",
         "purpose": ""},
    ),
    "web assurance pages": (
        lambda gov, archive, _: _open_room(gov, archive)._audit,
        assurance.Actor("lead@uni.example", manages=frozenset({"LUNG1"})),
        {"actor": "lead@uni.example", "actor_kind": "user", "address": "", "project": "LUNG1", "purpose": ""},
    ),
    "api network rooms": (
        lambda gov, *_: network_audit(gov),
        NetworkActor("dm@site.example", "token", "10.0.0.9", manager=False,
                     audit_name="dm@site.example (token nightly)"),
        {"actor": "dm@site.example (token nightly)", "actor_kind": "token", "address": "10.0.0.9", "project": "",
         "purpose": "network"},
    ),
    "api spoke routes": (
        lambda gov, *_: governance_audit(gov),
        Caller("site-a gateway (token spoke)", "token", "10.1.1.1", projects=frozenset({"LUNG1"})),
        {"actor": "site-a gateway (token spoke)", "actor_kind": "token", "address": "10.1.1.1", "project": "LUNG1",
         "purpose": "spoke"},
    ),
    "cli hub session": (
        lambda gov, archive, operator: HubSession(gov, archive, operator).room_audit(),
        labelling.Actor(admin.local_operator().audit_name, kind="cli", manages=None),
        {"actor": admin.local_operator().audit_name, "actor_kind": "cli", "address": "", "project": "LUNG1",
         "purpose": ""},
    ),
    # The demo's rooms take the sink as it is.
    "demo labelling": (
        lambda gov, *_: TrailSink(gov.audit),
        labelling.Actor("reader1@uni.example"),
        {"actor": "reader1@uni.example", "actor_kind": "person", "address": "", "project": "DEMO1", "purpose": ""},
    ),
    "demo assurance": (
        lambda gov, *_: TrailSink(gov.audit),
        assurance.Actor("lead@uni.example", kind="demo", manages=None),
        {"actor": "lead@uni.example", "actor_kind": "demo", "address": "", "project": "DEMO1", "purpose": ""},
    ),
}


def trail_row(gov: Governance) -> dict[str, Any]:
    (row,) = gov.audit.all_in_order()
    return {name: getattr(row, name) for name in ("actor", "actor_kind", "address", "action", "entity_type",
                                                   "entity_id", "project", "purpose", "outcome", "detail")}


@pytest.mark.parametrize("face", FACES)
def test_a_room_entry_lands_in_the_trail_as_the_face_wrote_it(gov: Governance, archive: Archive, face: str) -> None:
    make_sink, actor, expected = FACES[face]
    sink = make_sink(gov, archive, admin.local_operator())
    # The entry as that face's rooms make it: the network rooms name no project.
    sink(actors.AuditEntry(actor, "room.thing.change", "room_thing", "42", project=expected["project"],
                           outcome="denied", detail=DETAIL))
    assert trail_row(gov) == {**expected, "action": "room.thing.change", "entity_type": "room_thing",
                              "entity_id": "42", "outcome": "denied",
                              "detail": json.dumps(DETAIL, sort_keys=True, separators=(",", ":"))}
