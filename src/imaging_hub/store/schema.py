"""The index tables (SQLAlchemy Core). Alembic migrations create them; a test checks the two agree.

Counters (series/instances per study, etc.) are denormalised and kept in the same transaction as the
rows they count, so searches never COUNT over instances.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={"uq": "uq_%(table_name)s_%(column_0_name)s", "ix": "ix_%(table_name)s_%(column_0_name)s"}
)

# Wildcard (LIKE 'abc%') matching on PostgreSQL only uses an index built with text_pattern_ops.
_PATTERN_OPS = "text_pattern_ops"


def _counter(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer, nullable=False, server_default="0")


patient = sa.Table(
    "patient",
    metadata,
    sa.Column("pk", sa.Integer, primary_key=True),
    sa.Column("patient_id", sa.String, nullable=False, unique=True),
    sa.Column("patient_name", sa.String),
    sa.Column("patient_name_key", sa.String),  # upper case, for case-insensitive PN matching
    sa.Column("patient_birth_date", sa.String(8)),
    sa.Column("patient_sex", sa.String(16)),
    _counter("num_studies"),
    _counter("num_series"),
    _counter("num_instances"),
    sa.Index("ix_patient_name_key", "patient_name_key", postgresql_ops={"patient_name_key": _PATTERN_OPS}),
    sa.Index("ix_patient_birth_date", "patient_birth_date"),
)

study = sa.Table(
    "study",
    metadata,
    sa.Column("pk", sa.Integer, primary_key=True),
    sa.Column("study_instance_uid", sa.String(64), nullable=False, unique=True),
    sa.Column("patient_pk", sa.Integer, sa.ForeignKey("patient.pk"), nullable=False, index=True),
    sa.Column("study_date", sa.String(8), index=True),
    sa.Column("study_time", sa.String(16)),
    sa.Column("accession_number", sa.String, index=True),
    sa.Column("referring_physician_name", sa.String),
    sa.Column("referring_physician_name_key", sa.String),
    sa.Column("study_id", sa.String),
    sa.Column("study_description", sa.String),
    sa.Column("modalities_in_study", sa.String),  # backslash-joined, sorted; matching uses study_modality
    sa.Column("clinical_trial_protocol_id", sa.String, index=True),
    sa.Column("clinical_trial_site_id", sa.String, index=True),
    sa.Column("clinical_trial_subject_id", sa.String),
    _counter("num_series"),
    _counter("num_instances"),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
)

study_modality = sa.Table(
    "study_modality",
    metadata,
    sa.Column("study_pk", sa.Integer, sa.ForeignKey("study.pk"), primary_key=True),
    sa.Column("modality", sa.String(16), primary_key=True),
    sa.Index("ix_study_modality_modality", "modality"),
)

series = sa.Table(
    "series",
    metadata,
    sa.Column("pk", sa.Integer, primary_key=True),
    sa.Column("series_instance_uid", sa.String(64), nullable=False, unique=True),
    sa.Column("study_pk", sa.Integer, sa.ForeignKey("study.pk"), nullable=False, index=True),
    sa.Column("modality", sa.String(16), index=True),
    sa.Column("series_number", sa.Integer),
    sa.Column("series_description", sa.String),
    sa.Column("body_part_examined", sa.String),
    sa.Column("manufacturer", sa.String),
    sa.Column("institution_name", sa.String),
    sa.Column("performed_procedure_step_start_date", sa.String(8)),
    sa.Column("performed_procedure_step_start_time", sa.String(16)),
    _counter("num_instances"),
)

instance = sa.Table(
    "instance",
    metadata,
    sa.Column("pk", sa.Integer, primary_key=True),
    sa.Column("sop_instance_uid", sa.String(64), nullable=False, unique=True),
    sa.Column("series_pk", sa.Integer, sa.ForeignKey("series.pk"), nullable=False),
    sa.Column("study_pk", sa.Integer, sa.ForeignKey("study.pk"), nullable=False, index=True),
    sa.Column("sop_class_uid", sa.String(64), nullable=False),
    sa.Column("instance_number", sa.Integer),
    sa.Column("rows", sa.Integer),
    sa.Column("columns", sa.Integer),
    sa.Column("bits_allocated", sa.Integer),
    sa.Column("number_of_frames", sa.Integer),
    sa.Column("transfer_syntax_uid", sa.String(64), nullable=False),
    sa.Column("clinical_trial_protocol_id", sa.String),
    sa.Column("clinical_trial_site_id", sa.String),
    sa.Column("path", sa.String, nullable=False),  # relative to the data folder
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_instance_series_number", "series_pk", "instance_number"),
)

conflict = sa.Table(
    "conflict",
    metadata,
    sa.Column("pk", sa.Integer, primary_key=True),
    sa.Column("sop_instance_uid", sa.String(64), nullable=False),
    sa.Column("study_instance_uid", sa.String(64), nullable=False, index=True),
    sa.Column("series_instance_uid", sa.String(64), nullable=False),
    sa.Column("path", sa.String, nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("existing_sha256", sa.String(64), nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("sop_instance_uid", "sha256", name="uq_conflict_uid_sha256"),
)

# Blob files whose index rows are gone: written in the deleting transaction, removed once unlinked, and
# finished on the next open if the process died in between (so a deletion never leaves bytes behind).
pending_unlink = sa.Table(
    "pending_unlink",
    metadata,
    sa.Column("pk", sa.Integer, primary_key=True),
    sa.Column("sop_instance_uid", sa.String(64), nullable=False),
    sa.Column("path", sa.String, nullable=False),
)

# The change feed: one row per instance indexed or removed, written in the same transaction as the index
# change, numbered in commit order (``store.changes``). Replayed by ``Archive.changes(since=...)``.
changes = sa.Table(
    "changes",
    metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(16), nullable=False),  # "stored" | "removed"
    sa.Column("sop_instance_uid", sa.String(64), nullable=False),
    sa.Column("series_instance_uid", sa.String(64), nullable=False),
    sa.Column("study_instance_uid", sa.String(64), nullable=False, index=True),
    sa.Column("sop_class_uid", sa.String(64), nullable=False),
    sa.Column("project", sa.String, nullable=False),  # ClinicalTrialProtocolID as indexed, "" when absent
    sa.Column("site", sa.String, nullable=False),
    sa.Column("modality", sa.String(16), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("origin_interface", sa.String),  # who caused it, as the caller said (NULL: not said)
    sa.Column("origin_principal", sa.String),
    sa.Column("origin_address", sa.String),
    sqlite_autoincrement=True,  # a sequence number is never reused, even after the newest row is trimmed
)

# Instances just committed whose files were still being flushed: the store flushes the files, their folders
# and the index commit at the same time, and clears these rows in a later transaction once all are done.
# ``Archive.open`` checks what a crash left here: a row whose file is missing or not whole (its size and hash
# differ from the row's) is removed, its sender was never acknowledged; the files and folders of the others
# are flushed.
unsettled = sa.Table(
    "unsettled",
    metadata,
    sa.Column("pk", sa.Integer, primary_key=True),
    sa.Column("sop_instance_uid", sa.String(64), nullable=False),
    sa.Column("series_instance_uid", sa.String(64), nullable=False),
    sa.Column("study_instance_uid", sa.String(64), nullable=False),
    sa.Column("path", sa.String, nullable=False),
)
