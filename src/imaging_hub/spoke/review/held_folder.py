"""Where held candidates wait for review: the spoke's data folder, never the outbox.

A candidate has its header de-identified but its pixels untouched, so it may still show a name or a
number: it is private to the spoke's user and is removed as soon as a reviewer releases or rejects it (or
the participant withdraws)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from imaging_hub.files import write_atomic

HELD = "held"  # the instance row's state while it waits for a person's review


class HeldFolder:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def write(self, project_id: str, deid_sop_uid: str, part10: bytes | Sequence[bytes]) -> Path:
        """Written whole and readable by the spoke's user only; made durable by the processor's group flush
        before the row that names it is committed."""
        path = self.directory / project_id / f"{deid_sop_uid}.dcm"
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(path, part10, durable=False, mode=0o600)
        return path
