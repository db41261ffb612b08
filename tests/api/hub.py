"""A real hub HTTP server (uvicorn in a thread, on a free port) over a real archive, for dicomweb-client."""

from __future__ import annotations

import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from dicomweb_client.api import DICOMwebClient
from fastapi import FastAPI
from pydicom import dcmread
from pydicom.dataset import Dataset

from imaging_hub.api import create_app
from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
from imaging_hub.store import Archive


@dataclass
class RunningHub:
    url: str
    archive: Archive
    data_dir: Path
    events: list[tuple[str, str, list[str], str]] = field(default_factory=list)

    @property
    def client(self) -> DICOMwebClient:
        return DICOMwebClient(url=f"{self.url}/dicom-web")


def free_socket() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


def serve_in_thread(app: FastAPI, sock: socket.socket) -> Iterator[str]:
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


HubFactory = Callable[..., RunningHub]


@pytest.fixture
def start_hub(tmp_path: Path, database_url: str) -> Iterator[HubFactory]:
    """Start a hub over a fresh archive; keyword arguments go to create_app."""
    archive = Archive.open(tmp_path / "data", database_url)
    stops: list[Iterator[str]] = []

    def start(**options: Any) -> RunningHub:
        hub = RunningHub("", archive, tmp_path / "data")
        options.setdefault("on_access", lambda *event: hub.events.append(event[:4]))  # (action, who, uids, outcome)
        sock = free_socket()
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        options.setdefault("public_url", url)  # dicomweb-client sends Host without the port
        runner = serve_in_thread(create_app(archive, **options), sock)
        hub.url = next(runner)
        stops.append(runner)
        return hub

    try:
        yield start
    finally:
        for runner in stops:
            next(runner, None)
        archive.close()


@pytest.fixture
def hub(start_hub: HubFactory) -> RunningHub:
    return start_hub()


def study(seed: int = 1, *, series: int = 2, per_series: int = 2, project: str | None = None,
          rows: int = 32) -> list[Dataset]:
    patient = SyntheticPatient.make(random.Random(seed))
    datasets = list(make_study(patient, StudySpec(series=series, instances_per_series=per_series, rows=rows,
                                                   columns=rows), seed=seed))
    for ds in datasets:
        if project:
            ds.ClinicalTrialProtocolID = project
    # Read back from Part 10 bytes, so that dicomweb-client (writing "like original") sends exactly these.
    return [dcmread(BytesIO(part10(ds))) for ds in datasets]


def part10(ds: Dataset) -> bytes:
    buffer = BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()
