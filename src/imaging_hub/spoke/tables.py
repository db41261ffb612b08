"""The spoke's tables (SQLAlchemy Core), one SQLite file in its data folder; created and changed only by the
migrations in ``spoke/migrations``.

Times are ``time.time()`` seconds. Identifiable values (local patient ID, NHS number) live only in
``participant``, the enrolment; everything else holds pseudonymous IDs, UIDs and keyed hashes.
"""

from __future__ import annotations

from sqlalchemy import REAL, CheckConstraint, Column, Index, Integer, MetaData, Table, Text

metadata = MetaData()


def _text(name: str, **kw: object) -> Column[str]:
    return Column(name, Text, nullable=False, server_default="", **kw)  # type: ignore[arg-type]


def _count(name: str) -> Column[int]:
    return Column(name, Integer, nullable=False, server_default="0")


participant = Table(
    "participant", metadata,
    Column("project_id", Text, primary_key=True),
    Column("participant_id", Text, primary_key=True),
    _text("local_patient_id"),
    _text("nhs_number"),
    _text("window_start"),
    _text("window_end"),
    _text("modalities"),
    Column("withdrawn_at", REAL),
    Column("enrolled_at", REAL),  # first seen on the enrolment list (the recruitment month); kept on reloads
    Index("participant_local", "local_patient_id"),
    Index("participant_nhs", "nhs_number"),
)

opt_out = Table(  # the national data opt-out register: keyed hashes of NHS numbers only
    "opt_out", metadata,
    Column("nhs_hash", Text, primary_key=True),
    Column("checked_on", Text, nullable=False),
)

opt_out_load = Table(  # the one register loaded, and from which file
    "opt_out_load", metadata,
    Column("id", Integer, CheckConstraint("id = 1"), primary_key=True, autoincrement=False),
    Column("loaded_at", REAL, nullable=False),
    Column("source", Text, nullable=False),
    Column("source_mtime", REAL, nullable=False),
    Column("entries", Integer, nullable=False),
    Column("latest_check", Text, nullable=False),
)

study = Table(  # studies found at the PACS for a participant, and what their retrieve came to
    "study", metadata,
    Column("project_id", Text, primary_key=True),
    Column("source_study_uid", Text, primary_key=True),
    Column("deid_study_uid", Text, nullable=False),
    Column("participant_id", Text, nullable=False),
    Column("expected_instances", Integer),
    Column("expected_series", Integer),
    _text("retrieve_error"),
    _count("retrieve_attempts"),
    Column("queried_at", REAL),
    Column("retrieved_at", REAL),  # when a retrieve of it last ended without error
)

instance = Table(  # one row per instance per project: the outbox and the record of what became of it
    "instance", metadata,
    Column("project_id", Text, primary_key=True),
    Column("source_sop_uid", Text, primary_key=True),
    Column("source_study_uid", Text, nullable=False),
    _text("source_series_uid"),  # '' in rows from before version 5
    Column("source_sha256", Text, nullable=False),  # fingerprint.source_fingerprint (older rows: the file's SHA-256)
    Column("participant_id", Text, nullable=False),
    _text("deid_study_uid"),
    _text("deid_sop_uid"),
    Column("state", Text, nullable=False),
    _text("reason"),
    _text("finding"),  # failed acquisition checks that only warn ('' when none)
    _text("blob"),
    _text("sha256"),
    _count("size"),
    _count("attempts"),
    Column("next_attempt", REAL, nullable=False, server_default="0"),
    Column("updated_at", REAL, nullable=False),
    Index("instance_due", "state", "next_attempt"),
    Index("instance_study", "project_id", "source_study_uid"),
    Index("instance_participant", "project_id", "participant_id"),
    Index("instance_deid", "project_id", "deid_sop_uid"),  # the hub's reconciliation answers name these
)

decision = Table(  # who was kept back and why, under keyed hashes, with a count
    "decision", metadata,
    Column("project_id", Text, primary_key=True),
    Column("subject_hash", Text, primary_key=True),
    Column("study_hash", Text, primary_key=True),
    Column("decision", Text, primary_key=True),
    Column("reason", Text, primary_key=True),
    Column("instances", Integer, nullable=False),
    Column("first_at", REAL, nullable=False),
    Column("last_at", REAL, nullable=False),
)

withdrawal = Table(  # withdrawals, until the hub confirms it removed what it held
    "withdrawal", metadata,
    Column("project_id", Text, primary_key=True),
    Column("participant_id", Text, primary_key=True),
    Column("requested_at", REAL, nullable=False),
    Column("hub_notified_at", REAL),
    Column("hub_removed", Integer),
    _count("attempts"),
    Column("next_attempt", REAL, nullable=False, server_default="0"),
    _text("last_error"),
)

pull_request = Table(  # pulls asked for from the CLI, taken by the running spoke
    "pull_request", metadata,
    Column("id", Integer, primary_key=True),
    _text("project_id"),
    Column("requested_at", REAL, nullable=False),
    Column("started_at", REAL),
    Column("finished_at", REAL),
    _text("outcome"),
    sqlite_autoincrement=True,
)

participant_lookup = Table(
    "participant_lookup", metadata,
    Column("project_id", Text, primary_key=True),
    Column("participant_id", Text, primary_key=True),
    Column("outcome", Text, nullable=False),  # why the PACS query found nothing ('' once something was found)
    Column("queried_at", REAL, nullable=False),
    _count("attempts"),  # lookups in a row the PACS could not answer (retried with backoff)
)

health = Table(  # the running spoke's health, one value per key
    "health", metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", REAL, nullable=False),
)

held_review = Table(  # instances held for a person's review of their pixels; the candidate file is ``instance.blob``
    "held_review", metadata,
    Column("project_id", Text, primary_key=True),
    Column("source_sop_uid", Text, primary_key=True),
    Column("reason", Text, nullable=False),  # why it was held, in words safe to show (no value from the image)
    Column("proposed", Text, nullable=False, server_default="[]"),  # JSON [[x, y, w, h], ...] from the screen
    Column("added", Text, nullable=False, server_default="[]"),  # JSON boxes a reviewer added
    Column("held_at", REAL, nullable=False),
)

review_audit = Table(  # every look at and decision on held instances, refusals included; append only
    "review_audit", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", REAL, nullable=False),
    Column("reviewer", Text, nullable=False),
    Column("interface", Text, nullable=False),  # web or cli
    Column("action", Text, nullable=False),  # list, view, mask, release, reject
    _text("project_id"),
    _text("deid_sop_uid"),  # the de-identified UID: the source's never leaves the instance table
    Column("outcome", Text, nullable=False),  # done, or refused: why
    _text("detail"),
    sqlite_autoincrement=True,
)
