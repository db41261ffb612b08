"""Monitoring: chart limits achieve their in-control ARL, no alarm in control, prompt alarms after a change,
drift named, and the webhook reached over real HTTP."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from typer.testing import CliRunner

from imaging_hub.assurance import AssuranceInputError, MonitorOptions, control_charts, monitor, read_stream
from imaging_hub.assurance.monitoring import design_cusum, design_ewma
from imaging_hub.cli import app

from .stream import write_stream


def simulated_arl(step, start: float, limit: float, p: float, runs: int = 4000, seed: int = 0) -> float:
    """Mean cases to the first alarm, by direct simulation of many in-control runs at once."""
    rng = np.random.default_rng(seed)
    state = np.full(runs, start)
    length = np.zeros(runs)
    alive = np.ones(runs, dtype=bool)
    while alive.any():
        errors = rng.random(alive.sum()) < p
        state[alive] = step(state[alive], errors)
        length[alive] += 1
        alive[alive] = state[alive] <= limit
    return float(length.mean())


@pytest.mark.parametrize("p0", [0.05, 0.15])
def test_cusum_limit_achieves_the_stated_arl(p0: float) -> None:
    design = design_cusum(p0, 400)
    down, up = design.increments
    arl = simulated_arl(lambda s, e: np.maximum(0, s + np.where(e, up, down)), 0.0, design.h, p0)
    assert design.arl0 >= 400
    assert arl == pytest.approx(design.arl0, rel=0.08)  # 4000 runs: standard error about 1.6%


def test_ewma_limit_achieves_the_stated_arl() -> None:
    design = design_ewma(0.1, 400)
    arl = simulated_arl(lambda z, e: design.weight * e + (1 - design.weight) * z, 0.1, design.limit, 0.1)
    assert design.arl0 >= 400
    assert arl == pytest.approx(design.arl0, rel=0.08)


def test_default_design_is_at_least_1000_cases_between_false_alarms(tmp_path: Path) -> None:
    stream = read_stream(write_stream(tmp_path / "s.csv", 800, 0.1))
    result = monitor(stream, MonitorOptions(0.5, 500)).json
    assert result["cusum"]["arl0"] >= 1000 and result["ewma"]["arl0"] >= 1000
    assert result["performance_rows"] == int(np.sum(~np.isnan(stream.label[500:])))  # unlabelled rows skipped


# A run of 3000 in-control cases meets a false alarm with probability about 1 - exp(-2 * 3000 / ARL0) over the
# two charts; with ARL0 = 100,000 that is 6%, and the seed below is fixed.
QUIET = 100_000


def test_no_alarm_on_a_long_in_control_stream(tmp_path: Path) -> None:
    stream = read_stream(write_stream(tmp_path / "s.csv", 3500, 0.1, seed=11))
    result = monitor(stream, MonitorOptions(0.5, 500, arl0=QUIET)).json
    assert result["alarms"] == []


def test_alarm_soon_after_the_error_rate_triples(tmp_path: Path) -> None:
    # From 10% to 30% errors the CUSUM gains about 0.13 a labelled case, so with h near 7 it should cross within
    # about 60 labelled cases; 200 rows leaves room for chance and unlabelled rows.
    stream = read_stream(write_stream(tmp_path / "s.csv", 2000, 0.1, change_at=1200, error_after=0.3, seed=11))
    alarms = monitor(stream, MonitorOptions(0.5, 500, arl0=QUIET)).json["alarms"]
    assert alarms, "no alarm after the change"
    assert all(a["index"] >= 1200 for a in alarms)
    first = {method: min(a["index"] for a in alarms if a["method"] == method) for method in ("cusum", "ewma")}
    assert first["cusum"] < 1200 + 200
    assert first["ewma"] < 1200 + 200


def test_drift_alarm_names_the_new_software_version(tmp_path: Path) -> None:
    stream = read_stream(write_stream(tmp_path / "s.csv", 2000, 0.1, new_version_at=1200, seed=11))
    alarms = monitor(stream, MonitorOptions(0.5, 500, arl0=QUIET)).json["alarms"]
    drift = [a for a in alarms if a["method"] == "drift"]
    assert len(drift) == 1
    assert drift[0]["column"] == "software_version"
    assert drift[0]["detail"].startswith("software_version 'VB20' appeared (0% in baseline,")
    assert 1200 <= drift[0]["index"] < 1200 + 200
    assert [a for a in alarms if a["method"] != "drift"] == []


def test_too_few_labelled_baseline_rows_is_refused(tmp_path: Path) -> None:
    stream = read_stream(write_stream(tmp_path / "s.csv", 200, 0.1))
    with pytest.raises(AssuranceInputError, match="labelled cases"):
        monitor(stream, MonitorOptions(0.5, 20))


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict]]]:
    received: list[dict] = []
    handler = type("Receiver", (_Receiver,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/alarms", received
    finally:
        server.shutdown()
        server.server_close()


def test_monitor_command_writes_report_and_posts_each_alarm(tmp_path: Path, webhook) -> None:
    url, received = webhook
    stream = write_stream(tmp_path / "s.csv", 2000, 0.1, change_at=1200, error_after=0.3, new_version_at=1200,
                          seed=11)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["assurance", "monitor", str(stream), "--threshold", "0.5", "--baseline-rows",
                                      "500", "--arl0", str(QUIET), "--out", str(out), "--webhook", url])
    assert result.exit_code == 0, result.output
    document = json.loads((out / "monitor.json").read_text())
    assert {a["method"] for a in document["alarms"]} == {"cusum", "ewma", "drift"}
    assert document["webhook"] == {"url": url, "sent": len(document["alarms"]), "failed": []}
    assert [(r["method"], r["index"]) for r in received] == [(a["method"], a["index"]) for a in document["alarms"]]
    assert all(r["source"] == "s.csv" for r in received)
    html = (out / "monitor.html").read_text()
    assert html.count('src="data:image/png;base64,') == 3
    series = document["series"]  # kept so the hub's page redraws the same control charts
    assert len(series["rows"]) == len(series["cusum"]) == len(series["ewma"]) == document["performance_rows"]
    assert series["marks"]["cusum"] == [a["index"] for a in document["alarms"] if a["method"] == "cusum"]
    assert max(series["cusum"]) >= series["h"] and max(series["ewma"]) >= series["ucl"]
    drawn = control_charts(series, svg=True)
    assert all(base64.b64decode(uri.split(",", 1)[1]).startswith(b"<?xml") for uri in drawn.values())
    assert f"The checks raised {len(document['alarms'])} warnings" in html  # the plain-language summary


def test_unreachable_webhook_is_reported(tmp_path: Path) -> None:
    stream = write_stream(tmp_path / "s.csv", 1500, 0.1, change_at=1000, error_after=0.3, seed=11)
    result = CliRunner().invoke(app, ["assurance", "monitor", str(stream), "--threshold", "0.5", "--baseline-rows",
                                      "500", "--out", str(tmp_path / "out"), "--webhook", "http://127.0.0.1:9/x"])
    assert result.exit_code == 1
    assert "not delivered" in result.output
    assert json.loads((tmp_path / "out" / "monitor.json").read_text())["webhook"]["failed"]
