"""Fill the index with synthetic rows (no files) quickly, for query benchmarks at 100k-1M instances.

PostgreSQL gets COPY; SQLite gets batched executemany. Counters and ModalitiesInStudy are written
consistently, so searches see the same shape of data as a real archive would have.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from imaging_hub.store.schema import instance, patient, series, study, study_modality

if TYPE_CHECKING:
    from imaging_hub.store.archive import Archive

UID_ROOT = "1.2.826.0.1.3680043.10.1452.99"  # synthetic-index UIDs, never used for real files
_FAMILY = ["SMITH", "JONES", "TAYLOR", "BROWN", "WILLIAMS", "WILSON", "JOHNSON", "DAVIES", "PATEL", "KHAN"]
_GIVEN = ["OLIVIA", "AMELIA", "ISLA", "NOAH", "OLIVER", "GEORGE", "MUHAMMAD", "ARTHUR", "FREYA", "AVA"]
_MODALITIES = ["CT", "MR", "CR", "DX", "US", "PT", "NM", "MG"]
_DESCRIPTIONS = {"CT": "CT CHEST", "MR": "MR BRAIN", "CR": "CHEST XR", "DX": "KNEE XR", "US": "US ABDOMEN",
                 "PT": "PET CT", "NM": "BONE SCAN", "MG": "MAMMOGRAM"}
_BATCH = 20_000


def insert_synthetic_index(
    archive: Archive, *, studies: int, series_per_study: int = 2, instances_per_series: int = 50,
    studies_per_patient: int = 2, seed: int = 0,
) -> int:
    """Add ``studies`` studies of synthetic index rows; the number of instance rows added."""
    rng = random.Random(seed)
    database = archive.database
    with database.writing() as conn:
        base = {t.name: int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(t.c.pk), 0))).scalar_one())
                for t in (patient, study, series, instance)}
    rows = _Rows(rng, seed, base, studies, series_per_study, instances_per_series, studies_per_patient)
    tables = (patient, study, study_modality, series, instance)
    with database.writing() as conn:
        if conn.dialect.name == "postgresql":
            _copy(conn, tables, rows)
            for table in (patient, study, series, instance):
                conn.execute(sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'pk'), (SELECT max(pk) FROM {table.name}))"
                ))
        else:
            for table in tables:
                batch: list[dict[str, Any]] = []
                for row in rows.of(table.name):
                    batch.append(row)
                    if len(batch) >= _BATCH:
                        conn.execute(table.insert(), batch)
                        batch = []
                if batch:
                    conn.execute(table.insert(), batch)
    with database.writer.connect() as conn:
        conn.execute(sa.text("ANALYZE"))
        conn.commit()
    return studies * series_per_study * instances_per_series


def _copy(conn: sa.Connection, tables: tuple[sa.Table, ...], rows: _Rows) -> None:
    raw: Any = conn.connection.dbapi_connection
    with raw.cursor() as cursor:
        for table in tables:
            names = [c.name for c in table.columns]
            with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
                for row in rows.of(table.name):
                    copy.write_row([row.get(name) for name in names])


class _Rows:
    """Deterministic rows for each table; every generator replays the same random choices."""

    def __init__(self, rng: random.Random, seed: int, base: dict[str, int], studies: int, series_per_study: int,
                 instances_per_series: int, studies_per_patient: int) -> None:
        self.seed = seed
        self.base = base
        self.studies = studies
        self.series_per_study = series_per_study
        self.instances_per_series = instances_per_series
        self.studies_per_patient = max(1, studies_per_patient)
        self.modalities = [rng.choice(_MODALITIES) for _ in range(studies)]
        self.dates = [dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(3650)) for _ in range(studies)]
        self.patients = (studies + self.studies_per_patient - 1) // self.studies_per_patient
        self.names = [f"{rng.choice(_FAMILY)}^{rng.choice(_GIVEN)}" for _ in range(self.patients)]
        self.received = dt.datetime.now(dt.UTC)

    def of(self, table: str) -> Iterator[dict[str, Any]]:
        return {"patient": self._patients, "study": self._studies, "study_modality": self._study_modalities,
                "series": self._series, "instance": self._instances}[table]()

    def _uid(self, kind: int, *parts: int) -> str:
        return ".".join([UID_ROOT, str(self.seed), str(kind), *(str(p) for p in parts)])

    def _patient_of(self, s: int) -> int:
        return s // self.studies_per_patient

    def _patients(self) -> Iterator[dict[str, Any]]:
        per_study = self.series_per_study * self.instances_per_series
        for p in range(self.patients):
            count = min(self.studies, (p + 1) * self.studies_per_patient) - p * self.studies_per_patient
            yield {
                "pk": self.base["patient"] + p + 1, "patient_id": f"SYN{self.seed}-{p:08d}",
                "patient_name": self.names[p], "patient_name_key": self.names[p].upper(),
                "patient_birth_date": f"{1940 + p % 60}{1 + p % 12:02d}{1 + p % 28:02d}",
                "patient_sex": "MF"[p % 2], "num_studies": count, "num_series": count * self.series_per_study,
                "num_instances": count * per_study,
            }

    def _studies(self) -> Iterator[dict[str, Any]]:
        for s in range(self.studies):
            yield {
                "pk": self.base["study"] + s + 1, "study_instance_uid": self._uid(1, s),
                "patient_pk": self.base["patient"] + self._patient_of(s) + 1,
                "study_date": self.dates[s].strftime("%Y%m%d"), "study_time": f"{8 + s % 10:02d}{s % 60:02d}00",
                "accession_number": f"SYN{self.seed}A{s:08d}", "referring_physician_name": "WHO^DOCTOR",
                "referring_physician_name_key": "WHO^DOCTOR", "study_id": str(s % 1000),
                "study_description": _DESCRIPTIONS[self.modalities[s]], "modalities_in_study": self.modalities[s],
                "clinical_trial_protocol_id": f"PROJ{s % 5}", "clinical_trial_site_id": f"SITE{s % 7}",
                "clinical_trial_subject_id": None, "num_series": self.series_per_study,
                "num_instances": self.series_per_study * self.instances_per_series, "received_at": self.received,
            }

    def _study_modalities(self) -> Iterator[dict[str, Any]]:
        for s in range(self.studies):
            yield {"study_pk": self.base["study"] + s + 1, "modality": self.modalities[s]}

    def _series(self) -> Iterator[dict[str, Any]]:
        for s in range(self.studies):
            for n in range(self.series_per_study):
                yield {
                    "pk": self.base["series"] + s * self.series_per_study + n + 1,
                    "series_instance_uid": self._uid(2, s, n), "study_pk": self.base["study"] + s + 1,
                    "modality": self.modalities[s], "series_number": n + 1,
                    "series_description": f"{_DESCRIPTIONS[self.modalities[s]]} {n + 1}",
                    "body_part_examined": None, "manufacturer": "ACME Medical",
                    "institution_name": f"SITE{s % 7} HOSPITAL", "num_instances": self.instances_per_series,
                }

    def _instances(self) -> Iterator[dict[str, Any]]:
        pk = self.base["instance"]
        for s in range(self.studies):
            for n in range(self.series_per_study):
                series_pk = self.base["series"] + s * self.series_per_study + n + 1
                for i in range(self.instances_per_series):
                    pk += 1
                    uid = self._uid(3, s, n, i)
                    yield {
                        "pk": pk, "sop_instance_uid": uid, "series_pk": series_pk,
                        "study_pk": self.base["study"] + s + 1, "sop_class_uid": "1.2.840.10008.5.1.4.1.1.2",
                        "instance_number": i + 1, "rows": 512, "columns": 512, "bits_allocated": 16,
                        "number_of_frames": None, "transfer_syntax_uid": "1.2.840.10008.1.2.1",
                        "clinical_trial_protocol_id": f"PROJ{s % 5}", "clinical_trial_site_id": f"SITE{s % 7}",
                        "path": f"synthetic/{uid}", "size": 0, "sha256": "", "received_at": self.received,
                    }
