"""The register's values: AI tools, runs, per-case results, alarms and incidents."""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from imaging_hub.assurance.errors import AssuranceInputError

RUN_KINDS = ("inference", "validation", "monitoring")
RUN_SOURCES = ("onnx", "csv", "dicom")
LEVELS = ("instance", "study", "case")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_SNAPSHOT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}/v[1-9][0-9]{0,5}")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class ToolSpec:
    name: str
    vendor: str
    version: str
    intended_use: str
    threshold: float
    model_sha256: str

    def check(self) -> None:
        for field_name in ("name", "vendor", "version", "intended_use"):
            if not getattr(self, field_name).strip():
                raise AssuranceInputError(f"AI tool: {field_name} is empty")
        if len(self.name) > 128 or len(self.vendor) > 128 or len(self.version) > 64:
            raise AssuranceInputError("AI tool: name and vendor are at most 128 characters, version 64")
        if not (math.isfinite(self.threshold) and 0.0 <= self.threshold <= 1.0):
            raise AssuranceInputError("AI tool: the locked threshold must lie in 0..1")
        if not _SHA256.fullmatch(self.model_sha256):
            raise AssuranceInputError("AI tool: model_sha256 must be 64 lower-case hex digits")


@dataclass(frozen=True)
class Tool:
    id: int
    name: str
    vendor: str
    version: str
    intended_use: str
    threshold: float
    model_sha256: str
    registered_at: datetime
    registered_by: str

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"


@dataclass(frozen=True)
class RunSpec:
    """A run over a governed cohort: the snapshot it read and the agreement under which it read it."""

    kind: str
    source: str
    project: str
    snapshot: str
    agreement: str
    summary: dict[str, Any]
    report_folder: str | None = None

    def check(self) -> None:
        if self.kind not in RUN_KINDS:
            raise AssuranceInputError(f"run kind must be one of {', '.join(RUN_KINDS)}")
        if self.source not in RUN_SOURCES:
            raise AssuranceInputError(f"run source must be one of {', '.join(RUN_SOURCES)}")
        if not _SNAPSHOT.fullmatch(self.snapshot) or self.snapshot.split("/")[0] != self.project:
            raise AssuranceInputError("a run's snapshot must be PROJ/vN of the run's own project")
        if not self.agreement.strip() or len(self.agreement) > 80:
            raise AssuranceInputError("a run must name the data-sharing agreement in force (at most 80 characters)")


@dataclass(frozen=True)
class Run:
    id: int
    tool_id: int
    kind: str
    source: str
    project: str
    snapshot: str
    agreement: str
    summary: dict[str, Any]
    report_folder: str | None
    started_at: datetime
    started_by: str


@dataclass(frozen=True)
class CaseResult:
    """One score: for an instance (``case_id`` its SOP Instance UID), a study, or an imported case."""

    level: str
    case_id: str
    study_uid: str
    patient_id: str
    site: str
    score: float
    label: int | None = None

    def check(self) -> None:
        if self.level not in LEVELS:
            raise AssuranceInputError(f"result level must be one of {', '.join(LEVELS)}")
        if not self.case_id or len(self.case_id) > 64 or len(self.study_uid) > 64:
            raise AssuranceInputError("a result's case id and study UID must be 1 to 64 characters")
        if not (math.isfinite(self.score) and 0.0 <= self.score <= 1.0):
            raise AssuranceInputError("a result's score must lie in 0..1")
        if self.label not in (None, 0, 1):
            raise AssuranceInputError("a result's label must be 0, 1 or unknown")


@dataclass(frozen=True)
class Alarm:
    id: int
    tool_id: int
    run_id: int
    method: str
    index: int
    date: str
    detail: str
    raised_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    closing_note: str | None

    @property
    def open(self) -> bool:
        return self.closed_at is None
