"""Real processes for spoke tests and the spoke benchmark: a TLS hub, spokes run by the CLI, Orthanc PACS."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import ipaddress
import os
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydicom.dataset import Dataset

TESTS_DIR = Path(__file__).resolve().parent.parent
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

from peers.orthanc import OrthancPacs, free_port  # noqa: E402

__all__ = ["HubProcess", "OrthancPacs", "SpokeProcess", "TlsFiles", "free_port", "make_tls", "part10",
           "write_spoke_config"]

PYTHON = sys.executable
HUB_SERVER = Path(__file__).resolve().parent / "hub_server.py"


def part10(ds: Dataset) -> bytes:
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


@dataclass(frozen=True)
class TlsFiles:
    ca: Path
    cert: Path
    key: Path


def make_tls(folder: Path) -> TlsFiles:
    """A private CA and a hub certificate for 127.0.0.1/localhost signed by it."""
    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Imaging Hub test network CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
          .not_valid_after(now + dt.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False),
                         critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hub.test")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    files = TlsFiles(folder / "ca.pem", folder / "hub.pem", folder / "hub.key")
    files.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))
    return files


@dataclass
class HubProcess:
    """The hub as its own process, so a test can kill -9 it and start it again on the same data."""

    data: Path
    tls: TlsFiles
    tokens: dict[str, str]  # site -> token
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        self.port = self.port or free_port()
        self.data.mkdir(parents=True, exist_ok=True)
        args = [PYTHON, str(HUB_SERVER), "--data", str(self.data), "--port", str(self.port),
                "--cert", str(self.tls.cert), "--key", str(self.tls.key)]
        for site, token in self.tokens.items():
            args += ["--token", f"{site}={token}"]
        log = (self.data.parent / f"{self.data.name}.log").open("ab")
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"hub exited with {self.process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                verify = ssl.create_default_context(cafile=str(self.tls.ca))
                if httpx.get(f"{self.url}/healthz", verify=verify, timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError("hub did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def client(self, site: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, verify=ssl.create_default_context(cafile=str(self.tls.ca)), timeout=60,
                            headers={"Authorization": f"Bearer {self.tokens[site]}"})


def write_spoke_config(
    folder: Path, *, site_id: str, hub: HubProcess, projects: list[dict[str, object]], dicom_port: int,
    pacs: dict[str, object] | None = None, opt_out_file: Path | None = None, min_free_mb: int = 1,
    ae_title: str | None = None, batch_size: int = 50, reconcile_interval_s: float = 2.0,
    retry_cap_s: float = 2.0, deid_workers: int = 1,
) -> Path:
    """One worker process by default: tests run several spokes at once on a couple of shared cores."""
    folder.mkdir(parents=True, exist_ok=True)
    token_file = folder / "hub.token"
    token_file.write_text(hub.tokens[site_id])
    os.chmod(token_file, 0o600)
    lines = [
        f'site_id = "{site_id}"', f'data = "{folder / "data"}"', f"dicom_port = {dicom_port}",
        f'ae_title = "{ae_title or "SPOKE" + site_id}"', f"min_free_mb = {min_free_mb}",
        f"deid_workers = {deid_workers}",
    ]
    if opt_out_file is not None:
        lines.append(f'opt_out_file = "{opt_out_file}"')
    lines += ["", "[hub]", f'url = "{hub.url}"', f'token_file = "{token_file}"', f'ca_bundle = "{hub.tls.ca}"',
              f"batch_size = {batch_size}", f"reconcile_interval_s = {reconcile_interval_s}",
              "retry_base_s = 0.2", f"retry_cap_s = {retry_cap_s}"]
    if pacs:
        lines += ["", "[pacs]"] + [f"{k} = {_toml(v)}" for k, v in pacs.items()]
    for project in projects:
        lines += ["", "[[projects]]"] + [f"{k} = {_toml(v)}" for k, v in project.items()]
    path = folder / "spoke.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class SpokeProcess:
    """`imaging-hub spoke --config X` as a child process."""

    config: Path
    extra: list[str] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = (self.config.parent / "spoke.log").open("ab")
        self.process = subprocess.Popen([PYTHON, "-m", "imaging_hub", "spoke", "--config", str(self.config),
                                         *self.extra], stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


def wait_for(predicate: object, timeout: float, interval: float = 0.5, what: str = "condition") -> None:
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@contextlib.contextmanager
def running(*things: HubProcess | SpokeProcess) -> Iterator[None]:
    try:
        yield
    finally:
        for thing in reversed(things):
            thing.stop()
