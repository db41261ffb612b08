"""The LocalCluster a run starts is this process's alone: another local user can neither submit work to it nor
read its status pages, whether its workers are processes or threads."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request

import pytest
from distributed import Client
from distributed.security import Security
from distributed.utils import get_ip

from imaging_hub.cluster import ClusterChoice, KeptClient, dask_client


def _status(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return refused.code


@pytest.mark.parametrize("processes", [True, False], ids=["processes", "threads"])
def test_a_local_cluster_answers_only_its_own_client(processes: bool) -> None:
    with dask_client(ClusterChoice(n_workers=1, processes=processes)) as client:
        assert client.submit(sum, [1, 2, 3]).result(timeout=60) == 6
        scheduler = client.cluster.scheduler  # type: ignore[union-attr]
        address = scheduler.address
        assert address.startswith("tls://127.0.0.1:"), address

        # Someone else on the host: a plain connection, and TLS with keys of their own, are both refused.
        with pytest.raises((OSError, TimeoutError)):
            Client(address.replace("tls://", "tcp://"), timeout=3)
        with pytest.raises((OSError, TimeoutError)):
            Client(address, security=Security.temporary(), timeout=3)

        # The scheduler's HTTP server: loopback only, not the default 8787, and nothing but the health check.
        http = scheduler.http_server
        assert http.address == "127.0.0.1" and http.port != 8787
        assert _status(http.port, "/health") == 200
        for page in ("/metrics", "/info/main/workers.html", "/json/counts.json", "/status"):
            assert _status(http.port, page) == 404, page
        outward = get_ip()  # the host's address towards other machines (Dask's own choice of it)
        if not outward.startswith("127."):
            with socket.socket() as probe:
                probe.settimeout(3)
                assert probe.connect_ex((outward, http.port)) != 0


def test_a_kept_client_runs_work_and_closes_its_cluster() -> None:
    kept = KeptClient(ClusterChoice(n_workers=1, processes=False))
    try:
        assert kept.client.submit(pow, 2, 10).result(timeout=60) == 1024
        assert kept.client.scheduler.address.startswith("tls://127.0.0.1:")
    finally:
        kept.close()
    assert kept.client.status == "closed"
