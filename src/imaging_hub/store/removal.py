"""Deleting a study, series or instance: index rows and counters first, files after.

Crash safety: the rows go, counters drop and the files to remove are recorded in ``pending_unlink``, all in
one transaction. Files are unlinked only after that commits, and the ``pending_unlink`` rows are cleared
once they are gone (finished on the next open if the process died). So an index row never points at a
missing file, and a deletion never leaves bytes behind for long.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from imaging_hub.events import Origin
from imaging_hub.store.changes import REMOVED, ChangeRow
from imaging_hub.store.ingest import refresh_modalities
from imaging_hub.store.schema import conflict, instance, patient, pending_unlink, series, study, study_modality


@dataclass(frozen=True)
class Doomed:
    sop_instance_uid: str
    path: str


def delete_rows(
    conn: Connection, study_uid: str, series_uid: str | None, sop_instance_uid: str | None,
    now: dt.datetime | None = None, origin: Origin | None = None,
) -> tuple[list[ChangeRow], list[Doomed]]:
    """Remove the matching index rows and adjust counters; (the instances removed, as change-feed rows to
    record, and the files now to unlink)."""
    # Lock the study first: a concurrent delete of the same rows waits here, then sees what is left.
    study_row = conn.execute(
        sa.select(study.c.pk, study.c.patient_pk).where(study.c.study_instance_uid == study_uid).with_for_update()
    ).first()
    doomed = _doomed_conflicts(conn, study_uid, series_uid, sop_instance_uid)
    removed: list[ChangeRow] = []
    if study_row is not None:
        study_pk, patient_pk = study_row
        where = [instance.c.study_pk == study_pk]
        if series_uid is not None:
            series_pk = conn.execute(
                sa.select(series.c.pk).where(series.c.series_instance_uid == series_uid, series.c.study_pk == study_pk)
            ).scalar()
            where.append(instance.c.series_pk == series_pk)
        if sop_instance_uid is not None:
            where.append(instance.c.sop_instance_uid == sop_instance_uid)
        rows = conn.execute(
            sa.delete(instance).where(*where).returning(
                instance.c.sop_instance_uid, instance.c.path, instance.c.series_pk, instance.c.sop_class_uid,
                instance.c.clinical_trial_protocol_id, instance.c.clinical_trial_site_id, instance.c.size,
                instance.c.sha256)
        ).all()
        if rows:
            per_series = Counter(row.series_pk for row in rows)
            of_series = {
                pk: (uid, modality or "") for pk, uid, modality in conn.execute(
                    sa.select(series.c.pk, series.c.series_instance_uid, series.c.modality)
                    .where(series.c.pk.in_(sorted(per_series)))
                ).all()
            }
            at = now or dt.datetime.now(dt.UTC)
            removed = [
                ChangeRow(REMOVED, row.sop_instance_uid, of_series[row.series_pk][0], study_uid, row.sop_class_uid,
                          row.clinical_trial_protocol_id or "", row.clinical_trial_site_id or "",
                          of_series[row.series_pk][1], row.size, row.sha256, at, origin)
                for row in rows
            ]
            doomed.extend(Doomed(row.sop_instance_uid, row.path) for row in rows)
            _drop_counts(conn, study_pk, patient_pk, per_series)
    if doomed:
        conn.execute(
            pending_unlink.insert(), [{"sop_instance_uid": d.sop_instance_uid, "path": d.path} for d in doomed]
        )
    return removed, doomed


def _drop_counts(conn: Connection, study_pk: int, patient_pk: int, per_series: Counter[int]) -> None:
    """Lower counters with UPDATE ... RETURNING so a concurrent store's increment is never lost, and drop
    a series, study or patient only when its own counter says it is empty."""
    emptied_series = 0
    for series_pk, count in sorted(per_series.items()):
        left = conn.execute(
            sa.update(series).where(series.c.pk == series_pk)
            .values(num_instances=series.c.num_instances - count).returning(series.c.num_instances)
        ).scalar_one()
        if left <= 0:
            conn.execute(sa.delete(series).where(series.c.pk == series_pk))
            emptied_series += 1
    total = sum(per_series.values())
    study_left = conn.execute(
        sa.update(study).where(study.c.pk == study_pk)
        .values(num_instances=study.c.num_instances - total, num_series=study.c.num_series - emptied_series)
        .returning(study.c.num_instances)
    ).scalar_one()
    emptied_study = 0
    conn.execute(
        sa.delete(study_modality).where(
            study_modality.c.study_pk == study_pk,
            ~study_modality.c.modality.in_(
                sa.select(series.c.modality).where(series.c.study_pk == study_pk, series.c.modality.is_not(None))
            ),
        )
    )
    if study_left <= 0:
        conn.execute(sa.delete(study).where(study.c.pk == study_pk))
        emptied_study = 1
    elif emptied_series:
        refresh_modalities(conn, study_pk)
    patient_left = conn.execute(
        sa.update(patient).where(patient.c.pk == patient_pk)
        .values(
            num_instances=patient.c.num_instances - total,
            num_series=patient.c.num_series - emptied_series,
            num_studies=patient.c.num_studies - emptied_study,
        )
        .returning(patient.c.num_studies)
    ).scalar_one()
    if patient_left <= 0:
        conn.execute(sa.delete(patient).where(patient.c.pk == patient_pk))


def _doomed_conflicts(
    conn: Connection, study_uid: str, series_uid: str | None, sop_instance_uid: str | None
) -> list[Doomed]:
    """Conflicting copies kept for review go with the instance they conflict with."""
    where = [conflict.c.study_instance_uid == study_uid]
    if series_uid is not None:
        where.append(conflict.c.series_instance_uid == series_uid)
    if sop_instance_uid is not None:
        where.append(conflict.c.sop_instance_uid == sop_instance_uid)
    rows = conn.execute(sa.select(conflict.c.sop_instance_uid, conflict.c.path).where(*where)).all()
    if rows:
        conn.execute(sa.delete(conflict).where(*where))
    return [Doomed(row.sop_instance_uid, row.path) for row in rows]


def pending(conn: Connection, limit: int = 10_000) -> list[tuple[int, Doomed]]:
    rows = conn.execute(
        sa.select(pending_unlink.c.pk, pending_unlink.c.sop_instance_uid, pending_unlink.c.path)
        .order_by(pending_unlink.c.pk).limit(limit)
    ).all()
    return [(row.pk, Doomed(row.sop_instance_uid, row.path)) for row in rows]


def still_indexed(conn: Connection, paths: list[str]) -> set[str]:
    """Paths an index row uses again (the same content was stored again after the delete)."""
    found: set[str] = set()
    for start in range(0, len(paths), 500):
        chunk = paths[start:start + 500]
        found.update(conn.execute(sa.select(instance.c.path).where(instance.c.path.in_(chunk))).scalars())
    return found


def clear_pending(conn: Connection, pks: list[int]) -> None:
    for start in range(0, len(pks), 500):
        conn.execute(sa.delete(pending_unlink).where(pending_unlink.c.pk.in_(pks[start:start + 500])))
