"""Real processes for spoke tests and the spoke benchmark: the real hub (`imaging-hub serve`, governed, over
TLS), spokes run by the CLI, Orthanc PACS."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from pydicom.dataset import Dataset

from imaging_hub.config import HubSettings
from imaging_hub.governance import Governance, Role, Scope
from imaging_hub.governance import administration as admin
from imaging_hub.tls import TlsFiles

TESTS_DIR = Path(__file__).resolve().parent.parent
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

from peers.orthanc import OrthancPacs, free_port  # noqa: E402

__all__ = ["HubProcess", "OrthancPacs", "SpokeProcess", "TlsFiles", "free_port", "part10", "write_spoke_config"]

PYTHON = sys.executable
NETWORK = "Spoke test network"
UNIVERSITY = "Spoke test university"
READER = "researcher@university.test"


def part10(ds: Dataset) -> bytes:
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


class ChildProcess:
    """Stopping a child process: SIGTERM with a grace period, or SIGKILL as a crash test needs."""

    process: subprocess.Popen[bytes] | None
    stop_grace_s: float = 30

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=self.stop_grace_s)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class HubProcess(ChildProcess):
    """The real hub as its own process, so a test can kill -9 it and start it again on the same data.

    Governance is set up in the hub's database on creation, as a network would: each site, a site data manager
    there whose spoke token (dicom:write) is ``tokens[site]``, and a researcher (``reader_token``, dicom:read)
    in every project under an active data-sharing agreement, for reading back what the hub holds."""

    stop_grace_s = 20.0
    data: Path
    tls: TlsFiles
    sites: Sequence[str]
    projects: Sequence[str] = ()  # each taken part in by every site; add_project for others
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    tokens: dict[str, str] = field(default_factory=dict)  # site -> spoke token
    reader_token: str = ""

    def __post_init__(self) -> None:
        self.data.mkdir(parents=True, exist_ok=True)
        with self._governance() as gov:
            admin.add_organisation(gov, NETWORK, "network")
            admin.add_organisation(gov, UNIVERSITY, "university")
            admin.add_person(gov, READER, "Test researcher", UNIVERSITY)
            for site in self.sites:
                admin.add_site(gov, site, f"Test trust {site}")
                email = f"data.manager@{site.lower()}.test"
                admin.add_person(gov, email, f"Site data manager {site}", NETWORK)
                admin.grant_role(gov, email, Role.SITE_DATA_MANAGER.value, site=site)
                self.tokens[site], _ = admin.issue_token(gov, email, f"spoke {site}", [Scope.DICOM_WRITE.value])
        for project in self.projects:
            self.add_project(project)

    def add_project(self, code: str, sites: Sequence[str] | None = None) -> None:
        """A project at ``sites`` (default: all), readable by the researcher; the hub may be running."""
        with self._governance() as gov:
            admin.add_project(gov, code, f"Spoke test project {code}", sites=list(sites or self.sites))
            admin.grant_role(gov, READER, Role.RESEARCHER.value, project=code)
            admin.add_agreement(gov, f"DSA-{code}", UNIVERSITY, [code], "Spoke tests", ["imaging"])
            admin.activate_agreement(gov, f"DSA-{code}", "spoke tests")

    @contextlib.contextmanager
    def _governance(self) -> Iterator[Governance]:
        settings = HubSettings(data=self.data)
        gov = Governance.open(settings.database_url, audit_keys=settings.audit_key_folder)
        try:
            yield gov
        finally:
            gov.close()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        self.port = self.port or free_port()
        args = [PYTHON, "-m", "imaging_hub", "serve", "--data", str(self.data), "--http-port", str(self.port),
                "--dicom-port", "0", "--tls-cert", str(self.tls.cert), "--tls-key", str(self.tls.key)]
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

    def client(self, site: str) -> httpx.Client:
        """As the site's spoke."""
        return self._client(self.tokens[site])

    def reader(self) -> httpx.Client:
        """As the researcher: reads every project's data under its agreement."""
        if not self.reader_token:  # issued once the researcher holds a role that reads (a token needs one)
            with self._governance() as gov:
                self.reader_token, _ = admin.issue_token(gov, READER, "test reader", [Scope.DICOM_READ.value])
        return self._client(self.reader_token)

    def _client(self, token: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, verify=ssl.create_default_context(cafile=str(self.tls.ca)), timeout=60,
                            headers={"Authorization": f"Bearer {token}"})


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
        tables = {k: v for k, v in project.items() if isinstance(v, list) and v and isinstance(v[0], dict)}
        lines += ["", "[[projects]]"] + [f"{k} = {_toml(v)}" for k, v in project.items() if k not in tables]
        for name, rows in tables.items():  # e.g. acquisition_checks
            for row in rows:
                lines += ["", f"[[projects.{name}]]"] + [f"{k} = {_toml(v)}" for k, v in row.items()]
    path = folder / "spoke.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class SpokeProcess(ChildProcess):
    """`imaging-hub spoke --config X` as a child process."""

    config: Path
    extra: list[str] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = (self.config.parent / "spoke.log").open("ab")
        self.process = subprocess.Popen([PYTHON, "-m", "imaging_hub", "spoke", "--config", str(self.config),
                                         *self.extra], stdout=log, stderr=subprocess.STDOUT)
        log.close()

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
