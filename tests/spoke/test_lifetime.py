"""A child process that died is restarted after a delay, not in a tight loop, and each death is reported once."""

from __future__ import annotations

from imaging_hub.spoke.runtime.lifetime import RESTART_DELAY_S, Revival


def test_a_death_is_noticed_once_and_the_restart_waits_for_the_delay() -> None:
    now = [100.0]
    revival = Revival(clock=lambda: now[0])
    assert not revival.due()  # nothing died yet
    assert revival.noticed()
    assert not revival.noticed()  # the same death, seen again by the next health check
    now[0] += RESTART_DELAY_S / 2
    assert not revival.due()
    now[0] += RESTART_DELAY_S / 2
    assert revival.due()
    assert not revival.due()  # once
    assert revival.noticed()  # the restarted child died too: a new death, reported and delayed again
    assert not revival.due()
