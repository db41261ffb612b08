"""QC over what the hub's archive holds: a whole project on demand, or the series a batch of changes touched."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from imaging_hub.cluster import ClusterChoice
from imaging_hub.quality.archive_series import HeldSeries, by_site, held_series, project_series
from imaging_hub.quality.folder import SeriesFiles
from imaging_hub.quality.jobs import RunSummary, run_quality_jobs
from imaging_hub.quality.room import QualityRoom
from imaging_hub.store import Archive

if TYPE_CHECKING:
    from dask.distributed import Client


def run_project(
    archive: Archive, room: QualityRoom, project: str, *, cluster: ClusterChoice | None = None,
    client: Client | None = None, on_found: Callable[[int], None] | None = None,
    on_done: Callable[[SeriesFiles], None] | None = None,
) -> RunSummary:
    """Assess every series of ``project`` not yet assessed in its content against the current protocol.
    ``on_found(n)``: how many series there are, before any runs (for a progress bar)."""
    series = project_series(archive, project)
    if on_found is not None:
        on_found(len(series))
    return assess_held(room, project, series, cluster=cluster, client=client, on_done=on_done)


def run_touched(
    archive: Archive, room: QualityRoom, touched: Iterable[tuple[str, str, str]], *,
    cluster: ClusterChoice | None = None, client: Client | None = None,
) -> RunSummary:
    """Assess the (project, study, series) a batch of changes touched; a series no longer held is forgotten."""
    total = RunSummary()
    per_project: dict[str, list[HeldSeries]] = {}
    for project, study_uid, series_uid in sorted(set(touched)):
        found = held_series(archive, project, study_uid, series_uid)
        if not found:
            room.forget_series(project, series_uid)
        per_project.setdefault(project, []).extend(found)
    for project, series in per_project.items():
        total.add(assess_held(room, project, series, cluster=cluster, client=client))
    return total


def assess_held(
    room: QualityRoom, project: str, series: list[HeldSeries], *, cluster: ClusterChoice | None = None,
    client: Client | None = None, on_done: Callable[[SeriesFiles], None] | None = None,
) -> RunSummary:
    stored = room.protocol(project)
    protocol = stored.protocol if stored is not None else None
    total = RunSummary()
    for site, files in by_site(series).items():  # a site's approved deviations apply to its own series
        total.add(run_quality_jobs(files, room.results(project), protocol=protocol, site=site, cluster=cluster,
                                   client=client, on_done=on_done))
    return total
