"""Governance fixtures: a governance database (shared ``database_url``: SQLite and the real PostgreSQL), a
clock that only moves when told, and a small network."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from imaging_hub.governance import Governance, SettableClock

from .network import START, Network, build_network


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(START)


@pytest.fixture
def gov(database_url: str, clock: SettableClock) -> Iterator[Governance]:
    governance = Governance.open(database_url, clock)
    yield governance
    governance.close()


@pytest.fixture
def network(gov: Governance) -> Network:
    return build_network(gov)
