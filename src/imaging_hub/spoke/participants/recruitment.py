"""Recruitment per project and month, counted at the spoke from its enrolment lists for the hub's research
activity: counts only, never a participant, patient or NHS number.

A participant counts in the UK-local calendar month the spoke first saw them on their project's list
(``participant.enrolled_at``: the lists carry no consent date). Left out, as the gatekeeper would keep their
data back: projects this spoke is not configured for, withdrawn participants, and, where the national data
opt-out applies to the project, participants on the register or with no NHS number to check it by.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Mapping
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.engine import Connection

from imaging_hub.spoke.participants.identity import SubjectHasher
from imaging_hub.spoke.participants.register import opted_out_among
from imaging_hub.spoke.settings import OptOutPolicy, ProjectSettings
from imaging_hub.spoke.tables import participant

log = logging.getLogger(__name__)

UK = ZoneInfo("Europe/London")
MAX_ENTRIES = 2000  # (project, month) pairs in one heartbeat: e.g. 16 projects over ten years and more
MAX_PARTICIPANTS = 1_000_000  # in one project and month at one site: far beyond any study

ProjectCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
Month = Annotated[str, StringConstraints(pattern=r"^(19|20|21)\d{2}-(0[1-9]|1[0-2])$")]


class EnrolmentCount(BaseModel):
    """Participants of one project enrolled at the spoke in one month (YYYY-MM), as the heartbeat carries it."""

    model_config = ConfigDict(extra="forbid")

    project_id: ProjectCode
    month: Month
    participants: int = Field(strict=True, ge=0, le=MAX_PARTICIPANTS)


def enrolment_counts(
    conn: Connection, projects: Mapping[str, ProjectSettings], hasher: SubjectHasher
) -> list[EnrolmentCount]:
    """Per configured project and month, the participants that count as recruited; the latest months when
    there are more than ``MAX_ENTRIES``."""
    rows = conn.execute(
        select(participant.c.project_id, participant.c.nhs_number, participant.c.enrolled_at).where(
            participant.c.withdrawn_at.is_(None), participant.c.enrolled_at.is_not(None)
        )
    ).all()
    checked = {row.nhs_number: hasher.hash(row.nhs_number) for row in rows if row.nhs_number
               and row.project_id in projects and projects[row.project_id].opt_out is OptOutPolicy.APPLIES}
    opted_out = opted_out_among(conn, list(checked.values()))
    counts: Counter[tuple[str, str]] = Counter()
    for row in rows:
        project = projects.get(row.project_id)
        if project is None:
            continue
        if project.opt_out is OptOutPolicy.APPLIES and (not row.nhs_number or checked[row.nhs_number] in opted_out):
            continue
        month = dt.datetime.fromtimestamp(row.enrolled_at, UK).strftime("%Y-%m")
        counts[row.project_id, month] += 1
    keys = sorted(counts, key=lambda k: (k[1], k[0]))
    if len(keys) > MAX_ENTRIES:
        log.warning("enrolment spans %d project-months; the hub is told the latest %d", len(keys), MAX_ENTRIES)
        keys = keys[-MAX_ENTRIES:]
    return [EnrolmentCount(project_id=p, month=m, participants=counts[p, m]) for p, m in sorted(keys)]

