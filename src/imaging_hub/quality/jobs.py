"""QC over many series as Dask jobs: a LocalCluster by default, or the cluster at a scheduler address.

Idempotent and resumable: a series whose (SeriesInstanceUID, content hash, protocol version) is already in
the result log is not run again, and each task's Dask key names them, so a cluster never runs one series
twice at once.
Workers read the series' files themselves, so a remote cluster must see the same paths.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from imaging_hub.quality.assess import assess_series, protocol_label
from imaging_hub.quality.folder import SeriesFiles
from imaging_hub.quality.protocol import AcquisitionProtocol
from imaging_hub.quality.result_log import ResultLog

if TYPE_CHECKING:
    from dask.distributed import Client


@dataclass
class RunSummary:
    assessed: int = 0
    already_done: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (series UID, reason)


@dataclass(frozen=True)
class ClusterChoice:
    scheduler: str | None = None  # e.g. "tcp://10.0.0.5:8786"; None starts a LocalCluster
    n_workers: int | None = None
    processes: bool = True  # threads only (False) starts faster; processes run numpy without the GIL


@contextmanager
def dask_client(choice: ClusterChoice) -> Iterator[Client]:
    # Imported here: dask.distributed takes seconds to import, and every CLI command imports this package.
    from dask.distributed import Client, LocalCluster

    if choice.scheduler is not None:
        with Client(choice.scheduler) as client:
            yield client
        return
    with LocalCluster(n_workers=choice.n_workers, processes=choice.processes, threads_per_worker=1,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client


def pending(series: Sequence[SeriesFiles], log: ResultLog, protocol: AcquisitionProtocol | None) -> list[SeriesFiles]:
    """The series not yet assessed in this content against this protocol version."""
    done = log.done()
    label = protocol_label(protocol)
    return [s for s in series if (s.series_instance_uid, s.content_hash, label) not in done]


def run_quality_jobs(
    series: Sequence[SeriesFiles], log: ResultLog, *, protocol: AcquisitionProtocol | None = None,
    site: str | None = None, cluster: ClusterChoice | None = None,
    on_done: Callable[[SeriesFiles], None] | None = None,
) -> RunSummary:
    """Assess every series not yet in the log; each result is appended as soon as it arrives."""
    todo = pending(series, log, protocol)
    summary = RunSummary(already_done=len(series) - len(todo))
    if not todo:
        return summary
    from dask.distributed import as_completed

    label = protocol_label(protocol)
    with dask_client(cluster or ClusterChoice()) as client:
        futures = {
            client.submit(assess_series, files, protocol, site,
                          key=f"quality-{files.series_instance_uid}-{files.content_hash}-{label}"): files
            for files in todo
        }
        for future in as_completed(futures):
            files = futures[future]
            try:
                log.append(future.result())
                summary.assessed += 1
            except Exception as exc:  # a failed series stays pending and is tried again on the next run
                summary.failed.append((files.series_instance_uid, f"{type(exc).__name__}: {exc}"))
            if on_done is not None:
                on_done(files)
    return summary
