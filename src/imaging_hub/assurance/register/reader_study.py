"""A reader study's record in the register: which run of an AI tool readers read, in which two labelling tasks
(without and with the tool's output), against which reference standard. The tasks are named by id only: the
assurance room knows nothing of the labelling room, and the layer above joins them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from imaging_hub.assurance.errors import AssuranceInputError

CONDITIONS = ("unaided", "aided")  # the modalities of the MRMC analysis, in this order
MAX_WASHOUT_DAYS = 365
_UID = re.compile(r"[0-9]+(\.[0-9]+)*")


@dataclass(frozen=True)
class ReaderStudySpec:
    name: str
    run_id: int
    unaided_task: int
    aided_task: int
    readers: tuple[str, ...]
    reference: Mapping[str, int]  # study UID -> 1 positive, 0 negative
    reference_source: str  # "labelling task 7, finding = present" or "reference.csv"
    washout_days: int = 0  # 0: a case's aided read may follow its unaided read at once

    def check(self) -> None:
        if not self.name.strip() or len(self.name) > 128:
            raise AssuranceInputError("reader study: name must be 1 to 128 characters")
        if self.unaided_task == self.aided_task:
            raise AssuranceInputError("reader study: the unaided and aided reads need two different tasks")
        if len(set(self.readers)) != len(self.readers) or len(self.readers) < 2 or \
                any(not r.strip() or len(r) > 254 for r in self.readers):
            raise AssuranceInputError("reader study: at least two readers, each once, by account name")
        if not 0 <= self.washout_days <= MAX_WASHOUT_DAYS:
            raise AssuranceInputError(f"reader study: washout_days must lie in 0..{MAX_WASHOUT_DAYS}")
        if not self.reference_source.strip() or len(self.reference_source) > 256:
            raise AssuranceInputError("reader study: name where the reference standard came from (1 to 256 "
                                      "characters)")
        for uid, label in self.reference.items():
            if not _UID.fullmatch(uid) or len(uid) > 64:
                raise AssuranceInputError("reader study: the reference names a case that is not a Study Instance UID")
            if label not in (0, 1):
                raise AssuranceInputError("reader study: a reference label must be 0 or 1")
        positives = sum(self.reference.values())
        if positives < 2 or len(self.reference) - positives < 2:
            raise AssuranceInputError("reader study: the reference needs at least two positive and two negative "
                                      "cases")


@dataclass(frozen=True)
class ReaderStudyRecord:
    id: int
    tool_id: int
    run_id: int
    project: str
    name: str
    unaided_task: int
    aided_task: int
    readers: tuple[str, ...]
    reference: Mapping[str, int]
    reference_source: str
    washout_days: int
    created_at: datetime
    created_by: str

    @property
    def cases(self) -> tuple[str, ...]:
        return tuple(sorted(self.reference))

    def condition_of(self, task_id: int) -> str | None:
        """"unaided", "aided", or None for a task outside the study."""
        return {self.unaided_task: "unaided", self.aided_task: "aided"}.get(task_id)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "tool_id": self.tool_id, "run_id": self.run_id, "project": self.project,
                "name": self.name, "unaided_task": self.unaided_task, "aided_task": self.aided_task,
                "readers": len(self.readers), "cases": len(self.reference),
                "positives": sum(self.reference.values()), "reference_source": self.reference_source,
                "washout_days": self.washout_days, "created_at": self.created_at.isoformat()}
