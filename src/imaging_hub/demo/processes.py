"""The demo's hub and spokes as real `imaging-hub` processes, each logging to its own file."""

from __future__ import annotations

import contextlib
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Process:
    """One `imaging-hub` subcommand running in the background."""

    def __init__(self, name: str, args: list[str], log: Path) -> None:
        self.name = name
        self.log = log
        with log.open("ab") as out:
            self.popen = subprocess.Popen([sys.executable, "-m", "imaging_hub", *args], stdout=out,
                                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def wait_until(self, ready: Callable[[], bool], what: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited (code {self.popen.returncode}); see {self.log}")
            if ready():
                return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name}: {what} not ready after {timeout:.0f}s; see {self.log}")

    def stop(self) -> None:
        if self.alive():
            self.popen.terminate()
            try:
                self.popen.wait(30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def https_ready(url: str, ca: Path) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(url, verify=ssl.create_default_context(cafile=str(ca)), timeout=2).status_code == 200
    return False


def port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False
