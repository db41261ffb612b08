"""Dask clients for the rooms' jobs. ``dask.distributed`` is imported when a client is made, not at import: it
takes seconds to import, and every CLI command imports the rooms."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dask.distributed import Client


@dataclass(frozen=True)
class ClusterChoice:
    scheduler: str | None = None  # e.g. "tcp://10.0.0.5:8786"; None starts a LocalCluster
    n_workers: int | None = None
    processes: bool = True  # threads only (False) starts faster; processes run numpy and models without the GIL


@contextmanager
def dask_client(choice: ClusterChoice) -> Iterator[Client]:
    from dask.distributed import Client, LocalCluster

    if choice.scheduler is not None:
        with Client(choice.scheduler) as client:
            yield client
        return
    with LocalCluster(n_workers=choice.n_workers, processes=choice.processes, threads_per_worker=1,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client


class KeptClient:
    """A Dask client kept open across runs, usable from any thread; ``close()`` ends it and the LocalCluster it
    started."""

    def __init__(self, choice: ClusterChoice) -> None:
        from dask.distributed import Client, LocalCluster

        self._cluster = None if choice.scheduler is not None else LocalCluster(
            n_workers=choice.n_workers, processes=choice.processes, threads_per_worker=1, dashboard_address=None,
            silence_logs=logging.ERROR)
        self.client = Client(choice.scheduler or self._cluster, set_as_default=False)

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()
