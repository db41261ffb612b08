"""What the quality page shows of a project: conformance per site and scanner, the series with problems,
drift alerts and research dose, from the room's stored results and the project's current protocol."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from imaging_hub.quality.conformance import missing_series
from imaging_hub.quality.drift import DriftTest, drift_tests
from imaging_hub.quality.outliers import Outlier, find_outliers
from imaging_hub.quality.protocol import AcquisitionProtocol
from imaging_hub.quality.research_dose import DrlComparison, ParticipantDose, drl_comparisons, participant_doses
from imaging_hub.quality.results import QcRecord


@dataclass(frozen=True)
class Rate:
    group: str
    series: int
    conformant: int

    @property
    def percent(self) -> float:
        return 100.0 * self.conformant / self.series if self.series else 0.0


@dataclass(frozen=True)
class QualityOverview:
    records: tuple[QcRecord, ...]  # acquisitions only (dose reports are in ``doses``)
    by_site: tuple[Rate, ...]
    by_scanner: tuple[Rate, ...]
    flagged: tuple[QcRecord, ...]  # series with problems
    missing: dict[str, tuple[str, ...]]  # study UID: required series it lacks
    drift: tuple[DriftTest, ...]
    doses: tuple[ParticipantDose, ...]
    drl: tuple[DrlComparison, ...]
    outliers: tuple[Outlier, ...] = ()  # metrics far from the scanner's or the project's (robust z)

    @property
    def drift_alerts(self) -> tuple[DriftTest, ...]:
        return tuple(t for t in self.drift if t.alert)

    @property
    def dose_breaches(self) -> tuple[ParticipantDose, ...]:
        return tuple(d for d in self.doses if d.breach)


def quality_overview(records: Sequence[QcRecord], protocol: AcquisitionProtocol | None) -> QualityOverview:
    acquisitions = [r for r in records if r.modality != "SR"]
    by_study: dict[str, list[QcRecord]] = defaultdict(list)
    for record in acquisitions:
        by_study[record.study_instance_uid].append(record)
    missing = {}
    if protocol is not None:
        for study, found in by_study.items():
            lacking = missing_series((r.conformance.matched for r in found), protocol)
            if lacking:
                missing[study] = lacking
    return QualityOverview(
        records=tuple(acquisitions),
        by_site=_rates(acquisitions, lambda r: r.site or "unknown"),
        by_scanner=_rates(acquisitions, lambda r: r.scanner_key),
        flagged=tuple(r for r in acquisitions if not r.conformance.conformant),
        missing=missing,
        drift=tuple(drift_tests(acquisitions)),
        doses=tuple(participant_doses(records, protocol)),
        drl=tuple(drl_comparisons(acquisitions, protocol)),
        outliers=tuple(find_outliers(acquisitions)),
    )


def _rates(records: Sequence[QcRecord], key: Callable[[QcRecord], str]) -> tuple[Rate, ...]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for record in records:
        counts[key(record)][0] += 1
        counts[key(record)][1] += record.conformance.conformant
    return tuple(Rate(group, n, ok) for group, (n, ok) in sorted(counts.items()))
