"""The spokes' recruitment counts (from their heartbeats, kept by ``spoke_contact``) as the activity count's
records: which sites report them, and each site's latest count per project and month. Counts only."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from imaging_hub.hub.tables import spoke_contact, spoke_enrolment
from imaging_hub.network.activity import RecruitedCount
from imaging_hub.store import Archive


@dataclass(frozen=True)
class SpokeRecruitment:
    sites: frozenset[str]  # sites whose spokes have reported counts (even none): their proxy is not used
    counts: tuple[RecruitedCount, ...]


def spoke_recruitment(archive: Archive) -> SpokeRecruitment:
    """None reported where the hub room's tables predate them (a hub not served since: the CLI reads it as is)."""
    with archive.database.reading() as conn:
        if not sa.inspect(conn).has_table(spoke_enrolment.name):
            return SpokeRecruitment(frozenset(), ())
        sites = frozenset(conn.scalars(sa.select(spoke_contact.c.site_id).where(
            spoke_contact.c.enrolment_at.is_not(None))))
        rows = conn.execute(sa.select(spoke_enrolment).order_by(
            spoke_enrolment.c.site_id, spoke_enrolment.c.project_id, spoke_enrolment.c.month)).all()
    return SpokeRecruitment(
        sites, tuple(RecruitedCount(r.project_id, r.site_id, r.month, r.participants) for r in rows)
    )
