"""The archive index: patient / study / series / instance, conflicts, pending unlinks.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_PATTERN = {"postgresql_ops": {"patient_name_key": "text_pattern_ops"}}


def _counter(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer, nullable=False, server_default="0")


def upgrade() -> None:
    op.create_table(
        "patient",
        sa.Column("pk", sa.Integer, primary_key=True),
        sa.Column("patient_id", sa.String, nullable=False),
        sa.Column("patient_name", sa.String),
        sa.Column("patient_name_key", sa.String),
        sa.Column("patient_birth_date", sa.String(8)),
        sa.Column("patient_sex", sa.String(16)),
        _counter("num_studies"),
        _counter("num_series"),
        _counter("num_instances"),
        sa.UniqueConstraint("patient_id", name="uq_patient_patient_id"),
    )
    op.create_index("ix_patient_name_key", "patient", ["patient_name_key"], **_PATTERN)  # type: ignore[arg-type]
    op.create_index("ix_patient_birth_date", "patient", ["patient_birth_date"])

    op.create_table(
        "study",
        sa.Column("pk", sa.Integer, primary_key=True),
        sa.Column("study_instance_uid", sa.String(64), nullable=False),
        sa.Column("patient_pk", sa.Integer, sa.ForeignKey("patient.pk"), nullable=False),
        sa.Column("study_date", sa.String(8)),
        sa.Column("study_time", sa.String(16)),
        sa.Column("accession_number", sa.String),
        sa.Column("referring_physician_name", sa.String),
        sa.Column("referring_physician_name_key", sa.String),
        sa.Column("study_id", sa.String),
        sa.Column("study_description", sa.String),
        sa.Column("modalities_in_study", sa.String),
        sa.Column("clinical_trial_protocol_id", sa.String),
        sa.Column("clinical_trial_site_id", sa.String),
        sa.Column("clinical_trial_subject_id", sa.String),
        _counter("num_series"),
        _counter("num_instances"),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("study_instance_uid", name="uq_study_study_instance_uid"),
    )
    for column in ("patient_pk", "study_date", "accession_number", "clinical_trial_protocol_id",
                   "clinical_trial_site_id"):
        op.create_index(f"ix_study_{column}", "study", [column])

    op.create_table(
        "study_modality",
        sa.Column("study_pk", sa.Integer, sa.ForeignKey("study.pk"), primary_key=True),
        sa.Column("modality", sa.String(16), primary_key=True),
    )
    op.create_index("ix_study_modality_modality", "study_modality", ["modality"])

    op.create_table(
        "series",
        sa.Column("pk", sa.Integer, primary_key=True),
        sa.Column("series_instance_uid", sa.String(64), nullable=False),
        sa.Column("study_pk", sa.Integer, sa.ForeignKey("study.pk"), nullable=False),
        sa.Column("modality", sa.String(16)),
        sa.Column("series_number", sa.Integer),
        sa.Column("series_description", sa.String),
        sa.Column("body_part_examined", sa.String),
        sa.Column("manufacturer", sa.String),
        sa.Column("institution_name", sa.String),
        sa.Column("performed_procedure_step_start_date", sa.String(8)),
        sa.Column("performed_procedure_step_start_time", sa.String(16)),
        _counter("num_instances"),
        sa.UniqueConstraint("series_instance_uid", name="uq_series_series_instance_uid"),
    )
    op.create_index("ix_series_study_pk", "series", ["study_pk"])
    op.create_index("ix_series_modality", "series", ["modality"])

    op.create_table(
        "instance",
        sa.Column("pk", sa.Integer, primary_key=True),
        sa.Column("sop_instance_uid", sa.String(64), nullable=False),
        sa.Column("series_pk", sa.Integer, sa.ForeignKey("series.pk"), nullable=False),
        sa.Column("study_pk", sa.Integer, sa.ForeignKey("study.pk"), nullable=False),
        sa.Column("sop_class_uid", sa.String(64), nullable=False),
        sa.Column("instance_number", sa.Integer),
        sa.Column("rows", sa.Integer),
        sa.Column("columns", sa.Integer),
        sa.Column("bits_allocated", sa.Integer),
        sa.Column("number_of_frames", sa.Integer),
        sa.Column("transfer_syntax_uid", sa.String(64), nullable=False),
        sa.Column("clinical_trial_protocol_id", sa.String),
        sa.Column("clinical_trial_site_id", sa.String),
        sa.Column("path", sa.String, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("sop_instance_uid", name="uq_instance_sop_instance_uid"),
    )
    op.create_index("ix_instance_study_pk", "instance", ["study_pk"])
    op.create_index("ix_instance_series_number", "instance", ["series_pk", "instance_number"])

    op.create_table(
        "conflict",
        sa.Column("pk", sa.Integer, primary_key=True),
        sa.Column("sop_instance_uid", sa.String(64), nullable=False),
        sa.Column("study_instance_uid", sa.String(64), nullable=False),
        sa.Column("series_instance_uid", sa.String(64), nullable=False),
        sa.Column("path", sa.String, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("existing_sha256", sa.String(64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("sop_instance_uid", "sha256", name="uq_conflict_uid_sha256"),
    )
    op.create_index("ix_conflict_study_instance_uid", "conflict", ["study_instance_uid"])

    op.create_table(
        "pending_unlink",
        sa.Column("pk", sa.Integer, primary_key=True),
        sa.Column("sop_instance_uid", sa.String(64), nullable=False),
        sa.Column("path", sa.String, nullable=False),
    )


def downgrade() -> None:
    for table in ("pending_unlink", "conflict", "instance", "series", "study_modality", "study", "patient"):
        op.drop_table(table)
