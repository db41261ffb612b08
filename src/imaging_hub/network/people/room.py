"""The network's people at the hub: profiles, mentoring requests with their explained matches, and the pairing
history, in the hub's database under their own Alembic history.

Opened once per process with the face's audit sink. Each change is decided and audited here, refusals included:
a person edits only their own profile and asks for mentoring for themselves; a network manager runs the matching
and accepts a proposed match, which becomes a pairing; either member of a pairing, or a network manager, ends it
with its outcome. Each step from request to ended pairing is kept with who and when (``history``). Reads are
plain; the face audits each view.
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
from imaging_hub.network.people.profiles import MentoringRequest, Pairing, Profile, Step

MAX_OUTCOME = 1000  # why a pairing ended: the column's width, refused beyond rather than cut


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

    def _step(self, db: sa.Connection, request_id: str, step: str, actor: Actor, note: str = "") -> None:
        """One step of a request's history, in the transaction that takes it."""
        db.execute(
            t.step.insert().values(
                request_id=request_id,
                taken_at=self._clock().astimezone(UTC).replace(tzinfo=None),
                step=step,
                actor=actor.name[:254],
                note=note[:1000],
            )
        )

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
            self._step(db, request_id, "asked", actor, note)
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
        waiting = {v.request.request_id: v for v in self.requests() if v.status != "paired"}
        matches = match_mentors([v.request for v in waiting.values()], self.profiles(), self.pairings())
        with self._engine.begin() as db:
            for m in matches:
                before, status = waiting[m.request_id], "proposed" if m.mentor else "open"
                if (before.status, before.mentor) != (status, m.mentor) or not before.reason:  # a new step only
                    self._step(db, m.request_id, "proposed" if m.mentor else "unmatched", actor, m.reason)
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
        # Refusals are audited outside the write transaction: the audit may share the database's one writer.
        with self._engine.connect() as db:
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
        with self._engine.begin() as db:
            pairing = Pairing(
                request_id,
                row["person"],
                row["mentor"],
                self._clock().date(),
                row["reason"],
                skills=frozenset(json.loads(row["skills"])),
            )
            accepted = db.execute(
                t.request.update()
                .where(
                    t.request.c.request_id == request_id,
                    t.request.c.status == "proposed",
                    t.request.c.mentor == row["mentor"],
                )
                .values(status="paired")
            ).rowcount
            if accepted:
                self._step(db, request_id, "paired", actor, pairing.reason)
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
        if not accepted:  # accepted, or matched again, by another request between the read and the write
            changed = NetworkInputError("mentoring request: the match changed meanwhile")
            raise self._bad(actor, "mentoring.accept", request_id, changed)
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
                r["ended_by"] or "",
            )
            for r in rows
        ]

    def end_pairing(self, actor: Actor, request_id: str, outcome: str, on: date | None = None) -> Pairing:
        """End an active pairing with its outcome (why it ended); a member of the pair or a network manager's step.
        Kept in the pairing (``ended_by``, ``end``, ``outcome``) and as the ``ended`` step of its history."""
        entity = request_id[:40]
        # Decided on a read, audited outside any write transaction: the audit may share the database's one writer.
        with self._engine.connect() as db:
            row = db.execute(sa.select(t.pairing).where(t.pairing.c.request_id == entity)).mappings().first()
        if row is None:
            self._record(actor, "mentoring.end", entity, "denied", reason="no such pairing")
            raise NetworkNotFound("no mentoring pairing with that id")
        member = actor.name.lower() in (row["mentee"].lower(), row["mentor"].lower())
        if not (member or actor.manager):
            why_not = "only a member of the pairing or a network manager ends it"
            raise self._refuse(actor, "mentoring.end", entity, why_not)
        end, why = on or self._clock().date(), outcome.strip()
        try:
            if row["end"] is not None:
                raise NetworkInputError(f"mentoring pairing: it ended already, on {row['end'].isoformat()}")
            if not why or len(why) > MAX_OUTCOME:
                raise NetworkInputError(f"mentoring pairing: the outcome is 1 to {MAX_OUTCOME} characters")
            if end < row["start"]:
                raise NetworkInputError("mentoring pairing: it cannot end before it started")
        except NetworkInputError as exc:
            raise self._bad(actor, "mentoring.end", entity, exc) from None
        with self._engine.begin() as db:
            done = db.execute(
                t.pairing.update()
                .where(t.pairing.c.request_id == entity, t.pairing.c.end.is_(None))
                .values(end=end, outcome=why, ended_by=actor.name[:254])
            ).rowcount
            if done:
                self._step(db, entity, "ended", actor, why)
        if not done:  # another request ended it between the read and the write
            raise self._bad(actor, "mentoring.end", entity, NetworkInputError("mentoring pairing: it ended already"))
        self._record(actor, "mentoring.end", entity, member=member)
        [pairing] = [p for p in self.pairings(row["mentee"]) if p.request_id == entity]
        return pairing

    def history(self, request_id: str | None = None, person: str | None = None) -> list[Step]:
        """The steps from request to ended pairing, oldest first: of one request, or of every request a person
        asked or mentors (as proposed or paired mentor), or of all."""
        query = sa.select(t.step).order_by(t.step.c.taken_at, t.step.c.step_id)
        if request_id is not None:
            query = query.where(t.step.c.request_id == request_id[:40])
        if person is not None:
            who = person.lower()
            theirs = sa.select(t.request.c.request_id).where(
                sa.or_(t.request.c.person == who, t.request.c.mentor == who)
            )
            paired = sa.select(t.pairing.c.request_id).where(
                sa.or_(t.pairing.c.mentee == who, t.pairing.c.mentor == who)
            )
            query = query.where(t.step.c.request_id.in_(theirs.union(paired)))
        with self._engine.connect() as db:
            rows = db.execute(query).mappings().all()
        return [
            Step(r["request_id"], r["taken_at"].replace(tzinfo=UTC), r["step"], r["actor"], r["note"]) for r in rows
        ]
