"""dcmtk command-line peers (echoscu, storescu, findscu, movescu, getscu, storescp) for the DIMSE tests."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.filereader import read_file_meta_info
from pynetdicom import AE
from pynetdicom.dsutils import split_dataset

HUB_AE = "IMAGINGHUB"
TIMEOUT = 60


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def dcmtk(tool: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool, *map(str, args)], capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def echoscu(port: int) -> subprocess.CompletedProcess[str]:
    return dcmtk("echoscu", "-aec", HUB_AE, "127.0.0.1", str(port))


def storescu(port: int, files: Sequence[Path], *options: str) -> subprocess.CompletedProcess[str]:
    return dcmtk("storescu", "-aec", HUB_AE, *options, "127.0.0.1", str(port), *files)


def findscu(port: int, model: str, keys: dict[str, str], out: Path) -> list[Dataset]:
    """Run findscu (model ``-P`` or ``-S``) and return the pending response identifiers, in order."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("rsp*.dcm"):
        old.unlink()
    args = [model, "-aec", HUB_AE, "-X", "-od", str(out)]
    for key, value in keys.items():
        args += ["-k", f"{key}={value}" if value else key]
    result = dcmtk("findscu", *args, "127.0.0.1", str(port))
    assert result.returncode == 0, result.stderr
    return [dcmread(path) for path in sorted(out.glob("rsp*.dcm"))]


def retrieve_keys(keys: dict[str, str]) -> list[str]:
    return [arg for key, value in keys.items() for arg in ("-k", f"{key}={value}")]


def movescu(port: int, destination: str, keys: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return dcmtk("movescu", "-v", "-S", "-aec", HUB_AE, "-aem", destination, *retrieve_keys(keys),
                 "127.0.0.1", str(port))


def getscu(port: int, keys: dict[str, str], out: Path, *options: str) -> subprocess.CompletedProcess[str]:
    out.mkdir(parents=True, exist_ok=True)
    return dcmtk("getscu", "-v", "-S", "+B", "-aec", HUB_AE, "-od", str(out), *options,
                 *retrieve_keys(keys), "127.0.0.1", str(port))


@contextlib.contextmanager
def storescp(out: Path, *options: str, ae_title: str = "STORESCP") -> Iterator[int]:
    """dcmtk's storescp on a free port, writing what it receives bit for bit into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    process = subprocess.Popen(
        ["storescp", "-aet", ae_title, "+B", "-od", str(out), *options, str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        _wait_listening(port, process)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    for _ in range(200):
        if process.poll() is not None:
            raise RuntimeError(f"storescp exited: {process.stderr.read() if process.stderr else ''!r}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.05)
    raise RuntimeError("storescp did not start listening")


def dataset_bytes(path: Path) -> bytes:
    """The encoded dataset of a Part 10 file: everything after the preamble and file meta."""
    _meta, offset = split_dataset(path)
    return path.read_bytes()[offset:]


def transfer_syntax(path: Path) -> str:
    return str(read_file_meta_info(path).TransferSyntaxUID)


def scu_find(port: int, model: str, identifier: Dataset) -> list[tuple[int, Dataset | None]]:
    """C-FIND with pynetdicom as the SCU: every response's (status, identifier), final one included."""
    ae = AE(ae_title="PYSCU")
    ae.add_requested_context(model)
    assoc = ae.associate("127.0.0.1", port, ae_title=HUB_AE)
    assert assoc.is_established
    try:
        return [(int(status.Status), found) for status, found in assoc.send_c_find(identifier, model)]
    finally:
        assoc.release()


def keyed(**values: object) -> Dataset:
    ds = Dataset()
    for keyword, value in values.items():
        setattr(ds, keyword, value)
    return ds
