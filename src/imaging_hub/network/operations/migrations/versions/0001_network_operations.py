"""network operations: register, bookings, worklist

Revision ID: 0001
Revises:
Create Date: 2026-12-06 09:21:49.984726
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "net_op_booking",
        sa.Column("visit_id", sa.String(length=64), nullable=False),
        sa.Column("slot_id", sa.String(length=100), nullable=False),
        sa.Column("scanner_id", sa.String(length=64), nullable=False),
        sa.Column("site", sa.String(length=32), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("project", sa.String(length=64), nullable=False),
        sa.Column("timepoint", sa.String(length=64), nullable=False),
        sa.Column("booked_by", sa.String(length=320), nullable=False),
        sa.Column("booked_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("visit_id", name=op.f("pk_net_op_booking")),
    )
    op.create_index(op.f("ix_net_op_booking_slot_id"), "net_op_booking", ["slot_id"], unique=False)
    op.create_table(
        "net_op_reporter",
        sa.Column("reporter_id", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=320), nullable=False),
        sa.Column("home_site", sa.String(length=32), nullable=False),
        sa.Column("credentialed_sites", sa.Text(), nullable=False),
        sa.Column("subspecialties", sa.Text(), nullable=False),
        sa.Column("sessions", sa.Text(), nullable=False),
        sa.Column("research_sessions", sa.Text(), nullable=False),
        sa.Column("share_targets", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("reporter_id", name=op.f("pk_net_op_reporter")),
    )
    op.create_index(op.f("ix_net_op_reporter_account"), "net_op_reporter", ["account"], unique=False)
    op.create_table(
        "net_op_scanner",
        sa.Column("scanner_id", sa.String(length=64), nullable=False),
        sa.Column("site", sa.String(length=32), nullable=False),
        sa.Column("modality", sa.String(length=16), nullable=False),
        sa.Column("manufacturer", sa.String(length=200), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("field_strength_t", sa.Float(), nullable=True),
        sa.Column("software_version", sa.String(length=200), nullable=False),
        sa.Column("capabilities", sa.Text(), nullable=False),
        sa.Column("weekly_hours", sa.Float(), nullable=True),
        sa.Column("station_name", sa.String(length=64), nullable=False),
        sa.Column("serial_number", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=True),
        sa.Column("series_seen", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scanner_id", name=op.f("pk_net_op_scanner")),
    )
    op.create_index(op.f("ix_net_op_scanner_site"), "net_op_scanner", ["site"], unique=False)
    op.create_table(
        "net_op_site",
        sa.Column("site", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("site", name=op.f("pk_net_op_site")),
    )
    op.create_table(
        "net_op_task",
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("accession", sa.String(length=64), nullable=False),
        sa.Column("site", sa.String(length=32), nullable=False),
        sa.Column("modality", sa.String(length=16), nullable=False),
        sa.Column("body_part", sa.String(length=64), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("acquired_at", sa.DateTime(), nullable=False),
        sa.Column("pathway", sa.String(length=64), nullable=False),
        sa.Column("turnaround_minutes", sa.Integer(), nullable=False),
        sa.Column("research", sa.Boolean(), nullable=False),
        sa.Column("subspecialty", sa.String(length=64), nullable=True),
        sa.Column("blinded", sa.Boolean(), nullable=False),
        sa.Column("service_request", sa.String(length=200), nullable=True),
        sa.Column("imaging_study", sa.String(length=200), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reporter_id", sa.String(length=64), nullable=True),
        sa.Column("since", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("report_text", sa.Text(), nullable=True),
        sa.Column("report_conclusion", sa.Text(), nullable=True),
        sa.Column("reported_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_net_op_task")),
    )
    op.create_index(op.f("ix_net_op_task_reporter_id"), "net_op_task", ["reporter_id"], unique=False)
    op.create_index(op.f("ix_net_op_task_site"), "net_op_task", ["site"], unique=False)
    op.create_table(
        "net_op_worklist_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("reporter_id", sa.String(length=64), nullable=True),
        sa.Column("before", sa.String(length=16), nullable=True),
        sa.Column("after", sa.String(length=16), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_net_op_worklist_event")),
    )
    op.create_index(op.f("ix_net_op_worklist_event_task_id"), "net_op_worklist_event", ["task_id"], unique=False)
    op.create_table(
        "net_op_session",
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("scanner_id", sa.String(length=64), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start", sa.String(length=5), nullable=False),
        sa.Column("end", sa.String(length=5), nullable=False),
        sa.Column("cancelled", sa.Text(), nullable=False),
        sa.Column("added", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scanner_id"], ["net_op_scanner.scanner_id"], name=op.f("fk_net_op_session_scanner_id")
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_net_op_session")),
    )
    op.create_index(op.f("ix_net_op_session_scanner_id"), "net_op_session", ["scanner_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_net_op_session_scanner_id"), table_name="net_op_session")
    op.drop_table("net_op_session")
    op.drop_index(op.f("ix_net_op_worklist_event_task_id"), table_name="net_op_worklist_event")
    op.drop_table("net_op_worklist_event")
    op.drop_index(op.f("ix_net_op_task_site"), table_name="net_op_task")
    op.drop_index(op.f("ix_net_op_task_reporter_id"), table_name="net_op_task")
    op.drop_table("net_op_task")
    op.drop_table("net_op_site")
    op.drop_index(op.f("ix_net_op_scanner_site"), table_name="net_op_scanner")
    op.drop_table("net_op_scanner")
    op.drop_index(op.f("ix_net_op_reporter_account"), table_name="net_op_reporter")
    op.drop_table("net_op_reporter")
    op.drop_index(op.f("ix_net_op_booking_slot_id"), table_name="net_op_booking")
    op.drop_table("net_op_booking")
