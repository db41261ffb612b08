"""Activity counted from real arrivals at the hub: one scan per study for its protocol timepoint, one enrolment
per participant (their first study), replayed from the change feed and resumable from where it stopped."""

from __future__ import annotations

import io
import random

from pydicom import dcmwrite

from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
from imaging_hub.hub import hub_activity
from imaging_hub.network.activity import Phase, PortfolioStudy, count_activity, month_of
from imaging_hub.store import Archive

STUDY = PortfolioStudy(
    "312345",
    "54321",
    "Lung nodule AI",
    "University",
    "Prof CI",
    Phase.NOT_APPLICABLE,
    "LUNG1",
    frozenset({"RXX", "RYY"}),
    ("baseline", "month-6"),
)


def _store(archive: Archive, seed: int, site: str, timepoint: str, subject: str) -> None:
    patient = SyntheticPatient.make(random.Random(seed), site_prefix=site)
    for ds in make_study(patient, StudySpec(series=1, instances_per_series=2, rows=8, columns=8), seed=seed):
        ds.ClinicalTrialProtocolID, ds.ClinicalTrialSiteID = "LUNG1", site
        ds.ClinicalTrialTimePointID, ds.ClinicalTrialSubjectID = timepoint, subject
        buffer = io.BytesIO()
        dcmwrite(buffer, ds, enforce_file_format=True)
        archive.store_bytes(buffer.getvalue())


def test_arrivals_count_per_timepoint_and_enrolment_once(archive: Archive) -> None:
    _store(archive, 1, "RXX", "baseline", "LUNG1-001")
    _store(archive, 2, "RXX", "baseline", "LUNG1-002")
    first = hub_activity(archive)
    _store(archive, 3, "RXX", "month-6", "LUNG1-001")
    _store(archive, 4, "RYY", "", "LUNG1-003")
    more = hub_activity(archive, first)
    assert len(first.arrivals) == 2 and len(more.arrivals) == 2  # one per study, not per instance
    assert [e.participant for e in first.enrolments + more.enrolments] == ["LUNG1-001", "LUNG1-002", "LUNG1-003"]
    everything = hub_activity(archive)
    report = count_activity([STUDY], everything.arrivals, enrolments=everything.enrolments)
    month = month_of(everything.arrivals[0].at)
    rows = {r.site: r for r in report.rows if r.month == month}
    assert rows["RXX"].scans == {"baseline": 2, "month-6": 1} and rows["RXX"].recruited == 2
    assert rows["RYY"].recruited == 1 and report.unknown_timepoints == {"unstated": 1}
