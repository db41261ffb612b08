"""Where C-MOVE may send: per DICOM peer and per project, not one list for every caller.

The hub's settings list the destinations it can reach (AE title, host, port): an address book. Governance says
who may use which: a peer may name a destination only when it is configured for that peer, and an instance
goes there only when its project allows that destination too. Nothing is configured by default, so a new peer
or project moves nowhere. Network administrators change both lists; every change is audited.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from imaging_hub.governance.context import Context
from imaging_hub.governance.errors import InvalidInput, NotFound
from imaging_hub.governance.principal import Principal
from imaging_hub.governance.roles import Scope
from imaging_hub.governance.tables import DimsePeer, PeerDestination, Project, ProjectDestination

_MAX_AE_TITLE = 16


def _ae_title(text: str) -> str:
    title = text.strip()
    if not 1 <= len(title) <= _MAX_AE_TITLE or "\\" in title:
        raise InvalidInput("a move destination's AE title must be 1-16 characters without a backslash")
    return title


class MoveDestinations:
    """The per-peer and per-project C-MOVE destination lists."""

    def __init__(self, context: Context) -> None:
        self._c = context

    def allow_for_peer(self, actor: Principal, ae_title: str, address: str, destination: str) -> None:
        self._change_peer(actor, ae_title, address, destination, allow=True)

    def forbid_for_peer(self, actor: Principal, ae_title: str, address: str, destination: str) -> None:
        self._change_peer(actor, ae_title, address, destination, allow=False)

    def allow_for_project(self, actor: Principal, code: str, destination: str) -> None:
        self._change_project(actor, code, destination, allow=True)

    def forbid_for_project(self, actor: Principal, code: str, destination: str) -> None:
        self._change_project(actor, code, destination, allow=False)

    def for_peer(self, ae_title: str, address: str) -> frozenset[str]:
        """The destinations the peer mapped for this AE title and address may name (exact address first)."""
        with self._c.reading() as session:
            peers = list(
                session.scalars(
                    select(DimsePeer).where(
                        DimsePeer.ae_title == ae_title.strip(), DimsePeer.address.in_([address, "*"])
                    )
                )
            )
            if not peers:
                return frozenset()
            peer = min(peers, key=lambda p: p.address == "*")
            return frozenset(
                session.scalars(select(PeerDestination.destination).where(PeerDestination.peer_id == peer.id))
            )

    def projects_for(self, destination: str) -> frozenset[str]:
        """The codes of the projects whose instances may go to ``destination``."""
        with self._c.reading() as session:
            return frozenset(
                session.scalars(
                    select(Project.code)
                    .join(ProjectDestination, ProjectDestination.project_id == Project.id)
                    .where(ProjectDestination.destination == destination.strip())
                )
            )

    def _change_peer(self, actor: Principal, ae_title: str, address: str, destination: str, *, allow: bool) -> None:
        action = "dimse_peer.allow_move" if allow else "dimse_peer.forbid_move"
        self._c.require(actor.is_administrator and actor.may(Scope.GOVERNANCE_WRITE), actor, action, "ae", ae_title)
        destination = _ae_title(destination)
        with self._c.transaction() as session:
            peer = session.scalar(
                select(DimsePeer).where(DimsePeer.ae_title == ae_title.strip(), DimsePeer.address == address.strip())
            )
            if peer is None:
                raise NotFound("no DICOM peer with that AE title and address")
            kept = session.scalar(
                select(PeerDestination).where(
                    PeerDestination.peer_id == peer.id, PeerDestination.destination == destination
                )
            )
            if allow and kept is None:
                session.add(PeerDestination(peer_id=peer.id, destination=destination))
            elif not allow:
                session.execute(
                    delete(PeerDestination).where(
                        PeerDestination.peer_id == peer.id, PeerDestination.destination == destination
                    )
                )
        self._c.record(
            actor, action, "ae", ae_title.strip(), detail={"address": address.strip(), "destination": destination}
        )

    def _change_project(self, actor: Principal, code: str, destination: str, *, allow: bool) -> None:
        action = "project.allow_move" if allow else "project.forbid_move"
        self._c.require(actor.is_administrator and actor.may(Scope.GOVERNANCE_WRITE), actor, action, "project", code)
        destination = _ae_title(destination)
        with self._c.transaction() as session:
            project = session.scalar(select(Project).where(Project.code == code.strip()))
            if project is None:
                raise NotFound("no project with that code")
            kept = session.scalar(
                select(ProjectDestination).where(
                    ProjectDestination.project_id == project.id, ProjectDestination.destination == destination
                )
            )
            if allow and kept is None:
                session.add(ProjectDestination(project_id=project.id, destination=destination))
            elif not allow:
                session.execute(
                    delete(ProjectDestination).where(
                        ProjectDestination.project_id == project.id, ProjectDestination.destination == destination
                    )
                )
        self._c.record(
            actor, action, "project", code.strip(), project=code.strip(), detail={"destination": destination}
        )
