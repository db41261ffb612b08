"""Fixtures shared by every area's tests: a throwaway PostgreSQL database, the index backends, an archive."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from imaging_hub.logs import silence_value_quoting_libraries
from imaging_hub.store import Archive

POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"


def pytest_configure(config: pytest.Config) -> None:
    """Every entry point applies the logging policy as it starts (``imaging_hub.logs``); tests that run the
    product in-process start from it too, whichever test ran first (``tests/test_logs.py`` checks the policy
    itself, and that importing the package applies nothing)."""
    silence_value_quoting_libraries()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A uniquely named, empty database on the local PostgreSQL server, dropped afterwards."""
    name = f"imaging_hub_test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_SERVER}/{name}"
    finally:
        with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test against the embedded SQLite index and the real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'index.sqlite3'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def archive(tmp_path: Path, database_url: str) -> Iterator[Archive]:
    opened = Archive.open(tmp_path / "data", database_url)
    try:
        yield opened
    finally:
        opened.close()
