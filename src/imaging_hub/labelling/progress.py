"""Progress of a task as data: overall, per reader and per site (the charts are drawn from this)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from imaging_hub.labelling.adjudication import FinalLabels
from imaging_hub.labelling.model import Assignment, Task


@dataclass
class Tally:
    assigned: int = 0
    done: int = 0

    def to_json(self) -> dict[str, int]:
        return {"assigned": self.assigned, "done": self.done}


@dataclass
class SiteProgress:
    studies: int = 0
    reads_needed: int = 0
    reads_done: int = 0
    final: int = 0

    def to_json(self) -> dict[str, int]:
        return {"studies": self.studies, "reads_needed": self.reads_needed, "reads_done": self.reads_done,
                "final": self.final}


@dataclass
class Progress:
    task: int
    studies: int
    reads_needed: int
    reads_done: int = 0
    final: int = 0  # studies whose labels are final (consensus or adjudicated)
    adjudications_open: int = 0
    adjudications_done: int = 0
    readers: dict[str, Tally] = field(default_factory=dict)
    sites: dict[str, SiteProgress] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"task": self.task, "studies": self.studies, "reads_needed": self.reads_needed,
                "reads_done": self.reads_done, "final": self.final,
                "adjudications": {"open": self.adjudications_open, "done": self.adjudications_done},
                "readers": {r: t.to_json() for r, t in self.readers.items()},
                "sites": {s: p.to_json() for s, p in self.sites.items()}}


def progress(task: Task, assignments: Sequence[Assignment], finals: dict[str, FinalLabels | None]) -> Progress:
    site_of = {s.study_uid: s.site for s in task.studies}
    result = Progress(task.id, len(task.studies), len(task.studies) * task.reads_per_study,
                      readers={r: Tally() for r in task.readers})
    for study in task.studies:
        site = result.sites.setdefault(study.site, SiteProgress())
        site.studies += 1
        site.reads_needed += task.reads_per_study
        if finals.get(study.study_uid) is not None:
            site.final += 1
            result.final += 1
    for a in assignments:
        if a.role == "adjudicator":
            if a.done:
                result.adjudications_done += 1
            else:
                result.adjudications_open += 1
            continue
        tally = result.readers.setdefault(a.reader, Tally())
        tally.assigned += 1
        if a.done:
            tally.done += 1
            result.reads_done += 1
            result.sites[site_of[a.study_uid]].reads_done += 1
    return result
