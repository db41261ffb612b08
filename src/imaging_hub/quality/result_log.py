"""QC records stored as JSON lines, one per series checked; what is there is done and is not run again.

Each record is keyed by SeriesInstanceUID and content hash: a series whose files change gets a new record,
and the latest line for a series wins. Lines are appended whole and synced; a line torn by a crash is cut
off before the next append, so it never spoils the record written after it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from imaging_hub.quality.results import QcRecord


class ResultLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._checked_tail = False

    def records(self) -> list[QcRecord]:
        """Every whole record, oldest first."""
        if not self.path.exists():
            return []
        records: list[QcRecord] = []
        with self.path.open("rb") as handle:
            for line in handle:
                if not line.endswith(b"\n"):
                    break  # torn by a crash mid-append
                records.append(QcRecord.from_dict(json.loads(line)))
        return records

    def latest(self) -> dict[str, QcRecord]:
        """The newest record of each series."""
        return {r.series_instance_uid: r for r in self.records()}

    def done(self) -> set[tuple[str, str, str | None]]:
        """(SeriesInstanceUID, content hash, protocol) of every series checked."""
        return {(r.series_instance_uid, r.content_hash, r.protocol) for r in self.records()}

    def append(self, record: QcRecord) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self._checked_tail:
            self._cut_torn_tail()
            self._checked_tail = True
        line = json.dumps(record.to_dict(), sort_keys=True).encode() + b"\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def _cut_torn_tail(self) -> None:
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            with self.path.open("r+b") as handle:
                handle.truncate(data.rfind(b"\n") + 1)
                handle.flush()
                os.fsync(handle.fileno())
