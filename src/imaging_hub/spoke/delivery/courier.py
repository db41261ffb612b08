"""The courier: drains the outbox to the hub in batches, sends withdrawals, and reconciles.

One thread, in order, so a withdrawal notice can never overtake a batch already on its way. When the hub
is away (down, overloaded, refusing the token) everything waits with exponential backoff and jitter; the
outbox keeps growing on disk and drains when the hub is back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.engine import Connection

from imaging_hub.dicomweb import TRANSIENT_FAILURES
from imaging_hub.spoke.delivery import outbox
from imaging_hub.spoke.delivery.backoff import backoff_delay
from imaging_hub.spoke.delivery.heartbeat import HEARTBEAT_INTERVAL_S, current_heartbeat
from imaging_hub.spoke.delivery.hubclient import HubClient, HubRejected, HubUnavailable
from imaging_hub.spoke.delivery.reconciliation import ReconciliationReport, apply_answer, study_reports
from imaging_hub.spoke.participants.recruitment import EnrolmentCount
from imaging_hub.spoke.participants.withdrawal import mark_notified, mark_retry, pending_withdrawals, withdrawal_request
from imaging_hub.spoke.settings import HubLink
from imaging_hub.spoke.state import set_health, transaction
from imaging_hub.spoke.tables import instance

log = logging.getLogger(__name__)

PERMANENT_ITEM_ATTEMPTS = 8  # an instance the hub keeps refusing "for now" is failed after this many tries
# A batch not yet full waits for more to join it while more are on their way and keep coming: until
# BATCH_QUIET_S passes with none joining, and no longer than BATCH_LINGER_S after its oldest instance was
# queued. The de-identification workers record in groups, and the hub's cost per request is then shared by
# several of them; the last batch of a transfer goes as soon as nothing is left to de-identify.
BATCH_LINGER_S = 0.5
BATCH_QUIET_S = 0.1


class Bell(Protocol):
    """What the courier waits on: a ``threading.Event``, or an event shared with the workers' processes."""

    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...

    def clear(self) -> None: ...


class Courier:
    def __init__(self, conn: Connection, client: HubClient, link: HubLink, site_id: str,
                 more_coming: Callable[[], bool] = lambda: True,
                 enrolment: Callable[[Connection], list[EnrolmentCount]] | None = None) -> None:
        """``more_coming``: whether instances may still be queued soon (the intake buffer holds some);
        ``enrolment``: the recruitment counts each heartbeat carries (None: none are sent)."""
        self._conn = conn
        self._enrolment = enrolment
        self._more_coming = more_coming
        self._client = client
        self._link = link
        self._site_id = site_id
        self._hub_failures = 0
        self._hub_retry_at = 0.0
        self._last_reconcile = 0.0
        self._last_beat = 0.0
        self._solo = 0  # after a batch was rejected as a whole, send this many one at a time
        self._linger_until = 0.0  # a batch not yet full is held back until then
        self._filling = (0, 0.0)  # the size of the batch being held back, and when it last grew
        self.delivered = 0
        self._last_delivery = 0.0

    # --- the loop ------------------------------------------------------------------------------------

    def run(self, stop: Bell, wake: Bell | None = None) -> None:
        while not stop.is_set():
            worked = self.step()
            if not worked:
                now = time.time()
                pause = max(0.05, min(1.0, self._hub_retry_at - now))
                if self._linger_until > now:
                    pause = min(pause, max(0.01, self._linger_until - now))
                if wake is not None:
                    wake.wait(pause)
                    wake.clear()
                else:
                    stop.wait(pause)

    def step(self) -> bool:
        """Do one unit of work; False when there was nothing to do (or the hub is in backoff)."""
        if time.time() < self._hub_retry_at:
            return False
        answered = self._client.answered
        try:
            self._beat_if_due()
            worked = self._send_withdrawals()
            worked = self._deliver_batch() or worked
            if not worked and not self._linger_until:  # reconciled when idle, not while a batch fills
                worked = self._reconcile_if_due()
        except HubUnavailable as exc:
            self._hub_down(str(exc))
            return False
        if self._hub_failures and self._client.answered > answered:  # a step with nothing to send proves nothing
            log.info("hub reachable again after %d failed attempt(s)", self._hub_failures)
            self._hub_failures = 0
            set_health(self._conn, "hub", "ok")
        return worked

    def _hub_down(self, why: str) -> None:
        self._hub_failures += 1
        delay = backoff_delay(self._hub_failures, self._link.retry_base_s, self._link.retry_cap_s)
        self._hub_retry_at = time.time() + delay
        log.warning("hub unavailable (%s); retry %d in %.1fs", why, self._hub_failures, delay)
        set_health(self._conn, "hub", f"unavailable: {why}; retry {self._hub_failures} in {delay:.0f}s")

    # --- delivery ------------------------------------------------------------------------------------

    def _deliver_batch(self) -> bool:
        limit = 1 if self._solo > 0 else self._link.batch_size
        batch = outbox.due(self._conn, limit, self._link.batch_bytes)
        self._linger_until = 0.0
        if not batch:
            return False
        if len(batch) < limit and sum(i.size for i in batch) < self._link.batch_bytes // 2 and self._more_coming():
            now = time.time()
            if len(batch) != self._filling[0]:
                self._filling = (len(batch), now)
            hold_until = min(batch[0].queued_at + BATCH_LINGER_S, self._filling[1] + BATCH_QUIET_S)
            if hold_until > now:
                self._linger_until = hold_until
                return False
        self._filling = (0, 0.0)
        present = [item for item in batch if item.blob.exists()]
        if len(present) < len(batch):
            lost = [item for item in batch if not item.blob.exists()]
            with transaction(self._conn):
                outbox.set_state(self._conn, lost, outbox.FAILED, reason="outbox file missing")
            batch = present
            if not batch:
                return True
        try:
            answer = self._client.stow([item.blob for item in batch])
        except HubRejected as exc:
            self._rejected(batch, exc)
            return True
        if self._solo > 0:
            self._solo -= 1
        delivered = [i for i in batch if i.deid_sop_uid in answer.referenced]
        with transaction(self._conn):
            outbox.set_state(self._conn, delivered, outbox.DELIVERED)
            for item in batch:
                if item.deid_sop_uid in answer.referenced:
                    continue
                reason = answer.failed.get(item.deid_sop_uid)
                if reason is not None and reason not in TRANSIENT_FAILURES:
                    outbox.set_state(self._conn, [item], outbox.FAILED,
                                     reason=f"hub refused it (failure reason 0x{reason:04X})")
                elif item.attempts + 1 >= PERMANENT_ITEM_ATTEMPTS:
                    outbox.set_state(self._conn, [item], outbox.FAILED,
                                     reason=f"hub did not accept it after {PERMANENT_ITEM_ATTEMPTS} attempts")
                else:
                    why = "hub did not store it" if reason is None else f"hub busy (0x{reason:04X})"
                    outbox.defer(self._conn, [item], self._item_delay(item.attempts + 1), why)
        self.delivered += len(delivered)
        self._last_delivery = time.time()
        return True

    def _rejected(self, batch: list[outbox.OutboxItem], exc: HubRejected) -> None:
        if len(batch) > 1:
            self._solo = len(batch)  # find the one the hub objects to
            log.warning("hub rejected a batch of %d (%s); sending them one by one", len(batch), exc)
            return
        with transaction(self._conn):
            outbox.set_state(self._conn, batch, outbox.FAILED, reason=f"hub rejected it: {exc}")
        self._solo = max(0, self._solo - 1)

    def _item_delay(self, attempts: int) -> float:
        return backoff_delay(attempts, self._link.retry_base_s, self._link.retry_cap_s)

    # --- heartbeat -----------------------------------------------------------------------------------

    def _beat_if_due(self) -> None:
        """Tell the hub this spoke is up and its backlog (first thing, then every HEARTBEAT_INTERVAL_S)."""
        now = time.time()
        if now - self._last_beat < HEARTBEAT_INTERVAL_S:
            return
        self._last_beat = now
        try:
            enrolled = self._enrolment(self._conn) if self._enrolment is not None else None
            self._client.beat(current_heartbeat(self._conn, self._site_id, enrolled))
        except HubRejected as exc:  # e.g. a hub too old to take it: delivery goes on regardless
            log.warning("hub refused the heartbeat: %s", exc)

    # --- withdrawals ---------------------------------------------------------------------------------

    def _send_withdrawals(self) -> bool:
        worked = False
        for pending in pending_withdrawals(self._conn):
            request = withdrawal_request(self._conn, self._site_id, pending)
            try:
                answer = self._client.withdraw(request)
            except HubRejected as exc:
                mark_retry(self._conn, pending, self._item_delay(pending.attempts + 1), str(exc))
                continue
            mark_notified(self._conn, pending, answer.removed_instances)
            log.info("hub removed %d instance(s) for withdrawn participant %s of project %s",
                     answer.removed_instances, pending.participant_id, pending.project_id)
            worked = True
        return worked

    # --- reconciliation ------------------------------------------------------------------------------

    def _reconcile_if_due(self) -> bool:
        now = time.time()
        unacknowledged = self._conn.execute(
            select(1).where(instance.c.state == outbox.DELIVERED).limit(1)
        ).first()
        interval = self._link.reconcile_interval_s
        # Soon after a transfer ends, so the outbox empties promptly; while one flows, only every interval
        # (each report costs the hub a look at every study).
        settled = now - self._last_delivery >= 1.0
        if now - self._last_reconcile < (min(1.0, interval) if unacknowledged and settled else interval):
            return False
        self.reconcile()
        return unacknowledged is not None

    def reconcile(self) -> None:
        """Send the per-study report; mark what the hub holds acknowledged and requeue what it lacks."""
        self._last_reconcile = time.time()
        reports = study_reports(self._conn, with_checks=True)
        try:
            answer = self._client.reconcile(ReconciliationReport(site_id=self._site_id, studies=reports))
        except HubRejected as exc:
            log.warning("hub refused the reconciliation report: %s", exc)
            set_health(self._conn, "reconciliation", f"refused by hub: {exc}")
            return
        with transaction(self._conn):
            blobs, requeued = apply_answer(self._conn, reports, answer)
            # Removed before the commit, so no one sees "acknowledged" with the file still here. A crash in
            # between leaves them "delivered" without a file, which the next report acknowledges all the same:
            # only files the hub confirmed holding are removed.
            for blob in blobs:
                Path(blob).unlink(missing_ok=True)
        if requeued:
            log.warning("hub lacks %d delivered instance(s); queued again", requeued)
        set_health(self._conn, "reconciliation", f"ok: {len(blobs)} acknowledged, {requeued} requeued")
