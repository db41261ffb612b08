"""Sign-in throttling: after a few failed passwords for one account, or from one client address, further
attempts are refused for a lockout that doubles with each further failure, whatever the password.

Counted per account (the address typed, whether or not such an account exists, so a lockout reveals nothing)
and per client address (a higher threshold: a trust's staff may share one NAT address). Failures older than
``window_seconds`` are forgotten; a correct password clears its account's count. State lives in the process:
the hub runs one, and a restart forgets counts, which only ever makes the throttle more lenient, never wrong.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from threading import Lock
from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from imaging_hub.config import LayeredSettings
from imaging_hub.governance.clock import Clock
from imaging_hub.governance.errors import Unauthenticated


class SignInLimits(LayeredSettings):
    """``[sign_in]`` in the hub's TOML file, or ``IMAGING_HUB_SIGN_IN_*``."""

    model_config = SettingsConfigDict(env_prefix="IMAGING_HUB_SIGN_IN_")
    config_table: ClassVar[str | None] = "sign_in"

    account_failures: int = Field(default=5, ge=1, le=1000)  # failures for one account before a lockout
    address_failures: int = Field(default=20, ge=1, le=100_000)  # failures from one address before a lockout
    lockout_seconds: float = Field(default=30.0, gt=0, le=86_400)  # the first lockout; doubles each failure
    max_lockout_seconds: float = Field(default=900.0, gt=0, le=86_400)
    window_seconds: float = Field(default=3600.0, gt=0, le=7 * 86_400)  # failures older than this are forgotten
    tracked: int = Field(default=50_000, ge=100, le=10_000_000)  # keys remembered at most (oldest dropped)


class SignInThrottled(Unauthenticated):
    """Too many failed sign-ins for this account or from this address; ``retry_after`` seconds to wait."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-in attempts; try again in {retry_after} seconds")
        self.retry_after = retry_after


@dataclass
class _Record:
    failures: int
    last_failure: datetime
    locked_until: datetime | None


class SignInThrottle:
    def __init__(self, limits: SignInLimits, clock: Clock) -> None:
        self.limits = limits
        self._clock = clock
        self._records: OrderedDict[str, _Record] = OrderedDict()
        self._lock = Lock()

    def check(self, account: str, address: str) -> None:
        """Raise ``SignInThrottled`` while the account or the address is locked out."""
        now = self._clock()
        with self._lock:
            waits = [self._wait(key, now) for key in _keys(account, address)]
        longest = max(waits)
        if longest > 0:
            raise SignInThrottled(longest)

    def failed(self, account: str, address: str) -> None:
        now = self._clock()
        thresholds = (self.limits.account_failures, self.limits.address_failures)
        with self._lock:
            for key, threshold in zip(_keys(account, address), thresholds, strict=True):
                record = self._fresh(key, now)
                record = _Record(record.failures + 1, now, None) if record else _Record(1, now, None)
                over = record.failures - threshold
                if over >= 0:
                    seconds = min(self.limits.lockout_seconds * 2 ** min(over, 32), self.limits.max_lockout_seconds)
                    record.locked_until = now + timedelta(seconds=seconds)
                self._records[key] = record
                self._records.move_to_end(key)
            while len(self._records) > self.limits.tracked:
                self._records.popitem(last=False)

    def succeeded(self, account: str) -> None:
        with self._lock:
            self._records.pop(_account_key(account), None)

    def _fresh(self, key: str, now: datetime) -> _Record | None:
        record = self._records.get(key)
        if record is not None and now - record.last_failure > timedelta(seconds=self.limits.window_seconds):
            del self._records[key]
            return None
        return record

    def _wait(self, key: str, now: datetime) -> int:
        record = self._fresh(key, now)
        if record is None or record.locked_until is None or now >= record.locked_until:
            return 0
        return max(1, int((record.locked_until - now).total_seconds() + 0.999))


def _account_key(account: str) -> str:
    return "account:" + account.strip().lower()


def _keys(account: str, address: str) -> tuple[str, str]:
    return _account_key(account), "address:" + address
