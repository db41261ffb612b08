"""An exact reactor pause (``exact_reactor_pause``): a sender pauses pynetdicom's reactor thread before it
sends, and the reactor never takes the response the sender then waits for. Stock pynetdicom's reactor could,
when descheduled just past its checkpoint (a loaded machine): the demo's modality got no status for a C-STORE
the spoke had stored and answered."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from pathlib import Path
from typing import Any

import pynetdicom
import pytest
from pydicom.uid import ExplicitVRLittleEndian
from pynetdicom import AE
from pynetdicom.sop_class import CTImageStorage  # type: ignore[attr-defined]

from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
from imaging_hub.dimse import exact_reactor_pause, pause
from imaging_hub.spoke.intake.buffer import IntakeBuffer
from imaging_hub.spoke.intake.diskguard import DiskGuard
from imaging_hub.spoke.intake.scp import IntakeScp


def test_the_reactor_takes_no_message_while_a_sender_has_paused_it() -> None:
    """pynetdicom's reactor looks for a DIMSE message right after its checkpoint; if a sender paused it just
    then, the sender's response must stay in the queue for the sender."""
    checkpoint = pause.Checkpoint()
    checkpoint.set()
    looked: list[bool] = []

    def original(_provider: object, block: bool) -> tuple[int, str]:
        looked.append(block)
        return 1, "C-STORE-RSP"

    get_msg = pause.checked_get_msg(original)
    outcomes: list[object] = []

    class Reactor(threading.Thread):  # stands in for the association, whose thread the reactor is
        _reactor_checkpoint = checkpoint

        def run(self) -> None:
            provider = type("Provider", (), {"assoc": self})()
            outcomes.append(get_msg(provider, False))  # not paused: it takes the message
            checkpoint.clear()  # a sender pauses it
            outcomes.append(get_msg(provider, False))  # paused: the message is the sender's
            outcomes.append(get_msg(provider, True))  # a blocking take (a handler's own exchange) is untouched

    thread = Reactor()
    thread.start()
    thread.join()
    assert outcomes == [(1, "C-STORE-RSP"), (None, None), (1, "C-STORE-RSP")]
    assert looked == [False, True]


def test_a_store_answered_while_the_senders_reactor_is_just_past_its_checkpoint_reaches_the_sender(
    tmp_path: Path,
) -> None:
    """A modality's C-STORE to the spoke's intake, in the interleaving a loaded machine makes: the modality's
    reactor thread has passed its checkpoint (so the sender's pause finds it "paused") and looks at the DIMSE
    queue only once the spoke's answer is there, before the sender does. Stock pynetdicom's reactor took the
    answer ("unexpected C-STORE service message") and the modality got no status after its DIMSE timeout;
    with the pause exact, the answer is the sender's."""
    assert exact_reactor_pause() is True
    intake = IntakeBuffer(tmp_path / "intake", fsync=False)
    scp = IntakeScp("SPOKE", "127.0.0.1", 0, intake, DiskGuard(tmp_path, 0))
    scp.start()
    spec = StudySpec(rows=16, columns=16, series=1, instances_per_series=2, study_date=dt.date(2024, 2, 1))
    first, second = make_study(SyntheticPatient.make(random.Random(1), "RY2"), spec, seed=1)
    modality = AE(ae_title="MODALITY")
    modality.add_requested_context(CTImageStorage, ExplicitVRLittleEndian)
    modality.dimse_timeout = 5
    assoc = modality.associate("127.0.0.1", scp.port)
    try:
        assert assoc.is_established
        assert assoc.send_c_store(first).Status == 0x0000
        _hold_the_reactor_past_its_checkpoint_until_answered(assoc)
        status = assoc.send_c_store(second)
        assert status, "the modality got no answer: its own reactor took the spoke's response"
        assert status.Status == 0x0000
        assoc.release()
    finally:
        if assoc.is_established:
            assoc.abort()
        scp.stop()
    assert intake.count() == 2


def _hold_the_reactor_past_its_checkpoint_until_answered(assoc: Any) -> None:
    """The next send: the reactor waits just past its checkpoint; the sender, once its request is sent, waits
    for the answer to be queued, lets the reactor look at the queue, and only then looks itself."""
    checkpoint, dimse = assoc._reactor_checkpoint, assoc.dimse
    passed_checkpoint, send_msg = checkpoint.wait, dimse.send_msg
    held, answered, looked = threading.Event(), threading.Event(), threading.Event()

    def reactor_past_checkpoint(timeout: float | None = None) -> bool:
        passed = passed_checkpoint(timeout)
        if threading.current_thread() is assoc and not held.is_set():
            held.set()
            answered.wait(10)
        return passed

    def reactor_look(block: bool = False) -> Any:
        message = type(dimse).get_msg(dimse, block)
        if threading.current_thread() is assoc and answered.is_set():
            looked.set()
        return message

    def sender_send(*args: Any) -> None:
        send_msg(*args)
        deadline = time.monotonic() + 10
        while dimse.msg_queue.empty() and time.monotonic() < deadline:
            time.sleep(0.001)
        answered.set()
        looked.wait(10)

    checkpoint.wait = reactor_past_checkpoint
    dimse.get_msg = reactor_look
    assert held.wait(10)
    dimse.send_msg = sender_send


def test_a_pynetdicom_other_than_the_one_the_corrections_were_written_for_is_left_as_it_is(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    assert pause.pynetdicom_as_written("left as it is")
    monkeypatch.setattr(pynetdicom, "__version__", "9.9.9")
    assert not pause.pynetdicom_as_written("its reactor's pause is left as it is")
    assert "pynetdicom 9.9.9 is not 3.0.x: its reactor's pause is left as it is" in caplog.text
