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
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from imaging_hub.errors import ImagingHubError
from imaging_hub.spoke.participants.identity import normalise_nhs_number
from imaging_hub.spoke.state import transaction

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
    def from_row(cls, row: sqlite3.Row) -> Participant:
        return cls(
            project_id=row["project_id"],
            participant_id=row["participant_id"],
            local_patient_id=row["local_patient_id"],
            nhs_number=row["nhs_number"],
            window_start=row["window_start"],
            window_end=row["window_end"],
            modalities=frozenset(m for m in row["modalities"].split() if m),
            withdrawn=row["withdrawn_at"] is not None,
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


def load_enrolment(conn: sqlite3.Connection, project_id: str, participants: Iterable[Participant]) -> int:
    """Insert or update participants of one project in one transaction. Withdrawals are kept."""
    count = 0
    with transaction(conn):
        for p in participants:
            conn.execute(
                "INSERT INTO participant(project_id, participant_id, local_patient_id, nhs_number, window_start,"
                " window_end, modalities) VALUES (?,?,?,?,?,?,?) ON CONFLICT(project_id, participant_id) DO UPDATE"
                " SET local_patient_id=excluded.local_patient_id, nhs_number=excluded.nhs_number,"
                " window_start=excluded.window_start, window_end=excluded.window_end, modalities=excluded.modalities",
                (project_id, p.participant_id, p.local_patient_id, p.nhs_number, p.window_start, p.window_end,
                 " ".join(sorted(p.modalities))),
            )
            count += 1
    return count


def load_enrolment_file(conn: sqlite3.Connection, project_id: str, path: Path) -> int:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise EnrolmentError(f"enrolment file not found: {path}") from exc
    return load_enrolment(conn, project_id, parse_enrolment_csv(text, project_id))


def candidates(conn: sqlite3.Connection, patient_id: str, nhs_numbers: Iterable[str]) -> list[Participant]:
    """Every participant, in any project, whose local ID or NHS number this instance carries."""
    nhs = [n for n in nhs_numbers if n]
    clauses = []
    args: list[str] = []
    if patient_id:
        clauses.append("local_patient_id = ?")
        args.append(patient_id)
    if nhs:
        clauses.append(f"nhs_number IN ({','.join('?' * len(nhs))})")
        args.extend(nhs)
    if not clauses:
        return []
    rows = conn.execute(f"SELECT * FROM participant WHERE {' OR '.join(clauses)}", args).fetchall()
    return [Participant.from_row(r) for r in rows]


def participants(conn: sqlite3.Connection, project_id: str | None = None) -> list[Participant]:
    if project_id is None:
        rows = conn.execute("SELECT * FROM participant ORDER BY project_id, participant_id").fetchall()
    else:
        rows = conn.execute(
            "SELECT * FROM participant WHERE project_id = ? ORDER BY participant_id", (project_id,)
        ).fetchall()
    return [Participant.from_row(r) for r in rows]
