"""Spoke test fixtures: TLS material, project keys, synthetic patients; real processes live in harness.py."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from imaging_hub.deid import ProjectKey
from imaging_hub.dicom.synthetic import SyntheticPatient
from imaging_hub.tls import TlsFiles, issue_network_tls


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return issue_network_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def project_key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keys") / "project.key"
    ProjectKey.generate().save(path)
    return path


@pytest.fixture()
def patients() -> list[SyntheticPatient]:
    rng = random.Random(20240501)
    return [SyntheticPatient.make(rng, "RX1") for _ in range(4)]
