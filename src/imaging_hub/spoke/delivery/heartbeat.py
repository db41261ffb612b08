"""The spoke's heartbeat to its hub: that it is up, its outbox by state (its backlog) and whether it accepts
new images, sent by the courier every ``HEARTBEAT_INTERVAL_S`` so the hub's network managers see which
spokes are up, how far behind they are and when each last made contact. Counts only: no patient, study or
participant is named."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.engine import Connection

from imaging_hub import __version__
from imaging_hub.spoke.delivery import outbox
from imaging_hub.spoke.state import health

HEARTBEAT_INTERVAL_S = 30.0
OutboxState = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,32}$")]


class SpokeHeartbeat(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site_id: str = Field(min_length=1, max_length=64)
    backlog: dict[OutboxState, Annotated[int, Field(ge=0)]] = Field(default_factory=dict, max_length=16)
    accepting: bool = True  # False while the disk guard refuses new images
    version: str = Field(default="", max_length=32)


def current_heartbeat(conn: Connection, site_id: str) -> SpokeHeartbeat:
    """What the spoke tells the hub now, from its own database."""
    accepting = health(conn).get("accepting", ("yes", 0.0))[0] != "no"
    return SpokeHeartbeat(site_id=site_id, backlog=outbox.backlog(conn), accepting=accepting, version=__version__)
