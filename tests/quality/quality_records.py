"""QC records made directly, for the tests of what is computed from many of them (drift, dose, the page)."""

from __future__ import annotations

from imaging_hub.quality import Problem, QcRecord, SeriesConformance


def record(uid: str, *, site: str = "RX1", software: str = "1.0", acquired: str = "20260101",
           metrics: dict[str, float | None] | None = None, problems: tuple[Problem, ...] = (),
           matched: str | None = "CT chest", study: str | None = None, participant: str = "P1",
           timepoint: str = "baseline", modality: str = "CT", serial: str = "S1",
           protocol: str | None = "NET 1") -> QcRecord:
    conformance = SeriesConformance(uid, matched, problems, dict(metrics or {}))
    return QcRecord(uid, f"hash-{uid}", study or f"study-{uid}", modality, site,
                    {"manufacturer": "ACME", "model": "Scan 9", "serial": serial, "software": software}, 4,
                    conformance, protocol, acquired, participant, timepoint)
