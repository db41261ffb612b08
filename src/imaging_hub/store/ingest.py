"""Index writes for one arriving instance: get-or-create patient/study/series, insert, bump counters.

Runs inside the caller's write transaction so rows and counters change together or not at all.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from imaging_hub.store.attributes import ATTRIBUTES, Level
from imaging_hub.store.dialect import insert_ignoring_conflicts
from imaging_hub.store.header import InstanceHeader
from imaging_hub.store.schema import conflict, instance, patient, series, study, study_modality

_NAME_COLUMNS = ("patient_name", "referring_physician_name")


def level_values(header: InstanceHeader, level: Level) -> dict[str, Any]:
    """Column values for one level's row, with the upper-case keys used for PN matching."""
    values = {
        a.column: header.values[a.keyword]
        for a in ATTRIBUTES.values()
        if a.level == level and a.kind not in ("count", "modalities")
    }
    for column in _NAME_COLUMNS:
        if column in values:
            name = values[column]
            values[f"{column}_key"] = name.upper() if name else None
    return values


class IndexBatch:
    """Index writes of several instances in one transaction, with as few statements as it can.

    Patient/study/series keys are looked up once per batch, instance rows go in with one executemany,
    and each touched row's counters are bumped once with the batch's total.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._patients: dict[str, int] = {}
        self._studies: dict[str, int] = {}
        self._series: dict[str, int] = {}
        self._rows: list[dict[str, Any]] = []
        self._study_counts: dict[int, list[int]] = {}  # pk -> [instances, new series]
        self._series_counts: dict[int, int] = {}
        self._patient_counts: dict[int, list[int]] = {}  # pk -> [instances, new series, new studies]
        self._new_modalities: list[tuple[int, str]] = []

    def add(self, header: InstanceHeader, path: str, size: int, sha256: str, received_at: dt.datetime) -> None:
        conn = self.conn
        patient_values = level_values(header, "PATIENT")
        patient_values["patient_id"] = patient_values["patient_id"] or ""  # no PatientID: one anonymous patient
        patient_pk = self._patients.get(patient_values["patient_id"])
        study_pk = self._studies.get(header.study_instance_uid)
        series_pk = self._series.get(header.series_instance_uid)
        if patient_pk is None or study_pk is None or series_pk is None:
            # One round trip for all three keys; only those not indexed yet take the get-or-create path.
            found = _keys(conn, patient_values["patient_id"], header)
            patient_pk = found[0] if patient_pk is None else patient_pk
            study_pk = found[1] if study_pk is None else study_pk
            series_pk = found[2] if series_pk is None else series_pk
            if patient_pk is not None:
                self._patients[patient_values["patient_id"]] = patient_pk
            if study_pk is not None:
                self._studies[header.study_instance_uid] = study_pk
            if series_pk is not None:
                self._series[header.series_instance_uid] = series_pk

        if patient_pk is None:
            patient_pk, _ = _get_or_create(conn, patient, "patient_id", patient_values)
            self._patients[patient_values["patient_id"]] = patient_pk

        new_study = False
        if study_pk is None:
            study_values = level_values(header, "STUDY") | {"patient_pk": patient_pk, "received_at": received_at}
            study_pk, new_study = _get_or_create(conn, study, "study_instance_uid", study_values)
            self._studies[header.study_instance_uid] = study_pk

        new_series = False
        if series_pk is None:
            series_values = level_values(header, "SERIES") | {"study_pk": study_pk}
            series_pk, new_series = _get_or_create(conn, series, "series_instance_uid", series_values)
            self._series[header.series_instance_uid] = series_pk
            if new_series and series_values.get("modality"):
                self._new_modalities.append((study_pk, series_values["modality"]))

        self._rows.append(
            level_values(header, "INSTANCE") | {
                "series_pk": series_pk,
                "study_pk": study_pk,
                "transfer_syntax_uid": header.transfer_syntax_uid,
                "clinical_trial_protocol_id": header.values["ClinicalTrialProtocolID"],
                "clinical_trial_site_id": header.values["ClinicalTrialSiteID"],
                "path": path,
                "size": size,
                "sha256": sha256,
                "received_at": received_at,
            }
        )
        study_count = self._study_counts.setdefault(study_pk, [0, 0])
        study_count[0] += 1
        study_count[1] += int(new_series)
        self._series_counts[series_pk] = self._series_counts.get(series_pk, 0) + 1
        patient_count = self._patient_counts.setdefault(patient_pk, [0, 0, 0])
        patient_count[0] += 1
        patient_count[1] += int(new_series)
        patient_count[2] += int(new_study)

    def flush(self) -> None:
        conn = self.conn
        if self._rows:
            conn.execute(instance.insert(), self._rows)
        # Counters in the order deletion locks them too (study, series, patient), each table by key, so
        # writers never deadlock.
        for pk, (instances, new_series) in sorted(self._study_counts.items()):
            conn.execute(_COUNT_STUDY, {"key": pk, "instances": instances, "series": new_series})
        for pk, instances in sorted(self._series_counts.items()):
            conn.execute(_COUNT_SERIES, {"key": pk, "instances": instances})
        for pk, (instances, new_series, new_studies) in sorted(self._patient_counts.items()):
            conn.execute(_COUNT_PATIENT, {"key": pk, "instances": instances, "series": new_series,
                                          "studies": new_studies})
        changed = {
            study_pk for study_pk, modality in self._new_modalities
            if insert_ignoring_conflicts(
                conn, study_modality, {"study_pk": study_pk, "modality": modality}, ["study_pk", "modality"])
        }
        for study_pk in sorted(changed):
            refresh_modalities(conn, study_pk)


def add_instance(
    conn: Connection, header: InstanceHeader, path: str, size: int, sha256: str, received_at: dt.datetime,
    batch: IndexBatch | None = None,
) -> None:
    """Index one instance; with ``batch`` the writes wait for its ``flush`` (same transaction)."""
    if batch is not None:
        batch.add(header, path, size, sha256, received_at)
        return
    single = IndexBatch(conn)
    single.add(header, path, size, sha256, received_at)
    single.flush()


def refresh_modalities(conn: Connection, study_pk: int) -> None:
    """Rewrite the study's ModalitiesInStudy (returned as is) from its study_modality rows (matched)."""
    found = conn.execute(
        sa.select(study_modality.c.modality).where(study_modality.c.study_pk == study_pk).order_by(
            study_modality.c.modality
        )
    ).scalars()
    joined = "\\".join(found) or None
    conn.execute(sa.update(study).where(study.c.pk == study_pk).values(modalities_in_study=joined))


def add_conflict(
    conn: Connection, header: InstanceHeader, path: str, size: int, sha256: str, existing_sha256: str,
    received_at: dt.datetime,
) -> None:
    insert_ignoring_conflicts(
        conn,
        conflict,
        {
            "sop_instance_uid": header.sop_instance_uid,
            "study_instance_uid": header.study_instance_uid,
            "series_instance_uid": header.series_instance_uid,
            "path": path,
            "size": size,
            "sha256": sha256,
            "existing_sha256": existing_sha256,
            "received_at": received_at,
        },
        ["sop_instance_uid", "sha256"],
    )


# Statements built once (a reused statement keeps its cache key): each store only binds its values.
_COUNT_STUDY = sa.update(study).where(study.c.pk == sa.bindparam("key")).values(
    num_instances=study.c.num_instances + sa.bindparam("instances"),
    num_series=study.c.num_series + sa.bindparam("series"),
)
_COUNT_SERIES = sa.update(series).where(series.c.pk == sa.bindparam("key")).values(
    num_instances=series.c.num_instances + sa.bindparam("instances"),
)
_COUNT_PATIENT = sa.update(patient).where(patient.c.pk == sa.bindparam("key")).values(
    num_instances=patient.c.num_instances + sa.bindparam("instances"),
    num_series=patient.c.num_series + sa.bindparam("series"),
    num_studies=patient.c.num_studies + sa.bindparam("studies"),
)
_KEYS = sa.select(
    sa.select(patient.c.pk).where(patient.c.patient_id == sa.bindparam("patient_id")).scalar_subquery(),
    sa.select(study.c.pk).where(study.c.study_instance_uid == sa.bindparam("study")).scalar_subquery(),
    sa.select(series.c.pk).where(series.c.series_instance_uid == sa.bindparam("series")).scalar_subquery(),
)


def _keys(conn: Connection, patient_id: str, header: InstanceHeader) -> tuple[int | None, int | None, int | None]:
    """The patient, study and series primary keys the index already has for ``header`` (None: not yet)."""
    row = conn.execute(_KEYS, {"patient_id": patient_id, "study": header.study_instance_uid,
                                "series": header.series_instance_uid}).one()
    return row[0], row[1], row[2]


def _get_or_create(conn: Connection, table: sa.Table, key: str, values: dict[str, Any]) -> tuple[int, bool]:
    """The row's primary key and whether this call created it (another writer may win the race)."""
    found = conn.execute(sa.select(table.c.pk).where(table.c[key] == values[key])).scalar()
    if found is not None:
        return int(found), False
    created = insert_ignoring_conflicts(conn, table, values, [key])
    if created is not None:
        return created, True
    return int(conn.execute(sa.select(table.c.pk).where(table.c[key] == values[key])).scalar_one()), False
