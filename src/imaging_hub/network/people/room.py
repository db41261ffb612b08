"""The network's people at the hub: profiles, mentoring requests with their explained matches, and the pairing
history, in the hub's database under their own Alembic history.

Opened once per process with the face's audit sink. Each change is decided and audited here, refusals included:
a person edits only their own profile and asks for mentoring for themselves; a network manager runs the matching
and accepts a proposed match, which becomes a pairing. Reads are plain; the face audits each view.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

import sqlalchemy as sa

from imaging_hub.database import Room
from imaging_hub.network.errors import NetworkInputError
from imaging_hub.network.operations import Actor, AuditEntry, NetworkNotFound, NetworkRefused
from imaging_hub.network.people import tables as t
from imaging_hub.network.people.codec import MAX_ITEMS, MAX_TEXT, checked, profile_document, profile_of
from imaging_hub.network.people.database import MIGRATIONS
from imaging_hub.network.people.matching import Match, match_mentors
from imaging_hub.network.people.profiles import MentoringRequest, Pairing, Profile


@dataclass(frozen=True)
class RequestView:
    """A mentoring request with where it stands: open, proposed (a mentor and the reason) or paired."""

    request: MentoringRequest
    status: str
    mentor: str | None
    reason: str


class PeopleRoom(Room):
    """``PeopleRoom.open(engine, audit=sink)``: the engine of the hub's database (the archive's writer)."""

    migrations = MIGRATIONS

    def _record(self, actor: Actor, action: str, entity_id: str, outcome: str = "success", **detail: Any) -> None:
        self._audit(AuditEntry(actor, f"network.people.{action}", "network_person", entity_id, outcome=outcome,
                               detail=detail))

    def _refuse(self, actor: Actor, action: str, entity_id: str, why: str) -> NetworkRefused:
        self._record(actor, action, entity_id, "denied", reason=why)
        return NetworkRefused(why)

    def _bad(self, actor: Actor, action: str, entity_id: str, exc: NetworkInputError) -> NetworkInputError:
        self._record(actor, action, entity_id, "denied", reason=str(exc))
        return exc

    # --- profiles ----------------------------------------------------------------------------------------

    def save_profile(self, actor: Actor, profile: Profile) -> None:
        """Add or replace the actor's own profile; nobody, a manager included, edits another person's."""
        if profile.person.lower() != actor.name.lower():
            raise self._refuse(actor, "profile.save", "profile", "a person edits only their own profile")
        try:
            checked(profile)
        except NetworkInputError as exc:
            raise self._bad(actor, "profile.save", "profile", exc) from None
        values = {
            "site": profile.site,
            "region": profile.region,
            "champion": profile.champion,
            "document": profile_document(profile),
            "updated_at": self._clock().astimezone(UTC).replace(tzinfo=None),
        }
        person = actor.name.lower()
        with self._engine.begin() as db:
            if not db.execute(t.profile.update().where(t.profile.c.person == person).values(**values)).rowcount:
                db.execute(t.profile.insert().values(person=person, **values))
        self._record(actor, "profile.save", "profile", champion=profile.champion, skills=len(profile.skills))

    def profile(self, person: str) -> Profile | None:
        with self._engine.connect() as db:
            document = db.execute(
                sa.select(t.profile.c.document).where(t.profile.c.person == person.lower())
            ).scalar_one_or_none()
        return None if document is None else profile_of(document)

    def profiles(self) -> list[Profile]:
        query = sa.select(t.profile.c.document).order_by(t.profile.c.region, t.profile.c.site, t.profile.c.person)
        with self._engine.connect() as db:
            return [profile_of(d) for d in db.execute(query).scalars()]

    # --- mentoring ---------------------------------------------------------------------------------------

    def ask(self, actor: Actor, skills: frozenset[str], hours: int = 2, note: str = "") -> str:
        """A mentoring request by the actor for themselves, from their profile's site; its new id."""
        mine = self.profile(actor.name)
        if mine is None:
            raise self._refuse(actor, "mentoring.ask", "request", "fill in your profile before asking for mentoring")
        request_id = uuid.uuid4().hex[:16]
        try:
            if len(skills) > MAX_ITEMS or any(len(s) > MAX_TEXT or not s.strip() for s in skills):
                raise NetworkInputError(f"mentoring request: 1 to {MAX_ITEMS} skills of 1 to {MAX_TEXT} characters")
            if len(note) > 1000 or hours > 40:
                raise NetworkInputError("mentoring request: a note of at most 1000 characters, at most 40 hours")
            MentoringRequest(request_id, mine.person, mine.site, skills, hours, note)
        except NetworkInputError as exc:
            raise self._bad(actor, "mentoring.ask", "request", exc) from None
        with self._engine.begin() as db:
            db.execute(
                t.request.insert().values(
                    request_id=request_id,
                    person=mine.person,
                    site=mine.site,
                    skills=json.dumps(sorted(skills)),
                    hours=hours,
                    note=note,
                    status="open",
                    mentor=None,
                    reason="",
                    created_at=self._clock().astimezone(UTC).replace(tzinfo=None),
                )
            )
        self._record(actor, "mentoring.ask", request_id, skills=len(skills))
        return request_id

    def requests(self, person: str | None = None) -> list[RequestView]:
        query = sa.select(t.request).order_by(t.request.c.created_at, t.request.c.request_id)
        if person is not None:
            query = query.where(t.request.c.person == person.lower())
        with self._engine.connect() as db:
            rows = db.execute(query).mappings().all()
        return [
            RequestView(
                MentoringRequest(
                    r["request_id"], r["person"], r["site"], frozenset(json.loads(r["skills"])), r["hours"], r["note"]
                ),
                r["status"],
                r["mentor"],
                r["reason"],
            )
            for r in rows
        ]

    def run_matching(self, actor: Actor) -> list[Match]:
        """Match every request not yet paired (scipy's assignment solver, ``match_mentors``) and keep each
        proposal with its reason; a network manager's step."""
        if not actor.manager:
            raise self._refuse(actor, "mentoring.match", "requests", "only a network manager runs the matching")
        waiting = [v.request for v in self.requests() if v.status != "paired"]
        matches = match_mentors(waiting, self.profiles(), self.pairings())
        with self._engine.begin() as db:
            for m in matches:
                db.execute(
                    t.request.update()
                    .where(t.request.c.request_id == m.request_id)
                    .values(status="proposed" if m.mentor else "open", mentor=m.mentor, reason=m.reason[:1000])
                )
        self._record(
            actor, "mentoring.match", "requests", requests=len(matches), matched=sum(1 for m in matches if m.mentor)
        )
        return matches

    def accept(self, actor: Actor, request_id: str) -> Pairing:
        """The proposed match of a request becomes a pairing in the history, from today."""
        if not actor.manager:
            raise self._refuse(actor, "mentoring.accept", request_id[:40], "only a network manager accepts a match")
        with self._engine.begin() as db:
            row = db.execute(sa.select(t.request).where(t.request.c.request_id == request_id)).mappings().first()
            if row is None:
                self._record(actor, "mentoring.accept", request_id[:40], "denied", reason="no such request")
                raise NetworkNotFound("no mentoring request with that id")
            if row["status"] != "proposed" or not row["mentor"]:
                raise self._bad(
                    actor,
                    "mentoring.accept",
                    request_id,
                    NetworkInputError("mentoring request: no proposed match to accept"),
                )
            pairing = Pairing(
                request_id,
                row["person"],
                row["mentor"],
                self._clock().date(),
                row["reason"],
                skills=frozenset(json.loads(row["skills"])),
            )
            db.execute(t.request.update().where(t.request.c.request_id == request_id).values(status="paired"))
            db.execute(
                t.pairing.insert().values(
                    request_id=request_id,
                    mentee=pairing.mentee,
                    mentor=pairing.mentor,
                    reason=pairing.reason,
                    skills=json.dumps(sorted(pairing.skills)),
                    start=pairing.start,
                    end=None,
                    outcome="",
                )
            )
        self._record(actor, "mentoring.accept", request_id)
        return pairing

    def pairings(self, person: str | None = None) -> list[Pairing]:
        query = sa.select(t.pairing).order_by(t.pairing.c.start, t.pairing.c.request_id)
        if person is not None:
            who = person.lower()
            query = query.where(sa.or_(t.pairing.c.mentee == who, t.pairing.c.mentor == who))
        with self._engine.connect() as db:
            rows = db.execute(query).mappings().all()
        return [
            Pairing(
                r["request_id"],
                r["mentee"],
                r["mentor"],
                r["start"],
                r["reason"],
                r["end"],
                r["outcome"],
                frozenset(json.loads(r["skills"])),
            )
            for r in rows
        ]

    def end_pairing(self, actor: Actor, request_id: str, outcome: str, on: date | None = None) -> None:
        """Close an active pairing with its outcome (a network manager's step)."""
        if not actor.manager:
            raise self._refuse(actor, "mentoring.end", request_id[:40], "only a network manager ends a pairing")
        with self._engine.begin() as db:
            done = db.execute(
                t.pairing.update()
                .where(t.pairing.c.request_id == request_id, t.pairing.c.end.is_(None))
                .values(end=on or self._clock().date(), outcome=outcome[:1000])
            ).rowcount
        if not done:
            self._record(actor, "mentoring.end", request_id[:40], "denied", reason="no active pairing")
            raise NetworkNotFound("no active pairing for that request")
        self._record(actor, "mentoring.end", request_id)
