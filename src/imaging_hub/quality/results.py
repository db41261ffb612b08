"""What a quality check finds: problems, one series' conformance, a study's, and the stored QC record."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

Metrics = dict[str, float | None]


@dataclass(frozen=True)
class Problem:
    """One rule not met: which rule, on which attribute (or metric), what was expected and what was found."""

    rule: str  # e.g. "max", "one_of", "present", "missing_slices", "min_snr"
    attribute: str  # DICOM keyword, or the metric's name for image rules
    expected: str
    found: str
    instances: int | None = None  # how many instances break it, for attribute rules
    detail: str | None = None  # e.g. where along the slice normal a gap lies

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class AppliedDeviation:
    """An approved site deviation that replaced a protocol rule for this series."""

    attribute: str
    reference: str
    approved_by: str
    approved_on: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SeriesConformance:
    series_instance_uid: str
    matched: str | None  # the expected series' name, or None when it matches none
    problems: tuple[Problem, ...]
    metrics: Metrics
    deviations: tuple[AppliedDeviation, ...] = ()
    not_checked: tuple[str, ...] = ()  # rules that could not be evaluated, e.g. image rules without pixels

    @property
    def conformant(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "series_instance_uid": self.series_instance_uid,
            "matched": self.matched,
            "conformant": self.conformant,
            "problems": [p.to_dict() for p in self.problems],
            "metrics": dict(self.metrics),
            "deviations": [d.to_dict() for d in self.deviations],
            "not_checked": list(self.not_checked),
        }


@dataclass(frozen=True)
class StudyConformance:
    series: tuple[SeriesConformance, ...]
    missing: tuple[str, ...]  # names of required series that no series matched

    @property
    def conformant(self) -> bool:
        return not self.missing and all(s.conformant for s in self.series)


@dataclass(frozen=True)
class QcRecord:
    """The stored result of checking one series: keyed by its SeriesInstanceUID and the hash of its content."""

    series_instance_uid: str
    content_hash: str
    study_instance_uid: str
    modality: str
    site: str | None
    scanner: dict[str, str]  # manufacturer, model, serial, software: what the data still carries
    instances: int
    conformance: SeriesConformance
    protocol: str | None = None  # "name version" of the protocol checked against
    acquired: str | None = None  # SeriesDate, else StudyDate (YYYYMMDD): when, for drift over time
    participant: str | None = None  # the pseudonymous PatientID the hub holds, for dose per participant
    timepoint: str | None = None  # ClinicalTrialTimePointID, else the study date

    @property
    def scanner_key(self) -> str:
        return " | ".join(self.scanner.get(k, "?") for k in ("manufacturer", "model", "serial", "software"))

    def to_dict(self) -> dict[str, Any]:
        record = self.conformance.to_dict()
        record.update({
            "content_hash": self.content_hash,
            "study_instance_uid": self.study_instance_uid,
            "modality": self.modality,
            "site": self.site,
            "scanner": dict(self.scanner),
            "instances": self.instances,
            "protocol": self.protocol,
            "acquired": self.acquired,
            "participant": self.participant,
            "timepoint": self.timepoint,
        })
        return record

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QcRecord:
        conformance = SeriesConformance(
            series_instance_uid=data["series_instance_uid"],
            matched=data["matched"],
            problems=tuple(Problem(**p) for p in data["problems"]),
            metrics=dict(data["metrics"]),
            deviations=tuple(AppliedDeviation(**d) for d in data.get("deviations", [])),
            not_checked=tuple(data.get("not_checked", [])),
        )
        return cls(
            series_instance_uid=data["series_instance_uid"],
            content_hash=data["content_hash"],
            study_instance_uid=data["study_instance_uid"],
            modality=data["modality"],
            site=data.get("site"),
            scanner=dict(data.get("scanner", {})),
            instances=int(data["instances"]),
            conformance=conformance,
            protocol=data.get("protocol"),
            acquired=data.get("acquired"),
            participant=data.get("participant"),
            timepoint=data.get("timepoint"),
        )
