"""Research dose per participant and timepoint, against the project's dose constraint and the national DRLs.

A study's DLP is its dose reports' total when it has one (measured), else the sum of its CT series' DLP
estimated from the image headers; studies add up per participant and timepoint. A sum above the constraint
the project's protocol records is a breach (IR(ME)R: research exposures stay within the ethics approval's
constraint). Series whose protocol entry names a DRL examination are compared with the UKHSA national DRL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from imaging_hub.quality.drl import NATIONAL_CT_DRLS, ReferenceLevel
from imaging_hub.quality.protocol import AcquisitionProtocol
from imaging_hub.quality.results import QcRecord


@dataclass(frozen=True)
class ParticipantDose:
    participant: str
    timepoint: str
    dlp_mgy_cm: float
    measured: bool  # False when any study's DLP is estimated from image headers
    studies: int
    constraint_mgy_cm: float | None

    @property
    def breach(self) -> bool:
        return self.constraint_mgy_cm is not None and self.dlp_mgy_cm > self.constraint_mgy_cm


@dataclass(frozen=True)
class DrlComparison:
    series_instance_uid: str
    site: str | None
    series: str  # the protocol's series name
    level: ReferenceLevel
    ctdivol_mgy: float

    @property
    def above(self) -> bool:
        return self.ctdivol_mgy > self.level.ctdivol_mgy


def participant_doses(records: Sequence[QcRecord], protocol: AcquisitionProtocol | None) -> list[ParticipantDose]:
    by_study: dict[str, list[QcRecord]] = defaultdict(list)
    for record in records:
        by_study[record.study_instance_uid].append(record)
    sums: dict[tuple[str, str], list[tuple[float, bool]]] = defaultdict(list)
    for found in by_study.values():
        study = _study_dlp(found)
        first = found[0]
        if study is not None and first.participant:
            sums[(first.participant, first.timepoint or "?")].append(study)
    constraint = protocol.dose.dlp_mgy_cm if protocol is not None and protocol.dose is not None else None
    return [ParticipantDose(participant, timepoint, sum(v for v, _ in studies), all(m for _, m in studies),
                            len(studies), constraint)
            for (participant, timepoint), studies in sorted(sums.items())]


def drl_comparisons(records: Sequence[QcRecord], protocol: AcquisitionProtocol | None) -> list[DrlComparison]:
    if protocol is None:
        return []
    drl_of = {s.name: s.drl for s in protocol.series if s.drl is not None}
    found: list[DrlComparison] = []
    for record in records:
        name = record.conformance.matched
        ctdivol = record.conformance.metrics.get("ctdivol_mgy")
        if name in drl_of and ctdivol is not None:
            examination = drl_of[name]
            assert examination is not None
            found.append(DrlComparison(record.series_instance_uid, record.site, name, NATIONAL_CT_DRLS[examination],
                                       float(ctdivol)))
    return found


def _study_dlp(records: list[QcRecord]) -> tuple[float, bool] | None:
    measured = [r.conformance.metrics.get("dlp_mgy_cm") for r in records]
    if any(v is not None for v in measured):
        return sum(v for v in measured if v is not None), True
    estimated = [r.conformance.metrics.get("dlp_estimated_mgy_cm") for r in records]
    if any(v is not None for v in estimated):
        return sum(v for v in estimated if v is not None), False
    return None
