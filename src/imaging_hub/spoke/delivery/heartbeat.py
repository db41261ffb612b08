"""The spoke's heartbeat to its hub: that it is up, its outbox by state (its backlog) and whether it accepts
new images, sent by the courier every ``HEARTBEAT_INTERVAL_S`` so the hub's network managers see which
spokes are up, how far behind they are and when each last made contact; and, per project and month, the
participants enrolled (``participants.recruitment``) for the hub's research activity. Counts only: no patient,
study or participant is named. ``enrolled`` is None from a spoke too old to count (the hub keeps what it had)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlalchemy.engine import Connection

from imaging_hub import __version__
from imaging_hub.spoke.delivery import outbox
from imaging_hub.spoke.participants.recruitment import MAX_ENTRIES, EnrolmentCount
from imaging_hub.spoke.state import health

HEARTBEAT_INTERVAL_S = 30.0
OutboxState = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,32}$")]


class SpokeHeartbeat(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site_id: str = Field(min_length=1, max_length=64)
    backlog: dict[OutboxState, Annotated[int, Field(ge=0)]] = Field(default_factory=dict, max_length=16)
    accepting: bool = True  # False while the disk guard refuses new images
    version: str = Field(default="", max_length=32)
    enrolled: list[EnrolmentCount] | None = Field(default=None, max_length=MAX_ENTRIES)

    @model_validator(mode="after")
    def _each_month_once(self) -> SpokeHeartbeat:
        keys = [(e.project_id, e.month) for e in self.enrolled or ()]
        if len(set(keys)) != len(keys):
            raise ValueError("enrolled: a project and month appear more than once")
        return self


def current_heartbeat(
    conn: Connection, site_id: str, enrolled: list[EnrolmentCount] | None = None
) -> SpokeHeartbeat:
    """What the spoke tells the hub now, from its own database (``enrolled``: its recruitment counts)."""
    accepting = health(conn).get("accepting", ("yes", 0.0))[0] != "no"
    return SpokeHeartbeat(
        site_id=site_id, backlog=outbox.backlog(conn), accepting=accepting, version=__version__, enrolled=enrolled
    )
