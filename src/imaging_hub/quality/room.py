"""The quality room at the hub: each project's protocol versions and each series' latest QC result, kept in
the hub's database beside the archive (its own tables and migration chain).

Faces authorise and audit; the room stores. Saving a protocol parses it first, so a wrong file stores nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from imaging_hub.database import Room
from imaging_hub.quality import tables as t
from imaging_hub.quality.conformance import missing_series
from imaging_hub.quality.errors import ProtocolError
from imaging_hub.quality.migrate import MIGRATIONS
from imaging_hub.quality.protocol import AcquisitionProtocol
from imaging_hub.quality.protocol_file import parse_protocol
from imaging_hub.quality.results import QcRecord


@dataclass(frozen=True)
class StoredProtocol:
    project: str
    version: int  # the hub's numbering: 1, 2, ... in the order saved
    text: str
    saved_at: datetime
    saved_by: str

    @property
    def protocol(self) -> AcquisitionProtocol:
        return parse_protocol(self.text, source=f"{self.project} protocol v{self.version}")


@dataclass(frozen=True)
class StudyQc:
    """What the study browser shows of a study: ``status`` is conformant, not conformant or not checked."""

    status: str
    series_checked: int
    problems: int
    missing: tuple[str, ...] = ()


class QualityRoom(Room):
    """``QualityRoom.open(archive.database.writer)``; the faces audit its use (the room records nothing itself)."""

    migrations = MIGRATIONS

    # --- protocols -------------------------------------------------------------------------------------------

    def save_protocol(self, project: str, text: str, saved_by: str) -> StoredProtocol:
        """A new version of the project's protocol; ProtocolError (nothing stored) when the TOML is wrong."""
        parsed = parse_protocol(text, source="the protocol")
        for _ in range(3):  # two leads saving at once: the loser takes the next number
            try:
                with self._engine.begin() as conn:
                    latest = conn.execute(sa.select(sa.func.max(t.protocol.c.version))
                                          .where(t.protocol.c.project == project)).scalar_one()
                    version = int(latest or 0) + 1
                    now = self._clock()
                    conn.execute(t.protocol.insert().values(
                        project=project, version=version, label=f"{parsed.name} {parsed.version}", text=text,
                        saved_at=now, saved_by=saved_by))
                return StoredProtocol(project, version, text, now, saved_by)
            except IntegrityError:
                continue
        raise ProtocolError("the protocol could not be numbered; try again")

    def protocol(self, project: str, version: int | None = None) -> StoredProtocol | None:
        """The project's protocol (the newest unless ``version``), or None when it has none."""
        query = _newest(project)
        query = query.where(t.protocol.c.version == version) if version is not None else query
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else StoredProtocol(row.project, row.version, row.text, row.saved_at,
                                                       row.saved_by)

    def protocol_history(self, project: str) -> list[StoredProtocol]:
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(t.protocol).where(t.protocol.c.project == project)
                                .order_by(t.protocol.c.version.desc())).all()
        return [StoredProtocol(r.project, r.version, r.text, r.saved_at, r.saved_by) for r in rows]

    # --- results ---------------------------------------------------------------------------------------------

    def results(self, project: str) -> ProjectResults:
        """The project's results as the Dask runner's sink (``done`` / ``append``)."""
        return ProjectResults(self, project)

    def store(self, project: str, record: QcRecord) -> None:
        """The series' latest result replaces the one before (its content or the protocol changed), except that
        a result against a protocol the project has since replaced never replaces one against the current
        protocol: a run that started before a lead saved a new version may finish after the run against it."""
        row = {"project": project, "series_uid": record.series_instance_uid, "study_uid": record.study_instance_uid,
               "site": record.site, "modality": record.modality, "content_hash": record.content_hash,
               "protocol": record.protocol, "conformant": record.conformance.conformant,
               "record": record.to_dict(), "checked_at": self._clock()}
        with self._engine.begin() as conn:
            newest = conn.execute(_newest(project)).first()
            current = newest.label if newest is not None else None
            if current is not None and record.protocol != current:
                kept = conn.execute(sa.select(t.result.c.protocol).where(
                    t.result.c.project == project, t.result.c.series_uid == record.series_instance_uid)).first()
                if kept is not None and kept.protocol == current:
                    return
            conn.execute(t.result.delete().where(t.result.c.project == project,
                                                 t.result.c.series_uid == record.series_instance_uid))
            conn.execute(t.result.insert().values(**row))

    def outdated(self, project: str | None = None) -> dict[str, tuple[int, int]]:
        """Per project (every one, or only ``project``) with a protocol whose results include some not checked
        against its current version: (that version's number, how many series' results are older)."""
        newest = sa.select(t.protocol.c.project, sa.func.max(t.protocol.c.version).label("version"))
        if project is not None:
            newest = newest.where(t.protocol.c.project == project)
        latest = newest.group_by(t.protocol.c.project).subquery()
        current = (sa.select(t.protocol.c.project, t.protocol.c.version, t.protocol.c.label)
                   .join(latest, sa.and_(t.protocol.c.project == latest.c.project,
                                         t.protocol.c.version == latest.c.version)).subquery())
        query = (sa.select(t.result.c.project, current.c.version, sa.func.count())
                 .join(current, t.result.c.project == current.c.project)
                 .where(t.result.c.protocol.is_distinct_from(current.c.label))
                 .group_by(t.result.c.project, current.c.version))
        with self._engine.connect() as conn:
            return {row[0]: (int(row[1]), int(row[2])) for row in conn.execute(query)}

    def forget_series(self, project: str, series_uid: str) -> None:
        """A series that left the archive (withdrawn, deleted) leaves the results too."""
        with self._engine.begin() as conn:
            conn.execute(t.result.delete().where(t.result.c.project == project, t.result.c.series_uid == series_uid))

    def records(self, project: str, study_uids: Sequence[str] | None = None) -> list[QcRecord]:
        query = sa.select(t.result.c.record).where(t.result.c.project == project)
        if study_uids is not None:
            query = query.where(t.result.c.study_uid.in_(list(study_uids)))
        with self._engine.connect() as conn:
            return [QcRecord.from_dict(r) for r in conn.scalars(query.order_by(t.result.c.study_uid,
                                                                              t.result.c.series_uid))]

    def done(self, project: str) -> set[tuple[str, str, str | None]]:
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(t.result.c.series_uid, t.result.c.content_hash, t.result.c.protocol)
                                .where(t.result.c.project == project)).all()
        return {(r.series_uid, r.content_hash, r.protocol) for r in rows}

    def study_qc(self, project: str, study_uids: Sequence[str]) -> dict[str, StudyQc]:
        """Per study: conformant when every series is and no required series is missing."""
        stored = self.protocol(project)
        protocol = stored.protocol if stored is not None else None
        by_study: dict[str, list[QcRecord]] = {}
        for record in self.records(project, study_uids):
            by_study.setdefault(record.study_instance_uid, []).append(record)
        found: dict[str, StudyQc] = {}
        for uid in study_uids:
            records = by_study.get(uid, [])
            if not records:
                found[uid] = StudyQc("not checked", 0, 0)
                continue
            missing = missing_series((r.conformance.matched for r in records), protocol) if protocol else ()
            problems = sum(len(r.conformance.problems) for r in records) + len(missing)
            found[uid] = StudyQc("conformant" if problems == 0 else "not conformant", len(records), problems, missing)
        return found

    # --- the subscriber's position in the archive's change feed ----------------------------------------------

    def position(self, name: str) -> int:
        with self._engine.connect() as conn:
            value = conn.execute(sa.select(t.cursor.c.sequence).where(t.cursor.c.name == name)).scalar()
        return int(value or 0)

    def advance(self, name: str, sequence: int) -> None:
        with self._engine.begin() as conn:
            if conn.execute(t.cursor.update().where(t.cursor.c.name == name)
                            .values(sequence=sequence)).rowcount == 0:
                conn.execute(t.cursor.insert().values(name=name, sequence=sequence))


class ProjectResults:
    """One project's results, shaped like ``ResultLog`` so ``run_quality_jobs`` can write into the database."""

    def __init__(self, room: QualityRoom, project: str) -> None:
        self._room = room
        self.project = project

    def done(self) -> set[tuple[str, str, str | None]]:
        return self._room.done(self.project)

    def append(self, record: QcRecord) -> None:
        self._room.store(self.project, record)


def study_qc_status(engine: Engine, project: str, study_uids: Sequence[str]) -> dict[str, StudyQc]:
    """For the study browser's QC column: each study's QC status, from the hub's database (``engine``: the
    archive's). Studies the room has not checked, or a hub whose room has never run, read "not checked"."""
    with engine.connect() as conn:
        if not conn.dialect.has_table(conn, t.result.name):
            return {uid: StudyQc("not checked", 0, 0) for uid in study_uids}
    return QualityRoom(engine).study_qc(project, study_uids)


def _newest(project: str) -> sa.Select[Any]:
    """The project's newest protocol version (the one in force), as a query."""
    return (sa.select(t.protocol).where(t.protocol.c.project == project)
            .order_by(t.protocol.c.version.desc()).limit(1))
