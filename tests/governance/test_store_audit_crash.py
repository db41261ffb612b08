"""Item 12 of issue 20: an instance stored by a request that died before its audit entry is audited at the
next start, exactly once; everything audited normally is not audited again."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from imaging_hub.config import HubSettings
from imaging_hub.events import InstanceStored, Origin, acting
from imaging_hub.governance import SYSTEM, AuditFilter, Governance, Scope
from imaging_hub.store import Archive

from .hub import Hub, build_hub, study_bytes
from .network import build_network

BOUNDARY = "settleboundary"


@pytest.fixture
def hub(gov: Governance, tmp_path: Path) -> Iterator[Hub]:
    built = build_hub(gov, tmp_path / "archive")
    yield built
    built.archive.close()


def _stored_audits(gov: Governance) -> Counter[str]:
    """How many ``dicom.write`` success entries name each SOP Instance UID (entries that name all they cover)."""
    named: Counter[str] = Counter()
    for entry in gov.audit.entries(AuditFilter(action="dicom.write", outcome="success", limit=5000)):
        detail = json.loads(entry.detail)
        assert detail["count"] == len(detail["uids"]), "every entry here names all it covers"
        named.update(detail["uids"])
    return named


def test_a_store_the_request_never_audited_is_audited_once_at_start(hub: Hub) -> None:
    study, series, sop = hub.instances["LUNG1"]
    # The request that stored these died before auditing: the archive has them, the trail does not.
    hub.gov.settle_stored(hub.archive)  # first start under the scheme: the cursor starts at the feed's head
    blobs = study_bytes("LUNG1", "RXX", 901)
    with acting(Origin("dicomweb", "mallory@rxx.example", "10.6.6.6")):
        lost = [hub.archive.store_bytes(b).instance.sop_instance_uid for b in blobs]
    # A request that completed: stored and audited through the STOW route.
    client = hub.client("sdm@rxx.example")
    body = _multipart(study_bytes("LUNG1", "RXX", 902))
    answer = client.post(
        "/dicom-web/studies",
        content=body,
        headers={"Content-Type": f'multipart/related; type="application/dicom"; boundary={BOUNDARY}'},
    )
    assert answer.status_code == 200, answer.text
    before = _stored_audits(hub.gov)
    assert not set(lost) & set(before)

    assert hub.gov.settle_stored(hub.archive) == len(lost)
    assert hub.gov.settle_stored(hub.archive) == 0  # a second start settles nothing again
    after = _stored_audits(hub.gov)
    assert all(after[uid] == 1 for uid in lost)
    assert after - Counter(dict.fromkeys(lost, 1)) == before  # the audited request gained no second entry
    settled = hub.gov.audit.entries(AuditFilter(action="dicom.write", actor="mallory@rxx.example"))
    assert len(settled) == 1 and settled[0].project == "LUNG1" and settled[0].address == "10.6.6.6"
    assert "settled" in json.loads(settled[0].detail)
    assert (study, series, sop) == hub.instances["LUNG1"]


def test_a_resend_audited_after_a_removal_does_not_hide_the_new_store(hub: Hub) -> None:
    hub.gov.settle_stored(hub.archive)
    blob = study_bytes("LUNG1", "RXX", 903)[0]
    client = hub.client("sdm@rxx.example")
    headers = {"Content-Type": f'multipart/related; type="application/dicom"; boundary={BOUNDARY}'}
    assert client.post("/dicom-web/studies", content=_multipart([blob]), headers=headers).status_code == 200
    # resent (audited, but as nothing new): it must not stand for a later, unaudited store of the same UID
    assert client.post("/dicom-web/studies", content=_multipart([blob]), headers=headers).status_code == 200
    kept = hub.archive.store_bytes(blob).instance
    assert hub.archive.delete(kept.study_instance_uid, kept.series_instance_uid, kept.sop_instance_uid) == 1
    with acting(Origin("dicomweb", "eve@rxx.example", "10.6.6.7")):
        hub.archive.store_bytes(blob)
    assert hub.gov.settle_stored(hub.archive) == 1


def _multipart(blobs: list[bytes]) -> bytes:
    parts = [f"--{BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n".encode() + b + b"\r\n" for b in blobs]
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


# -- a real serving hub killed with SIGKILL while senders store --------------------------------------------


def _serve(data: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "imaging_hub", "serve", "--data", str(data), "--http-port", "0", "--dicom-port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if "DICOMweb" in line:
            return process, line.split()[-1]
        if not line and process.poll() is not None:
            break
    process.kill()
    raise AssertionError("the hub did not start")


def _wait_until_answering(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/studies", timeout=5)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("the hub never answered")


def _send(url: str, token: str, seeds: list[int], stop: threading.Event) -> None:
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": f'multipart/related; type="application/dicom"; boundary={BOUNDARY}',
    }
    with httpx.Client(timeout=30) as client:
        while not stop.is_set() and seeds:
            try:
                client.post(
                    f"{url}/studies", content=_multipart(study_bytes("LUNG1", "RXX", seeds.pop())), headers=headers
                )
            except httpx.HTTPError:
                return  # the hub was killed


def test_kill_9_while_storing_leaves_every_instance_audited_exactly_once(tmp_path: Path) -> None:
    data = tmp_path / "hub"
    data.mkdir()
    settings = HubSettings(data=data)
    gov = Governance.open_hub(settings)
    network = build_network(gov)
    token, _ = gov.access.issue_token(
        SYSTEM, network.site_manager.person_id, "sender", frozenset({Scope.DICOM_WRITE}), timedelta(days=1)
    )
    gov.close()
    seeds = list(range(10_000, 16_000))  # more than eight rounds can send: a faster hub must not run out
    random.Random(20).shuffle(seeds)
    rng = random.Random(12)
    settled_before = 0
    for _round in range(8):
        process, url = _serve(data)
        _wait_until_answering(url)
        stop = threading.Event()
        senders = [threading.Thread(target=_send, args=(url, token, seeds, stop)) for _ in range(4)]
        for sender in senders:
            sender.start()
        time.sleep(rng.uniform(1.0, 3.0))
        process.send_signal(signal.SIGKILL)
        process.wait()
        stop.set()
        for sender in senders:
            sender.join()
        # the next start settles what this kill left unaudited
        process, url = _serve(data)
        _wait_until_answering(url)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        gov = Governance.open_hub(settings)
        try:
            audited = _stored_audits(gov)
            settled = [
                e
                for e in gov.audit.entries(AuditFilter(action="dicom.write", limit=5000))
                if "settled" in json.loads(e.detail)
            ]
        finally:
            gov.close()
        archive = Archive.open(settings.data, settings.database)
        try:
            stored = [c.sop_instance_uid for c in archive.changes(0, 100_000) if isinstance(c, InstanceStored)]
        finally:
            archive.close()
        assert stored, "the senders stored something"
        assert {uid: audited[uid] for uid in stored} == dict.fromkeys(stored, 1)
        assert set(audited) == set(stored)  # nothing audited as stored that the archive does not hold
        settled_before = len(settled)
        if settled_before and _round >= 2:
            break
    assert settled_before >= 1, "no kill landed between a store and its audit entry in eight rounds"
