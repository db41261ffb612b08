"""Checking a folder offline against a protocol, e.g. a site testing a scanner before first use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from imaging_hub.quality.assess import assess_series
from imaging_hub.quality.conformance import missing_series
from imaging_hub.quality.folder import FolderScan, SeriesFiles
from imaging_hub.quality.outliers import Outlier, find_outliers
from imaging_hub.quality.protocol import AcquisitionProtocol
from imaging_hub.quality.results import QcRecord


@dataclass
class FolderReport:
    protocol: AcquisitionProtocol
    records: list[QcRecord] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (series UID, reason)
    scan: FolderScan = field(default_factory=FolderScan)
    outliers: list[Outlier] = field(default_factory=list)

    def missing_by_study(self) -> dict[str, tuple[str, ...]]:
        matched: dict[str, list[str | None]] = {s.study_instance_uid: [] for s in self.scan.series}
        for record in self.records:
            matched.setdefault(record.study_instance_uid, []).append(record.conformance.matched)
        return {study: missing_series(names, self.protocol) for study, names in matched.items()}

    @property
    def missing(self) -> list[str]:
        """Required series that no series in the folder matched (``missing_by_study`` says it per study)."""
        return list(missing_series((r.conformance.matched for r in self.records), self.protocol))

    @property
    def conformant(self) -> bool:
        return not self.missing and not self.failed and all(r.conformance.conformant for r in self.records)

    def to_dict(self) -> dict[str, Any]:
        return {
            "protocol": {"name": self.protocol.name, "version": self.protocol.version},
            "conformant": self.conformant,
            "series": [r.to_dict() for r in self.records],
            "missing": self.missing,
            "studies": [{"study_instance_uid": study, "missing": list(names)}
                        for study, names in self.missing_by_study().items()],
            "failed": [{"series_instance_uid": uid, "reason": reason} for uid, reason in self.failed],
            "skipped": [{"path": str(s.path), "reason": s.reason} for s in self.scan.skipped],
            "outliers": [o.to_dict() for o in self.outliers],
        }


def check_folder(
    scan: FolderScan, protocol: AcquisitionProtocol, *, site: str | None = None,
    on_series: Callable[[SeriesFiles], None] | None = None,
) -> FolderReport:
    report = FolderReport(protocol, scan=scan)
    for files in scan.series:
        try:
            report.records.append(assess_series(files, protocol, site))
        except Exception as exc:  # one unreadable series is named; the others are still checked
            report.failed.append((files.series_instance_uid, f"{type(exc).__name__}: {exc}"))
        if on_series is not None:
            on_series(files)
    report.outliers = find_outliers(report.records)
    return report
