"""Freezing what start-up built: later collections skip it, and still collect what is made afterwards."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from imaging_hub.heap import freeze_start_up


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


@pytest.fixture()
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    gc.disable()  # no automatic collection in between: the test says when
    yield
    gc.enable()
    gc.unfreeze()  # the test process goes on collecting everything, as before


def test_start_up_objects_are_frozen_and_later_garbage_still_collected(unfrozen: None) -> None:
    built_at_start = _Node()
    garbage_at_start = weakref.ref(_Node())  # unreachable already: collected, not frozen
    frozen = freeze_start_up()
    assert frozen > 1000 and gc.get_freeze_count() == frozen
    assert garbage_at_start() is None
    assert not any(obj is built_at_start for obj in gc.get_objects())  # out of the collector's sight

    made_later = weakref.ref(_Node())
    assert made_later() is not None  # a cycle: reference counting alone does not free it
    gc.collect()
    assert made_later() is None
