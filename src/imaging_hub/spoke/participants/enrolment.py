"""Enrolment: per project, which participants (local patient ID and/or NHS number -> participant ID),
which time window and which modalities the project wants.

Loaded from a CSV with the columns ``participant_id, local_patient_id, nhs_number, window_start,
window_end, modalities`` (dates YYYY-MM-DD, either end may be empty; modalities separated by spaces or
semicolons, empty for all). Errors name the row and the column, never the value.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Row, bindparam, or_, select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.engine import Connection

from imaging_hub.errors import ImagingHubError
from imaging_hub.spoke.participants.identity import normalise_nhs_number
from imaging_hub.spoke.state import transaction
from imaging_hub.spoke.tables import participant as participant_table

COLUMNS = ("participant_id", "local_patient_id", "nhs_number", "window_start", "window_end", "modalities")


class EnrolmentError(ImagingHubError, ValueError):
    """The enrolment file is not valid; nothing from it was loaded."""


@dataclass(frozen=True)
class Participant:
    project_id: str
    participant_id: str
    local_patient_id: str = ""
    nhs_number: str = ""
    window_start: str = ""  # YYYYMMDD, inclusive, "" = open
    window_end: str = ""
    modalities: frozenset[str] = frozenset()
    withdrawn: bool = False

    def wants(self, study_date: str, modality: str) -> str | None:
        """None if the study is wanted, else why not."""
        if self.window_start or self.window_end:
            if not study_date:
                return "outside time window (no study date)"
            if self.window_start and study_date < self.window_start:
                return "outside time window"
            if self.window_end and study_date > self.window_end:
                return "outside time window"
        if self.modalities and modality not in self.modalities:
            return "modality not wanted"
        return None

    @classmethod
    def from_row(cls, row: Row[Any]) -> Participant:
        return cls(
            project_id=row.project_id,
            participant_id=row.participant_id,
            local_patient_id=row.local_patient_id,
            nhs_number=row.nhs_number,
            window_start=row.window_start,
            window_end=row.window_end,
            modalities=frozenset(m for m in row.modalities.split() if m),
            withdrawn=row.withdrawn_at is not None,
        )


def _date(value: str, where: str) -> str:
    value = value.strip()
    if not value:
        return ""
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(value, fmt).strftime("%Y%m%d")
        except ValueError:
            continue
    raise EnrolmentError(f"{where}: not a date (expected YYYY-MM-DD)")


def parse_enrolment_csv(text: str, project_id: str) -> list[Participant]:
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or "participant_id" not in reader.fieldnames:
        raise EnrolmentError("enrolment file needs a header row with at least participant_id")
    unknown = set(reader.fieldnames) - set(COLUMNS)
    if unknown:
        raise EnrolmentError(f"enrolment file has unknown column(s): {', '.join(sorted(unknown))}")
    participants: list[Participant] = []
    seen: set[str] = set()
    for row_number, row in enumerate(reader, start=2):
        where = f"row {row_number}"
        participant_id = (row.get("participant_id") or "").strip()
        if not participant_id:
            raise EnrolmentError(f"{where}: participant_id is empty")
        if participant_id in seen:
            raise EnrolmentError(f"{where}: participant_id repeats an earlier row")
        seen.add(participant_id)
        local = (row.get("local_patient_id") or "").strip()
        nhs_text = (row.get("nhs_number") or "").strip()
        nhs = ""
        if nhs_text:
            nhs = normalise_nhs_number(nhs_text) or ""
            if not nhs:
                raise EnrolmentError(f"{where}: nhs_number is not a valid NHS number (modulus 11 check)")
        if not local and not nhs:
            raise EnrolmentError(f"{where}: needs local_patient_id or nhs_number")
        start = _date(row.get("window_start") or "", f"{where}, window_start")
        end = _date(row.get("window_end") or "", f"{where}, window_end")
        if start and end and start > end:
            raise EnrolmentError(f"{where}: window_start is after window_end")
        modalities = frozenset((row.get("modalities") or "").replace(";", " ").upper().split())
        participants.append(Participant(project_id, participant_id, local, nhs, start, end, modalities))
    return participants


def load_enrolment(conn: Connection, project_id: str, participants: Iterable[Participant]) -> int:
    """Insert or update participants of one project in one transaction. Withdrawals are kept, and so is when
    each participant was first seen on the list (``enrolled_at``: the month they count as recruited in)."""
    now = time.time()
    rows = [
        {"project_id": project_id, "participant_id": p.participant_id, "local_patient_id": p.local_patient_id,
         "nhs_number": p.nhs_number, "window_start": p.window_start, "window_end": p.window_end,
         "modalities": " ".join(sorted(p.modalities)), "enrolled_at": now}
        for p in participants
    ]
    statement = insert(participant_table)
    upsert = statement.on_conflict_do_update(  # the rest (withdrawn_at, enrolled_at) is kept
        index_elements=[participant_table.c.project_id, participant_table.c.participant_id],
        set_={c: statement.excluded[c]
              for c in ("local_patient_id", "nhs_number", "window_start", "window_end", "modalities")},
    )
    with transaction(conn):
        if rows:
            conn.execute(upsert, rows)
    return len(rows)


def load_enrolment_file(conn: Connection, project_id: str, path: Path) -> int:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise EnrolmentError(f"enrolment file not found: {path}") from exc
    return load_enrolment(conn, project_id, parse_enrolment_csv(text, project_id))


def candidates(conn: Connection, patient_id: str, nhs_numbers: Iterable[str]) -> list[Participant]:
    """Every participant, in any project, whose local ID or NHS number this instance carries."""
    nhs = [n for n in nhs_numbers if n]
    if patient_id and nhs:
        query = _BY_EITHER
    elif patient_id or nhs:
        query = _BY_LOCAL_ID if patient_id else _BY_NHS_NUMBER
    else:
        return []
    return [Participant.from_row(r) for r in conn.execute(query, {"local": patient_id, "nhs": nhs})]


# Built once: each instance asks one of these (a statement built per call costs more than the query).
_BY_LOCAL_ID = select(participant_table).where(participant_table.c.local_patient_id == bindparam("local"))
_BY_NHS_NUMBER = select(participant_table).where(participant_table.c.nhs_number.in_(bindparam("nhs", expanding=True)))
_BY_EITHER = select(participant_table).where(or_(participant_table.c.local_patient_id == bindparam("local"),
                                                 participant_table.c.nhs_number.in_(bindparam("nhs", expanding=True))))


def participants(conn: Connection, project_id: str | None = None) -> list[Participant]:
    query = select(participant_table).order_by(participant_table.c.project_id, participant_table.c.participant_id)
    if project_id is not None:
        query = query.where(participant_table.c.project_id == project_id)
    return [Participant.from_row(r) for r in conn.execute(query).all()]
