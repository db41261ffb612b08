"""QC over many series as Dask jobs: a LocalCluster by default, or the cluster at a scheduler address.

Idempotent and resumable: a series whose (SeriesInstanceUID, content hash, protocol version) is already in
the result log is not run again, and each task's Dask key names them, so a cluster never runs one series
twice at once.
Workers read the series' files themselves, so a remote cluster must see the same paths.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from imaging_hub.cluster import ClusterChoice, dask_client
from imaging_hub.quality.assess import assess_series, protocol_label
from imaging_hub.quality.folder import SeriesFiles
from imaging_hub.quality.protocol import AcquisitionProtocol
from imaging_hub.quality.results import QcRecord

if TYPE_CHECKING:
    from dask.distributed import Client


class ResultSink(Protocol):
    """Where results go: a ``ResultLog`` file offline, the quality room's table at the hub."""

    def done(self) -> set[tuple[str, str, str | None]]: ...

    def append(self, record: QcRecord) -> None: ...


@dataclass
class RunSummary:
    assessed: int = 0
    already_done: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (series UID, reason)

    def add(self, other: RunSummary) -> None:
        """Count ``other`` (another part of the same run) in this one."""
        self.assessed += other.assessed
        self.already_done += other.already_done
        self.failed += other.failed


def pending(series: Sequence[SeriesFiles], log: ResultSink, protocol: AcquisitionProtocol | None) -> list[SeriesFiles]:
    """The series not yet assessed in this content against this protocol version."""
    done = log.done()
    label = protocol_label(protocol)
    return [s for s in series if (s.series_instance_uid, s.content_hash, label) not in done]


def run_quality_jobs(
    series: Sequence[SeriesFiles], log: ResultSink, *, protocol: AcquisitionProtocol | None = None,
    site: str | None = None, cluster: ClusterChoice | None = None,
    on_done: Callable[[SeriesFiles], None] | None = None, client: Client | None = None,
) -> RunSummary:
    """Assess every series not yet in the log; each result is appended as soon as it arrives.

    ``client``: a Dask client already open (the hub's subscriber keeps one); otherwise one is opened on
    ``cluster`` for this run and closed after it."""
    todo = pending(series, log, protocol)
    summary = RunSummary(already_done=len(series) - len(todo))
    if not todo:
        return summary
    if client is not None:
        _collect(client, todo, log, protocol, site, summary, on_done)
        return summary
    with dask_client(cluster or ClusterChoice()) as own:
        _collect(own, todo, log, protocol, site, summary, on_done)
    return summary


def _collect(client: Client, todo: Sequence[SeriesFiles], log: ResultSink, protocol: AcquisitionProtocol | None,
             site: str | None, summary: RunSummary, on_done: Callable[[SeriesFiles], None] | None) -> None:
    from dask.distributed import as_completed

    label = protocol_label(protocol)
    futures = {
        client.submit(assess_series, files, protocol, site,
                      key=f"quality-{files.series_instance_uid}-{files.content_hash}-{label}"): files
        for files in todo
    }
    for future in as_completed(futures, loop=client.loop):
        files = futures[future]
        try:
            log.append(future.result())
            summary.assessed += 1
        except Exception as exc:  # a failed series stays pending and is tried again on the next run
            summary.failed.append((files.series_instance_uid, f"{type(exc).__name__}: {exc}"))
        if on_done is not None:
            on_done(files)
