"""Who may hold an association, and for how long: a caller the scope does not admit is refused at once, one
peer (by calling AE title, or by address) holds at most its share of the server's associations, and an
association that stays idle past the idle time-out is ended by the server."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from pynetdicom.association import Association
from pynetdicom.sop_class import Verification  # type: ignore[attr-defined]
from requesting import associate, reasons, rejection

from imaging_hub.dimse import DicomServer
from imaging_hub.hub import ArchiveForDicom
from imaging_hub.store import Archive


@dataclass
class Scope:
    projects: frozenset[str] | None
    admitted: bool
    decisions: list[tuple[bool, str]]

    def record_association(self, accepted: bool, reason: str = "") -> None:
        self.decisions.append((accepted, reason))


@pytest.fixture
def decisions() -> list[tuple[bool, str]]:
    return []


@pytest.fixture
def idle_timeout() -> float:
    """Long enough that a loaded machine never ends a held association mid-test; the idle tests shorten it."""
    return 10.0


@pytest.fixture
def server(archive: Archive, idle_timeout: float, decisions: list[tuple[bool, str]]) -> Iterator[DicomServer]:
    def scope_for(calling_ae: str, address: str) -> Scope:
        return Scope(None, admitted=calling_ae != "STRANGER", decisions=decisions)

    with DicomServer(ArchiveForDicom(archive), port=0, scope_for=scope_for, max_associations_per_peer=2,
                     idle_timeout=idle_timeout) as hub:
        yield hub


def _wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 20
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.02)


def test_a_caller_not_admitted_is_refused_at_association(
    server: DicomServer, decisions: list[tuple[bool, str]]
) -> None:
    # rejected-permanent by the service user: calling AE title not recognised
    assert reasons(rejection(server.port, "STRANGER", Verification)) == (0x01, 0x01, 0x03)
    assert decisions == [(False, "calling AE title not recognised for this address")]
    welcome = associate(server.port, "FRIEND", Verification)
    assert welcome.is_established and welcome.send_c_echo().Status == 0
    welcome.release()


def test_one_peer_holds_at_most_its_share(server: DicomServer, decisions: list[tuple[bool, str]]) -> None:
    held = [associate(server.port, "HOG", Verification) for _ in range(2)]
    try:
        assert all(a.is_established for a in held)
        local_limit = (0x02, 0x03, 0x02)  # rejected-transient by the presentation layer: local limit exceeded
        assert reasons(rejection(server.port, "HOG", Verification)) == local_limit, "a third from one AE title"
        assert reasons(rejection(server.port, "HOG2", Verification)) == local_limit, "another title, same address"
        assert decisions[-1] == (False, "more than 2 associations from one peer")
        held[0].release()
        again: list[Association] = []

        def retake() -> bool:  # the server's side of the released one ends just after the requestor's
            assoc = associate(server.port, "HOG", Verification)
            if assoc.is_established:
                again.append(assoc)
            return bool(again)

        _wait_until(retake, "a slot freed by a release is taken again")
        again[0].release()
    finally:
        for assoc in held:
            if assoc.is_established:
                assoc.release()


@pytest.mark.parametrize("idle_timeout", [0.5])
def test_an_idle_association_is_ended_by_the_server(server: DicomServer) -> None:
    assoc = associate(server.port, "SLEEPY", Verification)
    assert assoc.is_established and assoc.send_c_echo().Status == 0
    _wait_until(lambda: assoc.is_aborted or not assoc.is_established, "the server ended the idle association")
    assert not assoc.is_established
