"""The rooms' columns in the study browser's table: each a name and a function from (project, the page's study
UIDs) to a short status per study. The rooms are independent, so the web face joins them here: the labelling
room's status today; the quality room's QC status plugs in the same way (``StudyColumns(labelling=...,
quality=...)``). A column whose room is absent is not shown."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from imaging_hub.quality import QualityRoom

StatusOf = Callable[[str, Sequence[str]], Mapping[str, str]]  # (project, study UIDs) -> {study UID: status}


@dataclass(frozen=True)
class StudyColumns:
    labelling: StatusOf | None = None
    quality: StatusOf | None = None

    def named(self) -> list[tuple[str, StatusOf]]:
        return [
            (name, source)
            for name, source in (("QC", self.quality), ("Labelling", self.labelling))
            if source is not None
        ]

    def of(self, project: str, study_uids: Sequence[str]) -> dict[str, dict[str, str]]:
        """{column name: {study UID: status}} for the page's studies (the page's own view is audited)."""
        return {name: dict(source(project, study_uids)) for name, source in self.named()}


def qc_column(room: QualityRoom) -> StatusOf:
    """The quality room's per-study QC status (conformant, not conformant, not checked) as a column."""

    def status(project: str, study_uids: Sequence[str]) -> dict[str, str]:
        return {uid: qc.status for uid, qc in room.study_qc(project, study_uids).items()}

    return status
