"""The courier says the hub is back only when the hub has answered, not when a step had nothing to send."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from harness import free_port

from imaging_hub.spoke import connect
from imaging_hub.spoke.delivery.courier import Courier
from imaging_hub.spoke.delivery.hubclient import HubClient
from imaging_hub.spoke.settings import HubLink
from imaging_hub.spoke.state import health


def test_a_hub_that_stays_down_is_not_reported_back(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    link = HubLink(url=f"https://127.0.0.1:{free_port()}", token="t" * 32, retry_base_s=0.01, retry_cap_s=0.02,
                   reconcile_interval_s=3600.0)
    conn = connect(tmp_path / "data")
    client = HubClient(link)
    courier = Courier(conn, client, link, "RX1")
    try:
        with caplog.at_level(logging.INFO, logger="imaging_hub.spoke.delivery.courier"):
            assert not courier.step()  # the first reconciliation report finds nobody listening
            time.sleep(0.05)  # past the backoff; now nothing is due: the hub is not asked anything
            assert not courier.step()
        assert "hub unavailable" in caplog.text
        assert "reachable again" not in caplog.text
        assert health(conn)["hub"][0].startswith("unavailable: hub unreachable")
        assert client.answered == 0
    finally:
        client.close()
        conn.close()
