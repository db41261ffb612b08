"""A person's review of held instances: list them, look at one, add a mask, release or reject.

Release applies the masks (the screen's proposals unless the reviewer sets them aside, and every mask the
reviewer added) to the candidate, writes it to the outbox and queues it for the hub; reject removes the
candidate and records why the instance will not go. Either way the held file, which may show identifying
text, is deleted at once. Every call is recorded in the spoke's review audit, refusals included."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NoReturn

from sqlalchemy import Select, delete, select, update
from sqlalchemy.engine import Connection, Row

from imaging_hub.deid import Quarantined, apply_masks
from imaging_hub.dicom.part10 import encode_part10_buffers, read_part10
from imaging_hub.errors import ImagingHubError
from imaging_hub.files import sync_files
from imaging_hub.spoke.delivery.outbox import DEIDENTIFIED, QUARANTINED, Outbox
from imaging_hub.spoke.review.audit import Reviewer, record
from imaging_hub.spoke.review.held_folder import HELD
from imaging_hub.spoke.review.thumbnail import Box, thumbnail_png
from imaging_hub.spoke.state import transaction
from imaging_hub.spoke.tables import held_review, instance

REJECTED = "rejected at review"
MAX_MASKS = 64  # per instance: more is a sign to reject it


class ReviewError(ImagingHubError, ValueError):
    """A review request that cannot be done; the message names what was wrong, never a value from the image."""


@dataclass(frozen=True)
class HeldItem:
    project_id: str
    deid_sop_uid: str
    deid_study_uid: str
    participant_id: str
    reason: str
    proposed: tuple[Box, ...]
    added: tuple[Box, ...]
    held_at: float
    blob: Path = field(repr=False)  # the candidate: shown only as the spoke's thumbnail
    source_sop_uid: str = field(repr=False)  # the hospital's UID: the spoke's own key, never shown


_HELD: Select[Any] = (
    select(
        instance.c.project_id,
        instance.c.deid_sop_uid,
        instance.c.deid_study_uid,
        instance.c.participant_id,
        instance.c.source_sop_uid,
        instance.c.blob,
        held_review.c.reason,
        held_review.c.proposed,
        held_review.c.added,
        held_review.c.held_at,
    )
    .join(
        held_review,
        (held_review.c.project_id == instance.c.project_id)
        & (held_review.c.source_sop_uid == instance.c.source_sop_uid),
    )
    .where(instance.c.state == HELD)
    .order_by(held_review.c.held_at, instance.c.project_id, instance.c.deid_sop_uid)
)


class ReviewDesk:
    def __init__(self, conn: Connection, outbox: Outbox) -> None:
        self._conn = conn
        self._outbox = outbox

    @classmethod
    def for_data_dir(cls, conn: Connection, data_dir: Path) -> ReviewDesk:
        return cls(conn, Outbox(data_dir / "outbox"))

    def close(self) -> None:
        self._conn.close()

    def held(self, who: Reviewer, project_id: str | None = None) -> list[HeldItem]:
        query = _HELD if project_id is None else _HELD.where(instance.c.project_id == project_id)
        items = [_item(r) for r in self._conn.execute(query)]
        record(self._conn, who, "list", "done", project_id or "", detail=f"{len(items)} held")
        return items

    def item(self, who: Reviewer, project_id: str, deid_sop_uid: str) -> HeldItem:
        found = self._find(who, "view", project_id, deid_sop_uid)
        record(self._conn, who, "view", "done", project_id, deid_sop_uid)
        return found

    def thumbnail(self, who: Reviewer, project_id: str, deid_sop_uid: str) -> bytes:
        found = self._find(who, "thumbnail", project_id, deid_sop_uid)
        try:
            png = thumbnail_png(read_part10(found.blob.read_bytes()), found.proposed, found.added)
        except (OSError, Quarantined) as exc:
            self._refuse(
                who, "thumbnail", project_id, deid_sop_uid, f"the held file cannot be shown ({type(exc).__name__})"
            )
        record(self._conn, who, "thumbnail", "done", project_id, deid_sop_uid)
        return png

    def add_mask(self, who: Reviewer, project_id: str, deid_sop_uid: str, box: Box) -> HeldItem:
        found = self._find(who, "mask", project_id, deid_sop_uid)
        ds = read_part10(found.blob.read_bytes())
        columns, rows = int(ds.get("Columns", 0) or 0), int(ds.get("Rows", 0) or 0)
        x, y, w, h = box
        if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > columns or y + h > rows:
            self._refuse(
                who,
                "mask",
                project_id,
                deid_sop_uid,
                f"mask ({x}, {y}, {w}, {h}) is not inside the {columns}x{rows} image",
            )
        if len(found.added) >= MAX_MASKS:
            self._refuse(who, "mask", project_id, deid_sop_uid, f"at most {MAX_MASKS} masks: reject it instead")
        added = (*found.added, box)
        with transaction(self._conn):
            self._conn.execute(update(held_review).where(*_key(found)).values(added=boxes_json(added)))
            record(self._conn, who, "mask", "done", project_id, deid_sop_uid, detail=f"({x}, {y}, {w}, {h})")
        return replace(found, added=added)

    def release(self, who: Reviewer, project_id: str, deid_sop_uid: str, apply_proposed: bool = True) -> int:
        """Mask, queue for the hub and delete the held file; the number of masks applied."""
        found = self._find(who, "release", project_id, deid_sop_uid)
        masks = [*(found.proposed if apply_proposed else ()), *found.added]
        ds = read_part10(found.blob.read_bytes())
        try:
            apply_masks(ds, masks)
        except Quarantined as exc:
            self._refuse(who, "release", project_id, deid_sop_uid, exc.reason)
        written = self._outbox.write(project_id, deid_sop_uid, encode_part10_buffers(ds))
        if self._outbox.fsync:
            sync_files([written.path])
        source = found.source_sop_uid
        with transaction(self._conn):
            moved = self._conn.execute(
                update(instance)
                .where(
                    instance.c.project_id == project_id, instance.c.source_sop_uid == source, instance.c.state == HELD
                )
                .values(
                    state=DEIDENTIFIED,
                    blob=str(written.path),
                    sha256=written.sha256,
                    size=written.size,
                    reason="",
                    next_attempt=0,
                    attempts=0,
                    updated_at=_now(),
                )
            ).rowcount
            if moved:
                self._conn.execute(delete(held_review).where(*_key(found)))
                record(
                    self._conn,
                    who,
                    "release",
                    "done",
                    project_id,
                    deid_sop_uid,
                    detail=f"{len(masks)} mask(s) applied" + ("" if apply_proposed else "; proposals set aside"),
                )
        if not moved:  # withdrawn or decided by someone else meanwhile
            written.path.unlink(missing_ok=True)
            self._refuse(who, "release", project_id, deid_sop_uid, "no longer held")
        found.blob.unlink(missing_ok=True)
        return len(masks)

    def reject(self, who: Reviewer, project_id: str, deid_sop_uid: str) -> None:
        found = self._find(who, "reject", project_id, deid_sop_uid)
        source = found.source_sop_uid
        with transaction(self._conn):
            self._conn.execute(
                update(instance)
                .where(
                    instance.c.project_id == project_id, instance.c.source_sop_uid == source, instance.c.state == HELD
                )
                .values(state=QUARANTINED, blob="", reason=REJECTED, updated_at=_now())
            )
            self._conn.execute(delete(held_review).where(*_key(found)))
            record(self._conn, who, "reject", "done", project_id, deid_sop_uid)
        found.blob.unlink(missing_ok=True)

    def _find(self, who: Reviewer, action: str, project_id: str, deid_sop_uid: str) -> HeldItem:
        row = self._conn.execute(
            _HELD.where(instance.c.project_id == project_id, instance.c.deid_sop_uid == deid_sop_uid)
        ).first()
        if row is None:
            self._refuse(
                who, action, project_id, deid_sop_uid, f"no held instance {deid_sop_uid} in project {project_id}"
            )
        return _item(row)

    def record_refusal(
        self, who: Reviewer, action: str, why: str, project_id: str = "", deid_sop_uid: str = ""
    ) -> None:
        """A request refused before it reached the desk (not signed in, a forged form), audited here."""
        record(self._conn, who, action, f"refused: {why}", project_id, deid_sop_uid)

    def _refuse(self, who: Reviewer, action: str, project_id: str, deid_sop_uid: str, why: str) -> NoReturn:
        self.record_refusal(who, action, why, project_id, deid_sop_uid)
        raise ReviewError(why)


def _key(found: HeldItem) -> tuple[Any, ...]:
    return (held_review.c.project_id == found.project_id, held_review.c.source_sop_uid == found.source_sop_uid)


def _boxes(text: str) -> tuple[Box, ...]:
    return tuple((int(b[0]), int(b[1]), int(b[2]), int(b[3])) for b in json.loads(text or "[]"))


def _item(r: Row[Any]) -> HeldItem:
    return HeldItem(
        project_id=r.project_id,
        deid_sop_uid=r.deid_sop_uid,
        deid_study_uid=r.deid_study_uid,
        participant_id=r.participant_id,
        reason=r.reason,
        proposed=_boxes(r.proposed),
        added=_boxes(r.added),
        held_at=r.held_at,
        blob=Path(r.blob),
        source_sop_uid=r.source_sop_uid,
    )


def _now() -> float:
    return time.time()


def boxes_json(boxes: Sequence[Box]) -> str:
    """Boxes as the held_review table keeps them."""
    return json.dumps([list(b) for b in boxes])
