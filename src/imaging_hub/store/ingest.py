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


def is_indexed(conn: Connection, sop_instance_uid: str) -> bool:
    found = conn.execute(sa.select(instance.c.pk).where(instance.c.sop_instance_uid == sop_instance_uid)).first()
    return found is not None


def add_instance(
    conn: Connection, header: InstanceHeader, path: str, size: int, sha256: str, received_at: dt.datetime
) -> None:
    patient_values = level_values(header, "PATIENT")
    patient_values["patient_id"] = patient_values["patient_id"] or ""  # no PatientID: one anonymous patient
    patient_pk, _ = _get_or_create(conn, patient, "patient_id", patient_values)

    study_values = level_values(header, "STUDY") | {"patient_pk": patient_pk, "received_at": received_at}
    study_pk, new_study = _get_or_create(conn, study, "study_instance_uid", study_values)

    series_values = level_values(header, "SERIES") | {"study_pk": study_pk}
    series_pk, new_series = _get_or_create(conn, series, "series_instance_uid", series_values)

    conn.execute(
        instance.insert().values(
            **level_values(header, "INSTANCE"),
            series_pk=series_pk,
            study_pk=study_pk,
            transfer_syntax_uid=header.transfer_syntax_uid,
            clinical_trial_protocol_id=header.values["ClinicalTrialProtocolID"],
            clinical_trial_site_id=header.values["ClinicalTrialSiteID"],
            path=path,
            size=size,
            sha256=sha256,
            received_at=received_at,
        )
    )
    # Counters in the order deletion locks them too (study, series, patient), so writers never deadlock.
    conn.execute(
        sa.update(study)
        .where(study.c.pk == study_pk)
        .values(num_instances=study.c.num_instances + 1, num_series=study.c.num_series + int(new_series))
    )
    conn.execute(sa.update(series).where(series.c.pk == series_pk).values(num_instances=series.c.num_instances + 1))
    conn.execute(
        sa.update(patient)
        .where(patient.c.pk == patient_pk)
        .values(
            num_instances=patient.c.num_instances + 1,
            num_series=patient.c.num_series + int(new_series),
            num_studies=patient.c.num_studies + int(new_study),
        )
    )
    modality = series_values.get("modality")
    if new_series and modality:
        added = insert_ignoring_conflicts(
            conn, study_modality, {"study_pk": study_pk, "modality": modality}, ["study_pk", "modality"]
        )
        if added:
            refresh_modalities(conn, study_pk)


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


def _get_or_create(conn: Connection, table: sa.Table, key: str, values: dict[str, Any]) -> tuple[int, bool]:
    """The row's primary key and whether this call created it (another writer may win the race)."""
    found = conn.execute(sa.select(table.c.pk).where(table.c[key] == values[key])).scalar()
    if found is not None:
        return int(found), False
    created = insert_ignoring_conflicts(conn, table, values, [key])
    if created is not None:
        return created, True
    return int(conn.execute(sa.select(table.c.pk).where(table.c[key] == values[key])).scalar_one()), False
