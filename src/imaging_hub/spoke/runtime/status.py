"""What `imaging-hub spoke status` shows, read from the data folder (the spoke need not be running)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from imaging_hub.spoke.delivery import outbox
from imaging_hub.spoke.delivery.reconciliation import StudyReport, study_reports
from imaging_hub.spoke.participants.register import RegisterStatus, register_status
from imaging_hub.spoke.state import connect, health
from imaging_hub.spoke.tables import decision, withdrawal

HEARTBEAT_STALE_S = 10.0


@dataclass
class SpokeStatus:
    running: bool
    health: dict[str, str]
    backlog: dict[str, int]
    dropped: dict[str, int]  # reason -> instances
    opt_out: RegisterStatus
    withdrawals_pending: int
    studies: list[StudyReport] = field(default_factory=list)

    @classmethod
    def read(cls, data_dir: Path, project_id: str | None = None) -> SpokeStatus:
        conn = connect(data_dir)
        try:
            raw = health(conn)
            beat = raw.get("heartbeat")
            running = beat is not None and beat[0] != "stopped" and time.time() - beat[1] < HEARTBEAT_STALE_S
            dropped: dict[str, int] = {
                reason: n for reason, n in conn.execute(
                    select(decision.c.reason, func.sum(decision.c.instances))
                    .where(decision.c.decision.in_(("dropped", "not pulled"))).group_by(decision.c.reason)
                )
            }
            pending = conn.scalar(select(func.count()).where(withdrawal.c.hub_notified_at.is_(None))) or 0
            return cls(
                running=running, health={k: v for k, (v, _) in raw.items()}, backlog=outbox.backlog(conn),
                dropped=dropped, opt_out=register_status(conn), withdrawals_pending=pending,
                studies=study_reports(conn, project_id),
            )
        finally:
            conn.close()
