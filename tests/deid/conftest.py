from __future__ import annotations

import pytest

from imaging_hub.deid import Deidentifier, Profile, ProjectKey


@pytest.fixture(scope="session")
def key() -> ProjectKey:
    return ProjectKey(b"imaging-hub-test-key-0123456789ab")


@pytest.fixture(scope="session")
def research(key: ProjectKey) -> Deidentifier:
    return Deidentifier(Profile.builtin("research"), key, project_id="LUNG1", site_id="RX1")


@pytest.fixture(scope="session")
def basic(key: ProjectKey) -> Deidentifier:
    return Deidentifier(Profile.builtin("basic"), key)
