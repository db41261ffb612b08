"""Tasks and reporters for the routing tests, with defaults that make every reporter eligible unless told."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta

from imaging_hub.network.reporting import Pathway, Priority, Reporter, ReporterLoad, ReportingTask, parse_session

AT = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)  # a Monday; London is on GMT, so local time is UTC
DAY_PATHWAY = Pathway("overflow-24h", timedelta(hours=24))
READ_PATHWAY = Pathway("trial-read", timedelta(days=14), research=True)


def task(
    task_id: str,
    *,
    site: str = "A",
    priority: Priority = Priority.ROUTINE,
    hours_ago: float = 1.0,
    pathway: Pathway = DAY_PATHWAY,
    modality: str = "CT",
    body_part: str = "CHEST",
    subspecialty: str | None = None,
) -> ReportingTask:
    return ReportingTask(
        task_id=task_id,
        accession=f"ACC{task_id}",
        site=site,
        modality=modality,
        body_part=body_part,
        priority=priority,
        acquired_at=AT - timedelta(hours=hours_ago),
        pathway=pathway,
        subspecialty=subspecialty,
    )


def reporter(
    reporter_id: str,
    *,
    home: str = "A",
    sites: Iterable[str] = ("A",),
    subspecialties: Iterable[str] = (),
    sessions: Iterable[str] = ("Mon 08:00-18:00",),
    research_sessions: Iterable[str] = (),
    stat: int = 0,
    workload: float = 0.0,
    by_subspecialty: Mapping[str, int] | None = None,
    share_targets: Mapping[str, float] | None = None,
) -> Reporter:
    return Reporter(
        reporter_id=reporter_id,
        home_site=home,
        credentialed_sites=frozenset(sites),
        subspecialties=frozenset(subspecialties),
        sessions=tuple(parse_session(s) for s in sessions),
        research_sessions=tuple(parse_session(s) for s in research_sessions),
        share_targets=dict(share_targets or {}),
        load=ReporterLoad(stat, workload, dict(by_subspecialty or {})),
    )
