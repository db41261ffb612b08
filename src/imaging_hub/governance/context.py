"""What every governance service shares: the database, the clock and the audit trail."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from imaging_hub.governance.audit import AuditRecord, AuditTrail
from imaging_hub.governance.clock import Clock
from imaging_hub.governance.errors import Forbidden
from imaging_hub.governance.principal import Principal
from imaging_hub.governance.tables import Generation


@dataclass(frozen=True)
class Context:
    engine: Engine  # writes
    clock: Clock
    audit: AuditTrail
    reader: Engine  # reads, which on SQLite never wait for a writer

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write; it moves the generation number in the same commit, so cached callers are dropped."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session
            session.execute(update(Generation).where(Generation.id == 1).values(value=Generation.value + 1))

    def generation(self) -> int:
        """The generation number now: one small read (see ``caller_cache``)."""
        with self.reader.connect() as conn:
            return int(conn.execute(select(Generation.value).where(Generation.id == 1)).scalar_one())

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with Session(self.reader, expire_on_commit=False) as session:
            yield session

    def record(
        self,
        actor: Principal,
        action: str,
        entity_type: str,
        entity_id: str | int,
        *,
        project: str = "",
        outcome: str = "success",
        purpose: str = "governance",
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        self.audit.record(
            AuditRecord(
                actor=actor.audit_name,
                actor_kind=actor.via,
                address=actor.address,
                action=action,
                entity_type=entity_type,
                entity_id=str(entity_id),
                project=project,
                purpose=purpose,
                outcome=outcome,
                detail=detail or {},
            )
        )

    def require(self, allowed: bool, actor: Principal, action: str, entity_type: str, entity_id: str | int) -> None:
        """Refuse (and record the refusal) unless ``allowed``."""
        if not allowed:
            self.record(actor, action, entity_type, entity_id, outcome="denied")
            raise Forbidden(f"not allowed to {action.replace('.', ' ')}")

    def audit_anonymous(
        self, action: str, address: str, outcome: str = "denied", detail: Mapping[str, Any] | None = None
    ) -> None:
        """A refusal before anyone is known (bad password, bad token). The attempted name is not kept."""
        self.audit.record(
            AuditRecord(
                actor="anonymous",
                actor_kind="anonymous",
                address=address,
                action=action,
                entity_type="session",
                entity_id="-",
                purpose="authentication",
                outcome=outcome,
                detail=detail or {},
            )
        )
