"""The one way a domain room opens (``database.Room``) and the shared actor and audit entry (``actors``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest
import sqlalchemy as sa

from imaging_hub import actors, assurance, hub, labelling
from imaging_hub.actors import Actor, AuditEntry, no_audit
from imaging_hub.database import Migrations, Room, create_engine
from imaging_hub.network import operations

ENV = '''
from alembic import context

context.configure(connection=context.config.attributes["connection"], version_table="alembic_version_room_test")
with context.begin_transaction():
    context.run_migrations()
'''

REVISION = '''
import sqlalchemy as sa
from alembic import op

revision = "room_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("room_test_note", sa.Column("id", sa.Integer, primary_key=True), sa.Column("text", sa.String))
'''


def _chain(folder: Path) -> Migrations:
    (folder / "versions").mkdir(parents=True)
    (folder / "env.py").write_text(ENV)
    (folder / "versions" / "room_0001.py").write_text(REVISION)
    return Migrations(folder, "alembic_version_room_test")


def test_a_room_opens_on_the_engine_with_its_chain_at_head_its_sink_and_its_clock(tmp_path: Path) -> None:
    class NoteRoom(Room):
        migrations = _chain(tmp_path / "migrations")

        def add(self, actor: Actor, text: str) -> None:
            with self.engine.begin() as conn:
                conn.execute(sa.text("INSERT INTO room_test_note (text) VALUES (:t)"), {"t": text})
            self._audit(AuditEntry(actor, "note.add", "note", text, detail={"at": self._clock().isoformat()}))

    engine = create_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    entries: list[AuditEntry] = []
    fixed = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    room = NoteRoom.open(engine, audit=entries.append, clock=lambda: fixed)
    room.add(Actor("reader@example.nhs.uk"), "first")
    again = NoteRoom.open(engine)  # a second process: the chain is current, the rows are kept
    with again.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT text FROM room_test_note")).scalars().all() == ["first"]
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version_room_test")).scalar() == "room_0001"
    assert isinstance(again, NoteRoom) and again.engine is engine
    [entry] = entries
    assert (entry.actor.name, entry.action, entry.outcome, entry.project) == ("reader@example.nhs.uk", "note.add",
                                                                            "success", "")
    assert entry.detail == {"at": fixed.isoformat()}
    engine.dispose()


def test_what_follows_an_entrys_target_is_named_so_a_room_cannot_file_an_outcome_as_a_project() -> None:
    actor = Actor("a@example.nhs.uk")
    with pytest.raises(TypeError):
        AuditEntry(actor, "x.refuse", "task", "1", "denied")  # type: ignore[misc]
    entry = AuditEntry(actor, "x.refuse", "task", "1", outcome="denied", detail={"reason": "not a manager"})
    assert (entry.project, entry.outcome) == ("", "denied")
    no_audit(entry)  # records nothing and raises nothing


def test_a_rooms_actor_adds_its_permissions_after_who_the_caller_is() -> None:
    @dataclass(frozen=True)
    class ProjectActor(Actor):
        manages: frozenset[str] | None = frozenset()

    actor = ProjectActor("lead@example.nhs.uk", "person", "10.0.0.1", frozenset({"LUNG1"}), audit_name="lead (token)")
    assert (actor.name, actor.address, actor.manages, actor.audit_name) == (
        "lead@example.nhs.uk", "10.0.0.1", frozenset({"LUNG1"}), "lead (token)")


@pytest.mark.parametrize("room", [labelling, assurance, operations, hub], ids=lambda r: r.__name__)
def test_every_room_names_the_one_audit_entry_and_sink_and_an_actor_built_on_the_shared_one(room: ModuleType) -> None:
    assert room.AuditEntry is actors.AuditEntry
    assert room.AuditSink is actors.AuditSink
    assert room.no_audit is actors.no_audit
    assert issubclass(room.Caller if room is hub else room.Actor, actors.Actor)
