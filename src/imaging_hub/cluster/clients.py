"""Dask clients for the rooms' jobs. ``dask.distributed`` is imported when a client is made, not at import: it
takes seconds to import, and every CLI command imports the rooms."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dask.distributed import Client, LocalCluster


@dataclass(frozen=True)
class ClusterChoice:
    scheduler: str | None = None  # e.g. "tcp://10.0.0.5:8786"; None starts a LocalCluster
    n_workers: int | None = None
    processes: bool = True  # threads only (False) starts faster; processes run numpy and models without the GIL


@contextmanager
def dask_client(choice: ClusterChoice) -> Iterator[Client]:
    from dask.distributed import Client

    if choice.scheduler is not None:
        with Client(choice.scheduler) as client:
            yield client
        return
    with _local_cluster(choice) as cluster, Client(cluster) as client:
        yield client


class KeptClient:
    """A Dask client kept open across runs, usable from any thread; ``close()`` ends it and the LocalCluster it
    started."""

    def __init__(self, choice: ClusterChoice) -> None:
        from dask.distributed import Client

        self._cluster = None if choice.scheduler is not None else _local_cluster(choice)
        self.client = Client(choice.scheduler or self._cluster, set_as_default=False)

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def _local_cluster(choice: ClusterChoice) -> LocalCluster:
    """A LocalCluster that only this process can use.

    By default the scheduler and workers accept any local connection (anyone on the host could submit work to
    run as the hub), and the scheduler serves its status pages and metrics over HTTP on port 8787, of every
    interface when the workers are threads. Here the cluster's connections need the temporary TLS keys made
    for it, and the HTTP server answers only its health check, on a free loopback port.
    """
    import dask
    from dask.distributed import LocalCluster
    from distributed.security import Security

    with dask.config.set({"distributed.scheduler.http.routes": ["distributed.http.health"]}):
        return LocalCluster(n_workers=choice.n_workers, processes=choice.processes, threads_per_worker=1,
                            security=Security.temporary(), dashboard_address=None,
                            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}, silence_logs=logging.ERROR)
