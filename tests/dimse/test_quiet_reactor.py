"""Quiet reactors (opt-in): switched on, an open association still does everything pynetdicom's polling loops
did (serve requests, pause for a sender, release, abort, time out), and the hub's server still serves.
Switched off (the default), importing the engine changes nothing in pynetdicom. How often the threads wake
is a tuning figure, measured by bench/dimse_idle_bench.py, not asserted here.

Switching it on is process-wide and cannot be undone, so every test here that needs it switches it on."""

from __future__ import annotations

import datetime as dt
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from dimse_tools import findscu, getscu, storescu
from pydicom.uid import ExplicitVRLittleEndian
from pynetdicom import AE, evt
from pynetdicom.association import Association
from pynetdicom.sop_class import CTImageStorage, Verification  # type: ignore[attr-defined]

from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
from imaging_hub.dimse import DicomServer, reactor
from imaging_hub.hub import ArchiveForDicom
from imaging_hub.spoke.intake.buffer import IntakeBuffer
from imaging_hub.spoke.intake.diskguard import DiskGuard
from imaging_hub.spoke.intake.scp import IntakeScp
from imaging_hub.store import Archive


@pytest.fixture(autouse=True)
def quiet() -> None:
    assert reactor.install() is True


@pytest.fixture
def echo_scp() -> Iterator[tuple[int, list[Association]]]:
    """A Verification SCP on a free port, with the associations it accepted."""
    accepted: list[Association] = []
    ae = AE(ae_title="QUIET")
    ae.add_supported_context(Verification)
    server = ae.start_server(("127.0.0.1", 0), block=False,
                             evt_handlers=[(evt.EVT_ESTABLISHED, lambda event: accepted.append(event.assoc))])
    assert server is not None
    try:
        yield int(server.server_address[1]), accepted
    finally:
        server.shutdown()


def _associate(port: int, **timeouts: float) -> Association:
    ae = AE(ae_title="ASKER")
    ae.add_requested_context(Verification)
    for name, value in timeouts.items():
        setattr(ae, name, value)
    assoc = ae.associate("127.0.0.1", port)
    assert assoc.is_established
    return assoc


def _wait_until(condition: object, what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.01)


def test_off_unless_asked_for() -> None:
    """Importing the engine (and the hub) leaves pynetdicom's reactors as they are."""
    probe = ("import time; import imaging_hub.dimse, imaging_hub.api.hub; from pynetdicom import dul, association; "
             "assert dul.time is time and association.time is time, 'reactors changed on import'")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]


def test_installed_once_for_this_pynetdicom() -> None:
    assert reactor.install() is True  # a second call changes nothing


def test_the_hub_serves_with_quiet_reactors(archive: Archive, tmp_path: Path) -> None:
    """Storage, C-FIND and C-GET through the hub's server, dcmtk as the peer, with the reactors switched on."""
    datasets = list(make_study(SyntheticPatient.make(random.Random(3), "RX1"),
                               StudySpec(rows=8, columns=8, series=1, instances_per_series=3), seed=3))
    files = []
    for n, ds in enumerate(datasets):
        files.append(tmp_path / f"{n}.dcm")
        ds.save_as(files[-1], enforce_file_format=True)
    study = str(datasets[0].StudyInstanceUID)
    with DicomServer(ArchiveForDicom(archive), port=0) as server:
        stored = storescu(server.port, files)
        assert stored.returncode == 0, stored.stderr
        found = findscu(server.port, "-S", {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": study}, tmp_path / "f")
        assert [str(f.StudyInstanceUID) for f in found] == [study]
        got = getscu(server.port, {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": study}, tmp_path / "got")
        assert got.returncode == 0, got.stderr
    assert archive.count_instances() == 3
    assert len(list((tmp_path / "got").iterdir())) == 3


def test_only_a_reactor_loops_own_sleep_waits_for_work() -> None:
    idled: list[object] = []

    def loop(owner: object) -> None:  # stands in for a reactor loop
        clock.sleep(0)
        handler()

    def handler() -> None:  # code the loop calls (an event handler, say): its sleeps stay plain sleeps
        clock.sleep(0)

    clock = reactor._Clock(loop.__code__, lambda owner, seconds: idled.append(owner))
    owner = object()
    reactor._owning(loop)(owner)
    assert idled == [owner]
    loop(owner)  # the same code outside a reactor thread: plain sleeps
    assert idled == [owner]


def test_requests_after_idle_release_and_peer_abort(echo_scp: tuple[int, list[Association]]) -> None:
    port, accepted = echo_scp
    for _ in range(3):  # each echo needs the reactor to pause for the sender, then to serve the response
        assoc = _associate(port)
        for _ in range(5):
            assert assoc.send_c_echo().Status == 0
        assoc.release()
        assert assoc.is_released
        _wait_until(lambda assoc=assoc: not assoc.is_alive() and not assoc.dul.is_alive(),
                    "the released association's threads ended")
    assoc = _associate(port)
    _wait_until(lambda: len(accepted) == 4, "the SCP accepted the fourth")
    accepted[-1].abort()  # the peer aborts while our threads sleep: the socket wakes them
    _wait_until(lambda: assoc.is_aborted and not assoc.dul.is_alive(), "the abort was seen")


def test_the_network_timeout_still_fires(echo_scp: tuple[int, list[Association]]) -> None:
    """Timers are looked at on every wake: an idle association past its network timeout is still ended."""
    port, _ = echo_scp
    assoc = _associate(port, network_timeout=0.5)
    _wait_until(lambda: not assoc.is_established and not assoc.dul.is_alive(), "the network timeout ended it")


def test_many_stores_on_one_association_all_answered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sender's C-STOREs one after another on one association, to the spoke's Storage SCP: every response
    reaches the sender. The sender's reactor is slowed just after its checkpoint, widening the window in which
    pynetdicom's reactor took the response of a sender that had paused it (then: "unexpected C-STORE service
    message", a DIMSE timeout and an abort; every run failed so without the fix)."""
    checkpoint_wait = reactor._WakingEvent.wait

    def slow_after_checkpoint(self: reactor._WakingEvent, timeout: float | None = None) -> bool:
        passed = checkpoint_wait(self, timeout)
        reactor_thread = threading.current_thread()
        if isinstance(reactor_thread, Association) and reactor_thread.is_requestor:
            time.sleep(0.005)  # the sender's own reactor, just past its checkpoint: the sender runs meanwhile
        return passed

    monkeypatch.setattr(reactor._WakingEvent, "wait", slow_after_checkpoint)
    intake = IntakeBuffer(tmp_path / "intake", fsync=False)
    scp = IntakeScp("SPOKE", "127.0.0.1", 0, intake, DiskGuard(tmp_path, 0))
    scp.start()
    spec = StudySpec(rows=16, columns=16, series=2, instances_per_series=100, study_date=dt.date(2024, 2, 1))
    datasets = list(make_study(SyntheticPatient.make(random.Random(1), "RX1"), spec, seed=1))
    sender = AE(ae_title="SENDER")
    sender.add_requested_context(CTImageStorage, ExplicitVRLittleEndian)
    sender.dimse_timeout = 5
    try:
        for _ in range(2):
            assoc = sender.associate("127.0.0.1", scp.port)
            assert assoc.is_established
            for ds in datasets:
                status = assoc.send_c_store(ds)
                assert status and status.Status == 0x0000
            assoc.release()
    finally:
        scp.stop()
    assert intake.count() == 2 * len(datasets) == 400
