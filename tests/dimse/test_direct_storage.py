"""The direct storage association: storage-only associations are served outside pynetdicom, every other one
by pynetdicom; both count against the same limits; a peer that breaks the protocol gets an A-ABORT, nothing
of a cut-off instance stays, and the server keeps serving."""

from __future__ import annotations

import logging
import random
import socket
import struct
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from dimse_tools import HUB_AE, dataset_bytes, echoscu, storescu
from network_sample import part10
from pydicom import dcmread
from pydicom.dataset import Dataset
from pynetdicom import AE, pdu
from pynetdicom.association import Association
from pynetdicom.pdu_primitives import A_ASSOCIATE, MaximumLengthNotification, UserIdentityNegotiation
from pynetdicom.presentation import build_context
from pynetdicom.sop_class import Verification  # type: ignore[attr-defined]
from requesting import associate, reasons, rejection

from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
from imaging_hub.dimse import DicomServer
from imaging_hub.dimse.callers import Callers
from imaging_hub.dimse.handshake import Negotiator
from imaging_hub.hub import ArchiveForDicom
from imaging_hub.store import Archive

CT = "1.2.840.10008.5.1.4.1.1.2"
STUDY_FIND = "1.2.840.10008.5.1.4.1.2.2.1"
EXPLICIT_LE = "1.2.840.10008.1.2.1"
DIRECT = "served directly"
_HEADER = struct.Struct(">BxI")


def _instance(seed: int, project: str = "PROJ-A") -> Dataset:
    patient = SyntheticPatient.make(random.Random(seed))
    ds = next(make_study(patient, StudySpec(series=1, instances_per_series=1, rows=8, columns=8), seed=seed))
    ds.ClinicalTrialProtocolID = project
    return ds


@dataclass
class Scope:
    projects: frozenset[str] | None = None
    admitted: bool = True
    writable_projects: frozenset[str] | None = None
    associations: list[tuple[bool, str]] = field(default_factory=list)
    stores: list[tuple[str, str | None, str]] = field(default_factory=list)

    def record_association(self, accepted: bool, reason: str = "") -> None:
        self.associations.append((accepted, reason))

    def record_store(self, sop_instance_uid: str, project: str | None, outcome: str) -> None:
        self.stores.append((sop_instance_uid, project, outcome))


@pytest.fixture
def scope() -> Scope:
    return Scope(writable_projects=frozenset({"PROJ-A"}))


@pytest.fixture
def idle_timeout() -> float:
    """Long enough that a loaded machine never ends a held association mid-test; the idle tests shorten it."""
    return 10.0


@pytest.fixture
def server(archive: Archive, idle_timeout: float, scope: Scope) -> Iterator[DicomServer]:
    def scope_for(calling: str, address: str) -> Scope:
        if calling == "STRANGER":
            return Scope(admitted=False, associations=scope.associations)
        return scope

    with DicomServer(ArchiveForDicom(archive), port=0, scope_for=scope_for, max_associations_per_peer=2,
                     idle_timeout=idle_timeout) as hub:
        yield hub


def _spools(tmp_path: Path) -> list[Path]:
    return list((tmp_path / "data").rglob("*.part"))


def _wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 20
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.02)


# -- a raw requestor --------------------------------------------------------------------------------------

def _request(*abstract_syntaxes: str, calling: str = "RAW", extra: tuple[object, ...] = ()) -> bytes:
    rq = A_ASSOCIATE()
    rq.application_context_name = "1.2.840.10008.3.1.1.1"
    rq.calling_ae_title = calling
    rq.called_ae_title = HUB_AE
    contexts = []
    for number, syntax in enumerate(abstract_syntaxes):
        context = build_context(syntax, [EXPLICIT_LE])
        context.context_id = 2 * number + 1
        contexts.append(context)
    rq.presentation_context_definition_list = contexts
    maximum = MaximumLengthNotification()
    maximum.maximum_length_received = 16384
    rq.user_information = [maximum, *extra]
    encoded = pdu.A_ASSOCIATE_RQ()
    encoded.from_primitive(rq)
    return bytes(encoded.encode())


def _pdata_pdu(context_id: int, control: int, fragment: bytes) -> bytes:
    """A P-DATA-TF PDU of one PDV: ``control`` 0x01 command, 0x02 last fragment (both bits may be set)."""
    return _HEADER.pack(4, len(fragment) + 6) + struct.pack(">IBB", len(fragment) + 2, context_id, control) + fragment


class Raw:
    """A socket speaking the upper layer protocol by hand, to send what a well-behaved requestor would not."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)

    def associate(self, *abstract_syntaxes: str, calling: str = "RAW") -> tuple[int, bytes]:
        self.sock.sendall(_request(*(abstract_syntaxes or (CT, Verification)), calling=calling))
        return self.read()

    def read(self) -> tuple[int, bytes]:
        """The next PDU's type and body; (0, b'') when the server closed the connection."""
        header = self._exactly(6)
        if len(header) < 6:
            return 0, b""
        kind, length = _HEADER.unpack(header)
        return kind, self._exactly(length)

    def _exactly(self, count: int) -> bytes:
        data = b""
        while len(data) < count:
            got = self.sock.recv(count - len(data))
            if not got:
                break
            data += got
        return data

    def pdata(self, context_id: int, control: int, fragment: bytes) -> None:
        self.sock.sendall(_pdata_pdu(context_id, control, fragment))

    def close(self) -> None:
        self.sock.close()


def _command(**elements: tuple[int, bytes]) -> bytes:
    body = b"".join(struct.pack("<HHI", 0, tag, len(value)) + value for tag, value in sorted(elements.values()))
    return struct.pack("<HHII", 0, 0, 4, len(body)) + body


def _uid(value: str) -> bytes:
    raw = value.encode()
    return raw + b"\0" * (len(raw) % 2)


def _us(value: int) -> bytes:
    return struct.pack("<H", value)


def store_rq(ds: Dataset, message_id: int = 1) -> bytes:
    return _command(cls=(0x0002, _uid(str(ds.SOPClassUID))), field=(0x0100, _us(0x0001)),
                    mid=(0x0110, _us(message_id)), priority=(0x0700, _us(0)), dst=(0x0800, _us(0x0000)),
                    inst=(0x1000, _uid(str(ds.SOPInstanceUID))))


def echo_rq(message_id: int = 1) -> bytes:
    return _command(cls=(0x0002, _uid(Verification)), field=(0x0100, _us(0x0030)), mid=(0x0110, _us(message_id)),
                    dst=(0x0800, _us(0x0101)))


def _response_status(body: bytes) -> dict[int, bytes]:
    """A one-PDV P-DATA-TF command response's elements (element number -> value)."""
    length, _context, control = struct.unpack_from(">IBB", body)
    assert control == 0x03
    command = body[6 : 4 + length]
    values, at = {}, 12  # after the group length element
    while at < len(command):
        _group, element, size = struct.unpack_from("<HHI", command, at)
        values[element] = command[at + 8 : at + 8 + size]
        at += 8 + size
    return values


def _explicit_dataset(ds: Dataset) -> bytes:
    data = part10(ds)
    (meta_length,) = struct.unpack("<I", data[140:144])
    return data[144 + meta_length :]


@pytest.fixture
def raw(server: DicomServer) -> Iterator[Raw]:
    peer = Raw(server.port)
    yield peer
    peer.close()


def _still_serving(server: DicomServer) -> None:
    assert echoscu(server.port).returncode == 0


# -- which path ----------------------------------------------------------------------------------------------

def test_storescu_is_served_directly_and_stored_as_sent(
    server: DicomServer, archive: Archive, scope: Scope, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sent = {tmp_path / f"{seed}.dcm": _instance(seed) for seed in range(3)}
    for path, ds in sent.items():
        path.write_bytes(part10(ds))
    files = list(sent)
    with caplog.at_level(logging.DEBUG, logger="imaging_hub.dimse.listener"):
        result = storescu(server.port, files)
    assert result.returncode == 0, result.stderr
    assert any(DIRECT in record.getMessage() for record in caplog.records)
    assert archive.count_instances() == 3
    for path, ds in sent.items():
        stored = archive.get(str(ds.SOPInstanceUID))
        assert stored is not None and dataset_bytes(stored.path) == dataset_bytes(path)
    assert [outcome for _uid_, _project, outcome in scope.stores] == ["success"] * 3
    assert scope.associations == [(True, "")]
    assert _spools(tmp_path) == []


def test_an_association_with_a_query_context_is_pynetdicoms(
    server: DicomServer, archive: Archive, caplog: pytest.LogCaptureFixture
) -> None:
    ae = AE(ae_title="MIXED")
    ae.add_requested_context(CT, EXPLICIT_LE)
    ae.add_requested_context(STUDY_FIND)
    with caplog.at_level(logging.DEBUG, logger="imaging_hub.dimse.listener"):
        assoc = ae.associate("127.0.0.1", server.port, ae_title=HUB_AE)
        assert assoc.is_established
        ds = _instance(11)
        assert assoc.send_c_store(ds).Status == 0x0000
        assoc.release()
    assert not any(DIRECT in record.getMessage() for record in caplog.records)
    assert archive.get(str(ds.SOPInstanceUID)) is not None


def test_user_identity_is_left_to_pynetdicom(server: DicomServer, raw: Raw,
                                             caplog: pytest.LogCaptureFixture) -> None:
    identity = UserIdentityNegotiation()
    identity.user_identity_type = 1
    identity.primary_field = b"someone"
    with caplog.at_level(logging.DEBUG, logger="imaging_hub.dimse.listener"):
        raw.sock.sendall(_request(Verification, extra=(identity,)))
        kind, _body = raw.read()
    assert kind in (0x02, 0x03)  # answered by pynetdicom, whichever way
    assert not any(DIRECT in record.getMessage() for record in caplog.records)


def test_writable_projects_and_the_audit_hold_on_the_direct_path(
    server: DicomServer, archive: Archive, scope: Scope, raw: Raw
) -> None:
    assert raw.associate(CT)[0] == 0x02
    allowed, other = _instance(21, "PROJ-A"), _instance(22, "PROJ-B")
    for message_id, ds in enumerate((allowed, other), start=1):
        raw.pdata(1, 0x03, store_rq(ds, message_id))
        raw.pdata(1, 0x02, _explicit_dataset(ds))
    first, second = (_response_status(raw.read()[1]) for _ in range(2))
    assert first[0x0900] == _us(0x0000) and first[0x0120] == _us(1)
    assert second[0x0900] == _us(0xC124) and b"PROJ-B" in second[0x0902]
    assert second[0x1000].rstrip(b"\0") == str(other.SOPInstanceUID).encode()
    assert [(project, outcome) for _uid_, project, outcome in scope.stores] == [
        ("PROJ-A", "success"), ("PROJ-B", "denied")]
    assert archive.get(str(allowed.SOPInstanceUID)) is not None
    assert archive.get(str(other.SOPInstanceUID)) is None
    raw.sock.sendall(bytes.fromhex("050000000004 00000000"))
    assert raw.read()[0] == 0x06  # A-RELEASE-RP


def test_a_dataset_in_many_fragments_and_pdus_is_stored_whole(server: DicomServer, archive: Archive,
                                                              raw: Raw) -> None:
    assert raw.associate(CT)[0] == 0x02
    ds = _instance(31)
    data = _explicit_dataset(ds)
    command = store_rq(ds)
    raw.pdata(1, 0x01, command[:10])
    raw.pdata(1, 0x03, command[10:])
    for at in range(0, len(data), 97):
        raw.pdata(1, 0x02 if at + 97 >= len(data) else 0x00, data[at : at + 97])
    assert _response_status(raw.read()[1])[0x0900] == _us(0)
    stored = archive.get(str(ds.SOPInstanceUID))
    assert stored is not None and dataset_bytes(stored.path) == data


def test_echo_on_the_direct_path(raw: Raw) -> None:
    assert raw.associate(Verification)[0] == 0x02
    raw.pdata(1, 0x03, echo_rq(7))
    answer = _response_status(raw.read()[1])
    assert answer[0x0100] == _us(0x8030) and answer[0x0120] == _us(7) and answer[0x0900] == _us(0)


# -- admission --------------------------------------------------------------------------------------------

def test_a_caller_not_admitted_is_rejected_directly(server: DicomServer, raw: Raw, scope: Scope) -> None:
    kind, body = raw.associate(CT, calling="STRANGER")
    assert kind == 0x03 and body[1:4] == bytes([0x01, 0x01, 0x03])
    assert scope.associations == [(False, "calling AE title not recognised for this address")]
    _open_until_the_requestor_closes(raw)
    _still_serving(server)


def test_a_released_association_stays_open_until_the_requestor_closes(server: DicomServer, raw: Raw) -> None:
    assert raw.associate(CT)[0] == 0x02
    raw.sock.sendall(bytes.fromhex("050000000004 00000000"))  # A-RELEASE-RQ
    assert raw.read()[0] == 0x06
    _open_until_the_requestor_closes(raw)
    _still_serving(server)


def test_a_requestor_that_never_closes_is_closed_when_the_artim_timer_expires(
    archive: Archive, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("imaging_hub.dimse.server.ASSOCIATE_TIMEOUT_S", 0.5)
    with DicomServer(ArchiveForDicom(archive), port=0) as server:
        peer = Raw(server.port)
        try:
            assert peer.associate(CT)[0] == 0x02
            peer.sock.sendall(bytes.fromhex("050000000004 00000000"))
            assert peer.read()[0] == 0x06
            assert peer.read() == (0, b""), "closed by the server once the ARTIM timer expired"
        finally:
            peer.close()


PYNETDICOM_PATH = STUDY_FIND  # an association asking for C-FIND is served by pynetdicom
DIRECT_PATH = str(Verification)  # one asking only for storage or Verification is served directly


@pytest.mark.parametrize(("first", "third"), [(PYNETDICOM_PATH, DIRECT_PATH), (DIRECT_PATH, PYNETDICOM_PATH)])
def test_the_per_peer_limit_counts_both_paths(server: DicomServer, scope: Scope, first: str, third: str) -> None:
    held = [associate(server.port, "HOG", first), associate(server.port, "HOG", third)]
    try:
        assert all(assoc.is_established for assoc in held)
        assert reasons(rejection(server.port, "HOG", third)) == (0x02, 0x03, 0x02)  # transient: local limit
        assert scope.associations[-1] == (False, "more than 2 associations from one peer")
    finally:
        for assoc in held:
            if assoc.is_established:
                assoc.release()
    again: list[Association] = []

    def retake() -> bool:
        assoc = associate(server.port, "HOG", third)
        if assoc.is_established:
            again.append(assoc)
        return bool(again)

    _wait_until(retake, "the released slots are free again")
    again[0].release()


# -- a peer that breaks the protocol --------------------------------------------------------------------------

def _open_until_the_requestor_closes(raw: Raw) -> None:
    """After its A-ASSOCIATE-RJ, A-RELEASE-RP or A-ABORT the server waits for the requestor to close (PS3.8
    Sta13; its ARTIM timer is 30 s here), so the last PDU is never cut off by a reset."""
    raw.sock.settimeout(0.3)
    with pytest.raises(TimeoutError):
        raw.sock.recv(1)
    raw.close()


def _abort_and_nothing_kept(raw: Raw, server: DicomServer, archive: Archive, tmp_path: Path,
                            caplog: pytest.LogCaptureFixture, logged: str, reason: int | None = None) -> None:
    kind, body = raw.read()
    assert kind == 0x07, "an A-ABORT"
    if reason is not None:
        assert body[2:4] == bytes([0x02, reason])  # source: service provider
    _open_until_the_requestor_closes(raw)
    _wait_until(lambda: any(logged in record.getMessage() for record in caplog.records), f"a log line: {logged}")
    assert archive.count_instances() == 0
    _wait_until(lambda: _spools(tmp_path) == [], "the cut-off instance's spool is removed")
    _still_serving(server)


@pytest.mark.parametrize(("send", "logged", "reason"), [
    (lambda raw: raw.sock.sendall(_HEADER.pack(4, 256 * 1024 + 1)), "over the maximum", 0x06),
    (lambda raw: raw.sock.sendall(_HEADER.pack(0x09, 4) + b"\0" * 4), "unknown PDU type 0x09", 0x01),
    (lambda raw: raw.sock.sendall(_request(CT)), "unexpected PDU type 0x01", 0x02),
    (lambda raw: raw.pdata(3, 0x03, store_rq(_instance(1))), "presentation context 3", 0x06),
    (lambda raw: raw.pdata(1, 0x02, b"\x08\x00\x16\x00"), "data set fragment before a command", 0x05),
    (lambda raw: (raw.pdata(1, 0x03, store_rq(_instance(1))), raw.pdata(1, 0x00, b"\x08\x00"),
                  raw.pdata(1, 0x03, store_rq(_instance(2)))), "a command before the data set ended", 0x05),
    (lambda raw: raw.pdata(1, 0x03, _command(cls=(0x0002, _uid(STUDY_FIND)), field=(0x0100, _us(0x0020)),
                                             mid=(0x0110, _us(1)), dst=(0x0800, _us(0)))),
     "command 0x0020 is not served", 0x05),
    (lambda raw: raw.pdata(1, 0x03, b"\x00\x00\x00\x00\x04\x00\x00\x00\xff\xff"), "unreadable command set", 0x06),
    (lambda raw: raw.pdata(1, 0x03, _command(field=(0x0100, _us(1)), mid=(0x0110, _us(1)), bad=(0x0002, b"1.2\xff")
                                             )), "unreadable command set", 0x06),
    (lambda raw: raw.pdata(1, 0x03, struct.pack("<HHI", 8, 0x10, 4) + b"abcd"), "outside the command group", 0x06),
    (lambda raw: raw.sock.sendall(_HEADER.pack(4, 10) + struct.pack(">IBB", 99, 1, 3) + b"abcd"),
     "does not fit its PDU", 0x06),
    (lambda raw: (raw.pdata(1, 0x03, store_rq(_instance(1))), raw.pdata(1, 0x00, b"\x08\x00\x05\x00CS\x00\x00"),
                  raw.sock.sendall(bytes.fromhex("050000000004 00000000"))),
     "A-RELEASE-RQ in the middle of a message", 0x02),
])
def test_a_protocol_violation_is_aborted_and_nothing_is_kept(
    server: DicomServer, archive: Archive, raw: Raw, tmp_path: Path, caplog: pytest.LogCaptureFixture,
    send: Callable[[Raw], object], logged: str, reason: int,
) -> None:
    caplog.set_level(logging.WARNING, logger="imaging_hub.dimse.storage_association")
    assert raw.associate(CT)[0] == 0x02
    send(raw)
    _abort_and_nothing_kept(raw, server, archive, tmp_path, caplog, logged, reason)


def test_an_abort_mid_dataset_keeps_nothing(server: DicomServer, archive: Archive, raw: Raw, tmp_path: Path,
                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="imaging_hub.dimse.storage_association")
    assert raw.associate(CT)[0] == 0x02
    ds = _instance(41)
    raw.pdata(1, 0x03, store_rq(ds))
    raw.pdata(1, 0x00, _explicit_dataset(ds)[:100])
    _wait_until(lambda: len(_spools(tmp_path)) == 1, "the instance is being spooled")
    raw.sock.sendall(bytes.fromhex("070000000004 00000000"))
    assert raw.read() == (0, b"")
    _wait_until(lambda: any("aborted by the peer; the instance being received was not kept" in r.getMessage()
                            for r in caplog.records), "the abort is logged")
    assert _spools(tmp_path) == [] and archive.count_instances() == 0
    _still_serving(server)


@pytest.mark.parametrize("cut", ["between PDUs", "mid-PDU"])
def test_a_dropped_connection_mid_dataset_keeps_nothing(
    server: DicomServer, archive: Archive, raw: Raw, tmp_path: Path, caplog: pytest.LogCaptureFixture, cut: str
) -> None:
    caplog.set_level(logging.WARNING, logger="imaging_hub.dimse.storage_association")
    assert raw.associate(CT)[0] == 0x02
    ds = _instance(42)
    raw.pdata(1, 0x03, store_rq(ds))
    raw.pdata(1, 0x00, _explicit_dataset(ds)[:100])
    if cut == "mid-PDU":
        raw.sock.sendall(_HEADER.pack(4, 1000) + b"\0" * 10)
    raw.close()
    expected = "in the middle of a PDU" if cut == "mid-PDU" else "connection closed"
    _wait_until(lambda: any(expected in r.getMessage() for r in caplog.records), "the drop is logged")
    _wait_until(lambda: _spools(tmp_path) == [], "the spool is removed")
    assert archive.count_instances() == 0
    _still_serving(server)


@pytest.mark.parametrize("idle_timeout", [0.5])
def test_an_idle_association_is_aborted(server: DicomServer, archive: Archive, raw: Raw, tmp_path: Path,
                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="imaging_hub.dimse.storage_association")
    assert raw.associate(CT)[0] == 0x02
    ds = _instance(43)
    raw.pdata(1, 0x03, store_rq(ds))
    raw.pdata(1, 0x00, _explicit_dataset(ds)[:100])  # then nothing more (the server's idle time-out is 0.5 s)
    _abort_and_nothing_kept(raw, server, archive, tmp_path, caplog, "idle too long", 0x00)


def test_a_connection_that_sends_nothing_or_garbage_leaves_the_server_serving(server: DicomServer) -> None:
    silent = Raw(server.port)
    garbage = Raw(server.port)
    garbage.sock.sendall(b"GET / HTTP/1.1\r\n\r\n")
    assert garbage.read()[0] in (0, 0x07)  # pynetdicom's answer to what is not an association request
    garbage.close()
    _still_serving(server)
    silent.close()


def test_the_servers_maximum_counts_every_association_held() -> None:
    callers = Callers(lambda calling, address: Scope(), per_peer=8, maximum=2)
    first, second, third = object(), object(), object()
    assert callers.admit(first, "A", "10.0.0.1", "IMAGINGHUB")[1] is None
    assert callers.admit(second, "B", "10.0.0.2", "IMAGINGHUB")[1] is None
    refusal = callers.admit(third, "C", "10.0.0.3", "IMAGINGHUB")[1]
    assert refusal is not None and (refusal.result, refusal.source, refusal.diagnostic) == (0x02, 0x03, 0x02)
    assert refusal.why == "more than 2 associations in all"
    callers.release(first)
    assert callers.admit(third, "C", "10.0.0.3", "IMAGINGHUB")[1] is None


def test_stopping_ends_an_open_direct_association(archive: Archive, tmp_path: Path) -> None:
    server = DicomServer(ArchiveForDicom(archive), port=0)
    server.start()
    peer = Raw(server.port)
    try:
        assert peer.associate(CT)[0] == 0x02
        ds = _instance(51)
        peer.pdata(1, 0x03, store_rq(ds))
        peer.pdata(1, 0x00, _explicit_dataset(ds)[:100])
        _wait_until(lambda: len(_spools(tmp_path)) == 1, "the instance is being spooled")
        server.stop()
        assert peer.read() == (0, b"")
        assert _spools(tmp_path) == [] and archive.count_instances() == 0
    finally:
        peer.close()
        server.stop()


def test_without_direct_storage_every_association_is_pynetdicoms(
    archive: Archive, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "one.dcm"
    ds = _instance(61)
    path.write_bytes(part10(ds))
    with caplog.at_level(logging.DEBUG, logger="imaging_hub.dimse.listener"), \
            DicomServer(ArchiveForDicom(archive), port=0, direct_storage=False) as server:
        result = storescu(server.port, [path])
    assert result.returncode == 0, result.stderr
    assert not any(DIRECT in record.getMessage() for record in caplog.records)
    stored = archive.get(str(ds.SOPInstanceUID))
    assert stored is not None and dataset_bytes(stored.path) == dataset_bytes(path)


def test_the_negotiator_answers_a_repeated_request_from_memory() -> None:
    supported = [build_context(CT, [EXPLICIT_LE]), build_context(Verification, [EXPLICIT_LE])]
    negotiator = Negotiator({CT, str(Verification)}, supported, 256 * 1024, "1.2.3.4", "TEST")
    first = negotiator.negotiate(_request(CT))
    assert first is not None and first[1].contexts[1].abstract_syntax == CT
    assert negotiator.negotiate(_request(CT)) is first  # the same bytes: the same answer, not decoded again
    other = negotiator.negotiate(_request(CT, calling="OTHER"))
    assert other is not None and other is not first and str(other[0].calling_ae_title).strip() == "OTHER"
    assert negotiator.negotiate(_request(CT, STUDY_FIND)) is None


@pytest.mark.parametrize("path", [PYNETDICOM_PATH, DIRECT_PATH])
def test_an_association_for_another_ae_title_is_refused_and_audited_so_when_required(
    archive: Archive, path: str,
) -> None:
    """The check comes before the audit record on both paths: a refusal is never recorded as accepted."""
    scope = Scope()
    with DicomServer(ArchiveForDicom(archive), port=0, scope_for=lambda calling, address: scope,
                     require_called_ae_title=True) as hub:
        refused = rejection(hub.port, "CALLER", path, called="ELSEWHERE")
        assert reasons(refused) == (0x01, 0x01, 0x07)  # permanent, service user: called AE title not recognised
        assert scope.associations == [(False, "called AE title is not this server's")]
        accepted = associate(hub.port, "CALLER", path)  # addressed to the hub's own title
        assert accepted.is_established
        accepted.release()
        assert scope.associations[-1] == (True, "")


def test_any_called_ae_title_is_taken_unless_required(server: DicomServer, scope: Scope) -> None:
    ae = AE(ae_title="CALLER")
    ae.add_requested_context(Verification)
    assoc = ae.associate("127.0.0.1", server.port, ae_title="ELSEWHERE")
    assert assoc.is_established
    assoc.release()
    assert scope.associations == [(True, "")]


# -- a peer sending damaged streams -------------------------------------------------------------------------

def _store_stream(ds: Dataset, rng: random.Random) -> bytes:
    """What a requestor sends for one C-STORE and the release: the command, then the data set in PDUs of random
    sizes, then an A-RELEASE-RQ."""
    stream, data = [_pdata_pdu(1, 0x03, store_rq(ds))], _explicit_dataset(ds)
    while data:
        size = rng.randint(1, len(data))
        stream.append(_pdata_pdu(1, 0x02 if size == len(data) else 0x00, data[:size]))
        data = data[size:]
    return b"".join(stream) + bytes.fromhex("050000000004 00000000")


def _damage(stream: bytes, rng: random.Random) -> bytes:
    damaged = bytearray(stream)
    kind = rng.choice(("flip", "cut", "insert", "repeat"))
    at = rng.randrange(len(damaged))
    if kind == "flip":
        for _ in range(rng.randint(1, 4)):
            damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
    elif kind == "cut":
        del damaged[at:]
    elif kind == "insert":
        damaged[at:at] = rng.randbytes(rng.randint(1, 12))
    else:
        damaged[at:at] = damaged[at : at + rng.randint(1, 64)]
    return bytes(damaged)


def test_damaged_streams_never_leave_a_partial_instance_or_stop_the_server(
    server: DicomServer, archive: Archive, tmp_path: Path, capfd: pytest.CaptureFixture[str],
) -> None:
    """As an attacker or a broken link would: a valid C-STORE stream with bits flipped, bytes inserted or
    repeated, or cut short. Whatever the server answers, what it keeps is whole, the spools go, no connection's
    thread dies with a traceback, and it keeps serving: every fifth stream is sent whole, and is stored."""
    sent: list[Dataset] = []
    for seed in range(30):
        rng = random.Random(seed)
        ds = _instance(1000 + seed)
        sent.append(ds)
        stream = _store_stream(ds, rng)
        peer = Raw(server.port)
        try:
            assert peer.associate(CT)[0] == 0x02
            peer.sock.settimeout(1.0)
            try:
                peer.sock.sendall(stream if seed % 5 == 0 else _damage(stream, rng))
                while peer.read()[0] not in (0, 0x06, 0x07):  # until released, aborted or closed
                    pass
            except OSError:  # reset by an abort, or waiting on a length the damage made up
                pass
        finally:
            peer.close()
    _wait_until(lambda: _spools(tmp_path) == [], "every cut-off instance's spool is removed")
    kept = [stored for stored in (archive.get(str(ds.SOPInstanceUID)) for ds in sent) if stored is not None]
    whole = {str(ds.SOPInstanceUID) for ds in sent[::5]}
    assert whole <= {stored.sop_instance_uid for stored in kept}  # damage before them changed nothing for them
    assert archive.count_instances() == len(kept)  # nothing stored under a UID the damage made up
    for stored in kept:
        assert dcmread(stored.path).SOPInstanceUID == stored.sop_instance_uid
    _still_serving(server)
    assert "Traceback" not in capfd.readouterr().err


def test_damaged_association_requests_are_answered_and_the_server_keeps_serving(
    tmp_path: Path, capfd: pytest.CaptureFixture[str],
) -> None:
    """The direct path reads the A-ASSOCIATE-RQ itself before choosing who serves it: damaged requests get an
    A-ASSOCIATE-AC, -RJ or A-ABORT, or the connection closed, from one path or the other, never a dead thread.
    (Nothing here reaches the index, so one index serves.)"""
    with Archive.open(tmp_path / "data", f"sqlite:///{tmp_path / 'index.sqlite3'}") as archive, \
            DicomServer(ArchiveForDicom(archive), port=0) as server:
        for seed in range(30):
            rng = random.Random(seed)
            peer = Raw(server.port)
            try:
                peer.sock.settimeout(1.0)
                try:
                    peer.sock.sendall(_damage(_request(CT, Verification), rng))
                    assert peer.read()[0] in (0, 0x02, 0x03, 0x07), f"seed {seed}"
                except OSError:  # reset, or waiting on a length the damage made up
                    pass
            finally:
                peer.close()
        _still_serving(server)
    assert "Traceback" not in capfd.readouterr().err
