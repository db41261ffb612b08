"""A real Orthanc (Debian ``orthanc``, with the ``orthanc-dicomweb`` plugin) playing a hospital PACS.

Plain module so tests and benchmarks can share it::

    with OrthancPacs.running(work_dir) as pacs:
        pacs.upload(part10_bytes)
        pacs.add_modality("SPOKE", "127.0.0.1", 11113)
        ... pacs.dicom_port, pacs.http_url, pacs.dicomweb_url ...

It binds DICOM and HTTP ports found free at run time, keeps its storage and index under ``work_dir``,
waits until the REST API answers, and stops (then kills, if it must) on exit.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ORTHANC_BINARY = "Orthanc"
DICOMWEB_PLUGIN_CANDIDATES = (
    Path("/usr/share/orthanc/plugins/libOrthancDicomWeb.so"),
    Path("/usr/lib/orthanc/libOrthancDicomWeb.so"),
)


def free_port() -> int:
    """A TCP port free right now on 127.0.0.1 (bind to 0, read it, release it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def dicomweb_plugin() -> Path | None:
    """Where Debian's orthanc-dicomweb put its plugin (``dpkg -L orthanc-dicomweb``)."""
    for candidate in DICOMWEB_PLUGIN_CANDIDATES:
        if candidate.exists():
            return candidate
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        listing = subprocess.run(
            ["dpkg", "-L", "orthanc-dicomweb"], capture_output=True, text=True, check=True
        ).stdout.split()
        for line in listing:
            if "DicomWeb" in line and ".so" in line and Path(line).is_file():
                return Path(line)
    return None


def orthanc_available() -> bool:
    return shutil.which(ORTHANC_BINARY) is not None or Path("/usr/sbin/Orthanc").exists()


@dataclass
class OrthancPacs:
    """One running Orthanc. Build with :meth:`running`."""

    work_dir: Path
    ae_title: str = "ORTHANC"
    dicom_port: int = 0
    http_port: int = 0
    dicomweb: bool = True
    modalities: dict[str, tuple[str, str, int]] = field(default_factory=dict)
    settings: dict[str, object] = field(default_factory=dict)  # over ``config()``'s own
    environment: dict[str, str] = field(default_factory=dict)  # added to this process's for Orthanc
    process: subprocess.Popen[bytes] | None = None

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def dicomweb_url(self) -> str:
        return f"{self.http_url}/dicom-web"

    @classmethod
    @contextlib.contextmanager
    def running(
        cls, work_dir: Path, *, ae_title: str = "ORTHANC", dicomweb: bool = True,
        modalities: dict[str, tuple[str, str, int]] | None = None, startup_timeout: float = 60.0,
        settings: dict[str, object] | None = None, environment: dict[str, str] | None = None,
    ) -> Iterator[OrthancPacs]:
        """Start Orthanc, yield it ready, stop it whatever happens."""
        pacs = cls(work_dir=work_dir, ae_title=ae_title, dicomweb=dicomweb, modalities=dict(modalities or {}),
                   settings=dict(settings or {}), environment=dict(environment or {}))
        pacs.start(startup_timeout)
        try:
            yield pacs
        finally:
            pacs.stop()

    def config(self) -> dict[str, object]:
        plugins: list[str] = []
        if self.dicomweb:
            plugin = dicomweb_plugin()
            if plugin is None:
                raise RuntimeError("orthanc-dicomweb plugin not found (is the Debian package installed?)")
            plugins.append(str(plugin))
        return {
            "Name": f"pacs-{self.ae_title.lower()}",
            "StorageDirectory": str(self.work_dir / "storage"),
            "IndexDirectory": str(self.work_dir / "index"),
            "StorageCompression": False,
            "HttpPort": self.http_port,
            "DicomPort": self.dicom_port,
            "DicomAet": self.ae_title,
            "RemoteAccessAllowed": False,
            "AuthenticationEnabled": False,
            "SslEnabled": False,
            "DicomCheckCalledAet": False,
            "DicomAlwaysAllowEcho": True,
            "DicomAlwaysAllowStore": True,
            "DicomAlwaysAllowFind": True,
            "DicomAlwaysAllowGet": True,
            "DicomAlwaysAllowMove": True,
            "UnknownSopClassAccepted": True,
            "SaveJobs": False,
            "ConcurrentJobs": 2,
            "SynchronousCMove": True,
            "HttpThreadsCount": 8,
            "DicomThreadsCount": 4,
            "StableAge": 1,
            "DicomModalities": {name: list(peer) for name, peer in self.modalities.items()},
            "Plugins": plugins,
            "DicomWeb": {"Enable": True, "Root": "/dicom-web/", "EnableWado": True},
        } | self.settings

    def start(self, startup_timeout: float = 60.0) -> None:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.dicom_port = self.dicom_port or free_port()
        self.http_port = self.http_port or free_port()
        config_path = self.work_dir / "orthanc.json"
        config_path.write_text(json.dumps(self.config(), indent=2))
        log = (self.work_dir / "orthanc.log").open("ab")
        binary = shutil.which(ORTHANC_BINARY) or "/usr/sbin/Orthanc"
        self.process = subprocess.Popen([binary, str(config_path)], stdout=log, stderr=subprocess.STDOUT,
                                        env={**os.environ, **self.environment})
        log.close()
        deadline = time.monotonic() + startup_timeout
        log_path = self.work_dir / "orthanc.log"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Orthanc exited with {self.process.returncode}; see {log_path}")
            with contextlib.suppress(httpx.HTTPError):
                answered = httpx.get(f"{self.http_url}/system", timeout=2).status_code == 200
                if answered and self._dicom_listening():
                    return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"Orthanc did not answer within {startup_timeout}s; see {log_path}")

    def _dicom_listening(self) -> bool:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(1)
            return sock.connect_ex(("127.0.0.1", self.dicom_port)) == 0

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    # --- what a test does with its PACS -------------------------------------------------------------

    def upload(self, part10: bytes) -> str:
        """Store one Part 10 instance through the REST API; return Orthanc's instance id."""
        response = httpx.post(f"{self.http_url}/instances", content=part10, timeout=30)
        response.raise_for_status()
        return str(response.json()["ID"])

    def upload_many(self, instances: Iterator[bytes] | list[bytes]) -> int:
        count = 0
        with httpx.Client(base_url=self.http_url, timeout=30) as client:
            for part10 in instances:
                client.post("/instances", content=part10).raise_for_status()
                count += 1
        return count

    def add_modality(self, name: str, ae_title: str, host: str, port: int) -> None:
        """Declare a C-MOVE destination at run time (PUT /modalities/{name})."""
        response = httpx.put(
            f"{self.http_url}/modalities/{name}",
            json={"AET": ae_title, "Host": host, "Port": port},
            timeout=10,
        )
        response.raise_for_status()
        self.modalities[name] = (ae_title, host, port)

    def count_instances(self) -> int:
        statistics = httpx.get(f"{self.http_url}/statistics", timeout=10).json()
        return int(statistics["CountInstances"])
