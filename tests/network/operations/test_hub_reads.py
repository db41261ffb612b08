"""Reads done, counted without re-keying from real rooms on real data (SQLite and PostgreSQL): the labelling
room's submitted reads and the network room's reported worklist tasks, joined to the archive's studies by the
hub; each counts once per site and month, at the timepoint its study arrived for, and flows into costs."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime, timedelta

import pytest
from pydicom import dcmwrite

from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
from imaging_hub.hub import hub_activity, hub_reads, study_imaging
from imaging_hub.labelling import Actor as LabellingActor
from imaging_hub.labelling import Cohort, CohortStudy, LabellingRoom, Labels, TaskSpec, parse_schema
from imaging_hub.network import costs as engine
from imaging_hub.network.activity import Phase, PortfolioStudy, count_activity, month_of, recorded_activity
from imaging_hub.network.operations import Actor, NetworkRoom
from imaging_hub.network.reporting import Pathway, Priority, ReportingTask
from imaging_hub.store import Archive
from network.reporting.builders import reporter

STUDY = PortfolioStudy("312345", "54321", "Lung nodule AI", "University", "Prof CI", Phase.NOT_APPLICABLE, "LUNG1",
                       frozenset({"RXX", "RYY"}), ("baseline", "month-6"))
SCHEMA = parse_schema({"questions": [{"name": "finding", "text": "Finding", "categories": ["absent", "present"]}]})
READERS = ("one@uni.example", "two@uni.example")
MANAGER = Actor("manager@network.example", manager=True)
REPORTED_AT = datetime(2026, 2, 3, 10, tzinfo=UTC)


def _store(archive: Archive, seed: int, site: str, timepoint: str, subject: str) -> str:
    patient = SyntheticPatient.make(random.Random(seed), site_prefix=site)
    uid = ""
    for ds in make_study(patient, StudySpec(series=1, instances_per_series=1, rows=8, columns=8), seed=seed):
        ds.ClinicalTrialProtocolID, ds.ClinicalTrialSiteID = "LUNG1", site
        ds.ClinicalTrialTimePointID, ds.ClinicalTrialSubjectID = timepoint, subject
        ds.AccessionNumber = f"ACC{seed}"
        buffer = io.BytesIO()
        dcmwrite(buffer, ds, enforce_file_format=True)
        uid = archive.store_bytes(buffer.getvalue()).instance.study_instance_uid
    return uid


@pytest.mark.postgres
def test_labelling_reads_and_reported_tasks_count_per_site_month_and_timepoint(archive: Archive) -> None:
    baseline = _store(archive, 1, "RXX", "baseline", "LUNG1-001")
    follow_up = _store(archive, 2, "RYY", "month-6", "LUNG1-002")
    labelling = LabellingRoom.open(archive.database.writer)
    lead = LabellingActor("lead@uni.example", manages=frozenset({"LUNG1"}))
    cohort = Cohort("query", '{"ClinicalTrialProtocolID": "LUNG1"}',
                    (CohortStudy(baseline, "RXX"), CohortStudy(follow_up, "RYY")))
    task = labelling.create_task(lead, TaskSpec("LUNG1", "Nodules", cohort, SCHEMA, READERS, reads_per_study=2))
    labelling.assign(lead, task.id)
    for reader in READERS:
        labelling.submit_read(LabellingActor(reader), task.id, baseline, Labels(answers={"finding": "absent"}))
    network = NetworkRoom.open(archive.database.writer, clock=lambda: REPORTED_AT)
    network.add_reporter(MANAGER, reporter("ahmed", home="RYY", sites=("RYY",)), "ahmed@example.org",
                         sessions=["Mon 08:00-18:00", "Tue 08:00-18:00"])
    trial = Pathway("trial", timedelta(days=14), research=True)
    for task_id, accession in (("W1", "ACC2"), ("W2", "NOT-IN-ARCHIVE")):
        network.create_task(MANAGER, ReportingTask(task_id, accession, "RYY", "CT", "CHEST", Priority.ROUTINE,
                                                   REPORTED_AT - timedelta(days=1), trial))
    network.route_open(MANAGER, REPORTED_AT)
    for task_id in ("W1", "W2"):
        network.claim(Actor("ahmed@example.org"), task_id)
        network.report(Actor("ahmed@example.org"), task_id, "No nodule.")

    reads = hub_reads(archive, labelling, network)
    again = hub_reads(archive, labelling, network)  # read twice: each read still counts once
    seen = hub_activity(archive)
    report = count_activity([STUDY], seen.arrivals, reads + again, seen.enrolments)
    label_month = month_of(reads[0].at)
    by_key = {(r.site, r.month): r for r in report.rows}
    assert by_key["RXX", label_month].reads == 2 and by_key["RXX", label_month].reads_at == {"baseline": 2}
    assert by_key["RYY", "2026-02"].reads == 1 and by_key["RYY", "2026-02"].reads_at == {"month-6": 1}
    assert report.not_portfolio == 1  # the unmatched worklist task, counted once though fed twice

    read_step = engine.ScheduledActivity(engine.VisitKey("312345", "main", "month-6"), "research read",
                                         engine.ActivityKind.RESEARCH_READ, "radiologist", 30, "RAD-HOUR",
                                         patient_care=False, continues_after_study=False, standard_care=False)
    log, unpriced = recorded_activity(report, engine.Schedule([read_step]))
    assert [(e.site, e.month, e.count, e.occurrences) for e in log.entries if e.activity == "research read"] == [
        ("RYY", "2026-02", 1, True)]
    assert any(u.what == "2 reads at baseline" for u in unpriced)  # no baseline visit in this schedule

    imaging = study_imaging("LUNG1", archive, labelling=labelling, network=network)
    # Planned: 2 reads of each of the task's 2 studies, plus the one worklist task on a LUNG1 study; 2 people.
    assert (imaging.planned_reads, imaging.participants, imaging.reads_per_participant) == (5, 2, 3)
