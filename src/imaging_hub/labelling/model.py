"""What a labelling task is, as the room hands it out: plain frozen values, no database rows."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from imaging_hub.labelling.errors import LabellingError
from imaging_hub.labelling.schema import LabelSchema

COHORT_KINDS = ("snapshot", "query")
ROLES = ("reader", "adjudicator")
_UID = re.compile(r"[0-9]+(\.[0-9]+)*")


@dataclass(frozen=True)
class CohortStudy:
    study_uid: str  # de-identified
    site: str  # the site (ODS code) that sent it: progress is reported per site


@dataclass(frozen=True)
class Cohort:
    """Where the studies came from (a released snapshot, or a saved study query) and the studies themselves,
    resolved by the caller (the room does not read governance or the archive's index)."""

    kind: str  # snapshot | query
    reference: str  # "PROJ/v3", or the query as JSON text
    studies: tuple[CohortStudy, ...]


@dataclass(frozen=True)
class TaskSpec:
    project: str
    name: str
    cohort: Cohort
    schema: LabelSchema
    readers: tuple[str, ...]
    reads_per_study: int = 2
    blinded: bool = True
    adjudicator: str | None = None
    threshold: float = 0.0  # disagreement above this (0: any) sends the study to the adjudicator

    def check(self) -> None:
        if not self.project.strip() or len(self.project) > 64:
            raise LabellingError("project: 1 to 64 characters")
        if not self.name.strip() or len(self.name) > 128:
            raise LabellingError("name: 1 to 128 characters")
        if self.cohort.kind not in COHORT_KINDS:
            raise LabellingError(f"cohort: kind must be one of {list(COHORT_KINDS)}")
        if not self.cohort.reference.strip() or len(self.cohort.reference) > 512:
            raise LabellingError("cohort: the reference (snapshot or query) must be 1 to 512 characters")
        if not self.cohort.studies:
            raise LabellingError("cohort: has no studies")
        seen: set[str] = set()
        for i, s in enumerate(self.cohort.studies):
            if not _UID.fullmatch(s.study_uid) or len(s.study_uid) > 64:
                raise LabellingError(f"cohort.studies[{i}]: not a Study Instance UID")
            if s.study_uid in seen:
                raise LabellingError(f"cohort.studies[{i}]: the study is listed twice")
            if not s.site.strip() or len(s.site) > 64:
                raise LabellingError(f"cohort.studies[{i}]: site must be 1 to 64 characters")
            seen.add(s.study_uid)
        if len(set(self.readers)) != len(self.readers) or any(not r.strip() for r in self.readers):
            raise LabellingError("readers: each reader once, by account name")
        if not 1 <= self.reads_per_study <= len(self.readers):
            raise LabellingError(f"reads_per_study: between 1 and the number of readers ({len(self.readers)})")
        if self.adjudicator is not None and self.adjudicator in self.readers:
            raise LabellingError("adjudicator: must not also be one of the task's readers")
        if not math.isfinite(self.threshold) or not 0.0 <= self.threshold < 1.0:
            raise LabellingError("threshold: a disagreement share from 0 (any) up to, not including, 1")


@dataclass(frozen=True)
class Task:
    id: int
    project: str
    name: str
    cohort_kind: str
    cohort_reference: str
    schema: LabelSchema
    readers: tuple[str, ...]
    reads_per_study: int
    blinded: bool
    adjudicator: str | None
    threshold: float
    created_at: datetime
    created_by: str
    studies: tuple[CohortStudy, ...]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "project": self.project, "name": self.name,
                "cohort": {"kind": self.cohort_kind, "reference": self.cohort_reference,
                           "studies": len(self.studies)},
                "schema": self.schema.to_json(), "readers": list(self.readers),
                "reads_per_study": self.reads_per_study, "blinded": self.blinded, "adjudicator": self.adjudicator,
                "threshold": self.threshold, "created_at": self.created_at.isoformat(), "created_by": self.created_by}


@dataclass(frozen=True)
class Assignment:
    id: int
    task_id: int
    study_uid: str
    reader: str
    role: str
    assigned_at: datetime
    done: bool


@dataclass(frozen=True)
class Read:
    """One reader's (or the adjudicator's) labels of one study."""

    task_id: int
    study_uid: str
    reader: str
    role: str
    answers: Mapping[str, str]
    measurements: Mapping[str, float]
    read_at: datetime
    label_uids: tuple[str, ...] = ()
    source: str = "reader"

    def to_json(self) -> dict[str, Any]:
        return {"study_uid": self.study_uid, "reader": self.reader, "role": self.role,
                "answers": dict(self.answers), "measurements": dict(self.measurements),
                "label_uids": list(self.label_uids), "source": self.source, "read_at": self.read_at.isoformat()}


@dataclass(frozen=True)
class Labels:
    """What a reader submits: answers to questions, measurements, and the SEG/SR instances already stored."""

    answers: Mapping[str, str] = field(default_factory=dict)
    measurements: Mapping[str, float] = field(default_factory=dict)
    label_uids: tuple[str, ...] = ()


def check_labels(schema: LabelSchema, labels: Labels, where: str = "read") -> None:
    """Every question answered with one of its categories; measurements named in the schema and finite."""
    unknown = set(labels.answers) - {q.name for q in schema.questions}
    if unknown:
        raise LabellingError(f"{where}: no question(s) {sorted(unknown)} in the schema")
    for question in schema.questions:
        if question.name not in labels.answers:
            raise LabellingError(f"{where}: question {question.name!r} is not answered")
        question.category(labels.answers[question.name])
    for name, value in labels.measurements.items():
        measurement = schema.measurement(name)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise LabellingError(f"{where}: measurement {name!r} must be a finite number")
        measurement.check(float(value), where)
    for measurement in schema.measurements:
        if measurement.required and measurement.name not in labels.measurements:
            raise LabellingError(f"{where}: measurement {measurement.name!r} is not given")
    for uid in labels.label_uids:
        if not _UID.fullmatch(uid) or len(uid) > 64:
            raise LabellingError(f"{where}: {uid!r} is not a SOP Instance UID")
