"""Index writes for one arriving instance: get-or-create patient/study/series, insert, bump counters.

Runs inside the caller's write transaction so rows and counters change together or not at all.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from imaging_hub.store.attributes import ATTRIBUTES, Level
from imaging_hub.store.dialect import insert_ignoring_conflicts
from imaging_hub.store.driver import Driver, Sql
from imaging_hub.store.header import InstanceHeader
from imaging_hub.store.schema import conflict, study, study_modality

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

    Patient/study/series keys are looked up once per batch (``look_up``: one statement for the whole batch,
    sent ahead of the caller's next read on PostgreSQL), instance rows go in with one executemany, and each
    touched row's counters are bumped once with the batch's total. The statements are plain SQL on the
    connection's DB-API cursor (``store.driver``); in pipeline mode they are sent without waiting, so only the
    reads (and the commit) cost a round trip.
    """

    def __init__(self, conn: Connection, driver: Driver | None = None) -> None:
        self.driver = driver if driver is not None else Driver(conn)
        # Keys by patient ID / study / series UID; None: looked up and not indexed yet.
        self._patients: dict[str, int | None] = {}
        self._studies: dict[str, int | None] = {}
        self._series: dict[str, int | None] = {}
        self._keys: Callable[[], list[tuple[Any, ...]]] | None = None  # a look-up sent, not read yet
        self._rows: list[dict[str, Any]] = []
        self._study_counts: dict[int, list[int]] = {}  # pk -> [instances, new series]
        self._series_counts: dict[int, int] = {}
        self._patient_counts: dict[int, list[int]] = {}  # pk -> [instances, new series, new studies]
        self._new_modalities: list[tuple[int, str]] = []

    def look_up(self, headers: Iterable[InstanceHeader]) -> None:
        """Send the look-up of these instances' patient, study and series keys (one statement), read when
        ``add`` first needs them: sent before another read, it comes back in that read's round trip."""
        self._read_keys()
        headers = list(headers)
        patients = sorted({_patient_id(h) for h in headers} - self._patients.keys())
        studies = sorted({h.study_instance_uid for h in headers} - self._studies.keys())
        series_uids = sorted({h.series_instance_uid for h in headers} - self._series.keys())
        if not (patients or studies or series_uids):
            return
        self._keys = self.driver.send(*_keys_of(self.driver, patients, studies, series_uids))
        self._patients.update(dict.fromkeys(patients))
        self._studies.update(dict.fromkeys(studies))
        self._series.update(dict.fromkeys(series_uids))

    def _read_keys(self) -> None:
        if self._keys is None:
            return
        found, self._keys = self._keys(), None
        levels = (self._patients, self._studies, self._series)
        for level, pk, key in found:
            levels[level][key] = int(pk)

    def add(self, header: InstanceHeader, path: str, size: int, sha256: str, received_at: dt.datetime) -> None:
        driver = self.driver
        stamp = driver.timestamp(received_at)
        patient_values = level_values(header, "PATIENT")
        patient_values["patient_id"] = patient_id = _patient_id(header)  # no PatientID: one anonymous patient
        if (patient_id not in self._patients or header.study_instance_uid not in self._studies
                or header.series_instance_uid not in self._series):
            self.look_up([header])  # not looked up ahead
        self._read_keys()
        patient_pk = self._patients[patient_id]
        study_pk = self._studies[header.study_instance_uid]
        series_pk = self._series[header.series_instance_uid]

        if patient_pk is None:
            patient_pk, _ = _get_or_create(driver, "patient", "patient_id", patient_values)
            self._patients[patient_id] = patient_pk

        new_study = False
        if study_pk is None:
            study_values = level_values(header, "STUDY") | {"patient_pk": patient_pk, "received_at": stamp}
            study_pk, new_study = _get_or_create(driver, "study", "study_instance_uid", study_values)
            self._studies[header.study_instance_uid] = study_pk

        new_series = False
        if series_pk is None:
            series_values = level_values(header, "SERIES") | {"study_pk": study_pk}
            series_pk, new_series = _get_or_create(driver, "series", "series_instance_uid", series_values)
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
                "received_at": stamp,
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
        driver = self.driver
        self._read_keys()  # a look-up sent for instances that all turned out to be indexed already
        if self._rows:
            driver.executemany(_insert("instance", tuple(self._rows[0])), self._rows)
        # Counters in the order deletion locks them too (study, series, patient), each table by key, so
        # writers never deadlock.
        driver.executemany(_COUNT_STUDY, [{"key": pk, "instances": instances, "series": new_series}
                                          for pk, (instances, new_series) in sorted(self._study_counts.items())])
        driver.executemany(_COUNT_SERIES, [{"key": pk, "instances": instances}
                                           for pk, instances in sorted(self._series_counts.items())])
        driver.executemany(_COUNT_PATIENT, [
            {"key": pk, "instances": instances, "series": new_series, "studies": new_studies}
            for pk, (instances, new_series, new_studies) in sorted(self._patient_counts.items())
        ])
        changed = {
            study_pk for study_pk, modality in self._new_modalities
            if driver.one(_ADD_MODALITY, {"study_pk": study_pk, "modality": modality}) is not None
        }
        for study_pk in sorted(changed):
            found = [row[0] for row in driver.all(_MODALITIES, {"study_pk": study_pk})]
            driver.execute(_SET_MODALITIES, {"study_pk": study_pk, "joined": "\\".join(found) or None})


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


# The statements, written once; identifiers are quoted because some columns ("rows", "columns") are keywords.
_COUNT_STUDY = Sql('UPDATE study SET num_instances = num_instances + :instances, num_series = num_series + :series '
                   'WHERE pk = :key')
_COUNT_SERIES = Sql("UPDATE series SET num_instances = num_instances + :instances WHERE pk = :key")
_COUNT_PATIENT = Sql("UPDATE patient SET num_instances = num_instances + :instances, "
                     "num_series = num_series + :series, num_studies = num_studies + :studies WHERE pk = :key")
_ADD_MODALITY = Sql("INSERT INTO study_modality (study_pk, modality) VALUES (:study_pk, :modality) "
                    "ON CONFLICT (study_pk, modality) DO NOTHING RETURNING study_pk")
_MODALITIES = Sql("SELECT modality FROM study_modality WHERE study_pk = :study_pk ORDER BY modality")
_SET_MODALITIES = Sql("UPDATE study SET modalities_in_study = :joined WHERE pk = :study_pk")


def _patient_id(header: InstanceHeader) -> str:
    return header.values["PatientID"] or ""


def _keys_of(
    driver: Driver, patients: list[str], studies: list[str], series_uids: list[str]
) -> tuple[Sql, dict[str, Any]]:
    """The statement reading (level, key, pk) of those indexed among these patients, studies and series
    (level 0, 1, 2), and its parameters."""
    conditions: list[str] = []
    params: dict[str, Any] = {}
    for name, column, keys in (("p", "patient_id", patients), ("s", "study_instance_uid", studies),
                               ("e", "series_instance_uid", series_uids)):
        condition, values = driver.any_of(column, name, keys)
        conditions.append(condition)
        params |= values
    return _keys_sql(tuple(conditions)), params


@functools.lru_cache(maxsize=64)
def _keys_sql(conditions: tuple[str, ...]) -> Sql:
    p, s, e = conditions
    return Sql(f"SELECT 0, pk, patient_id FROM patient WHERE {p} UNION ALL "
               f"SELECT 1, pk, study_instance_uid FROM study WHERE {s} UNION ALL "
               f"SELECT 2, pk, series_instance_uid FROM series WHERE {e}")


@functools.cache
def _insert(table: str, columns: tuple[str, ...], key: str | None = None) -> Sql:
    """INSERT of one row of ``columns`` (with ``key``: ignoring a conflict on it, returning the new pk)."""
    names = ", ".join(f'"{c}"' for c in columns)
    values = ", ".join(f":{c}" for c in columns)
    text = f"INSERT INTO {table} ({names}) VALUES ({values})"
    if key is not None:
        text += f' ON CONFLICT ("{key}") DO NOTHING RETURNING pk'
    return Sql(text)


@functools.cache
def _pk_of(table: str, key: str) -> Sql:
    return Sql(f'SELECT pk FROM {table} WHERE "{key}" = :{key}')


def _get_or_create(driver: Driver, table: str, key: str, values: dict[str, Any]) -> tuple[int, bool]:
    """The row's primary key and whether this call created it (another writer may win the race).

    Called only when the key look-up found no row, so it tries the insert first."""
    created = driver.one(_insert(table, tuple(values), key), values)
    if created is not None:
        return int(created[0]), True
    found = driver.one(_pk_of(table, key), {key: values[key]})
    assert found is not None  # the conflicting row, committed by the writer that won
    return int(found[0]), False
