"""Three spokes, each with its own Orthanc PACS and its own enrolment rules, send to one hub.

Every expected instance arrives exactly once, de-identified; a participant seen at two sites gets the same
pseudonym at both; and nothing of opted-out or unenrolled patients (nor any original identifier of anyone)
is found anywhere in the bytes the hub stored.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pydicom
import pytest
from harness import HubProcess, OrthancPacs, SpokeProcess, TlsFiles, free_port, part10, wait_for, write_spoke_config

from imaging_hub.deid import Deidentifier, Profile, ProjectKey
from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
from imaging_hub.spoke import SpokeStatus, classify
from imaging_hub.store import Archive, Query

pytestmark = pytest.mark.slow

PROJECT = "NET1"
RECENT_CT = StudySpec(modality="CT", rows=16, columns=16, series=2, instances_per_series=3,
                      study_date=dt.date(2024, 3, 14))
OLD_MR = StudySpec(modality="MR", rows=16, columns=16, series=1, instances_per_series=4, description="MR BRAIN",
                   study_date=dt.date(2022, 1, 20))


@dataclass
class Site:
    code: str
    enrolment_rule: dict[str, str]  # extra CSV columns for every participant at this site
    enrolled: SyntheticPatient
    opted_out: SyntheticPatient
    stranger: SyntheticPatient
    instances: dict[str, list[pydicom.Dataset]] = field(default_factory=dict)  # patient_id -> datasets


def _wanted(site: Site, ds: pydicom.Dataset) -> bool:
    rule = site.enrolment_rule
    if rule.get("modalities") and ds.Modality not in rule["modalities"].split():
        return False
    start = rule.get("window_start", "").replace("-", "")
    return not (start and ds.StudyDate < start)


def test_three_sites_one_hub(tmp_path: Path, tls: TlsFiles) -> None:
    rng = random.Random(314)
    codes = ["RX1", "RY2", "RZ3"]
    rules = [{}, {"modalities": "CT"}, {"window_start": "2024-01-01"}]
    sites = [Site(c, r, *(SyntheticPatient.make(rng, c) for _ in range(3))) for c, r in zip(codes, rules, strict=True)]
    # The traveller: one person (one NHS number) with a different local ID at RX1 and at RY2.
    traveller = SyntheticPatient.make(rng, "RX1")
    traveller_at_ry2 = SyntheticPatient(f"RY2{traveller.patient_id[3:]}", traveller.nhs_number, traveller.name,
                                        traveller.birth_date, traveller.sex)
    key_file = tmp_path / "net1.key"
    ProjectKey.generate().save(key_file)
    hub = HubProcess(tmp_path / "hub", tls, codes, [PROJECT])
    hub.start()
    optout = tmp_path / "optout.txt"
    optout.write_text("".join(f"{s.opted_out.nhs_number}\t2024-05-01\n" for s in sites))

    seed = 0
    spokes: list[SpokeProcess] = []
    pacs_stack = contextlib.ExitStack()
    try:
        for site in sites:
            people = [site.enrolled, site.opted_out, site.stranger]
            if site.code == "RX1":
                people.append(traveller)
            if site.code == "RY2":
                people.append(traveller_at_ry2)
            orthanc = pacs_stack.enter_context(OrthancPacs.running(tmp_path / f"pacs-{site.code}"))
            for person in people:
                site.instances[person.patient_id] = []
                for spec in (RECENT_CT, OLD_MR):
                    seed += 1
                    study = list(make_study(person, spec, seed=seed))
                    site.instances[person.patient_id].extend(study)
                    orthanc.upload_many([part10(ds) for ds in study])
            port = free_port()
            ae = f"SPOKE{site.code}"
            orthanc.add_modality(ae, ae, "127.0.0.1", port)
            config = write_spoke_config(
                tmp_path / f"spoke-{site.code}", site_id=site.code, hub=hub, dicom_port=port, ae_title=ae,
                opt_out_file=optout, projects=[{"id": PROJECT, "key_file": str(key_file)}],
                pacs={"kind": "dimse", "host": "127.0.0.1", "port": orthanc.dicom_port, "ae_title": "ORTHANC",
                      "retrieve": "move" if site.code != "RZ3" else "get"},
            )
            columns = ["participant_id", "local_patient_id", "nhs_number", *site.enrolment_rule]
            rows = [[f"{site.code}-001", site.enrolled.patient_id, ""], [f"{site.code}-002", "",
                                                                           site.opted_out.nhs_number]]
            if site.code == "RX1":
                rows.append(["NET1-T01", traveller.patient_id, ""])
            if site.code == "RY2":
                rows.append(["NET1-T01", traveller_at_ry2.patient_id, traveller.nhs_number])
            csv = tmp_path / f"enrol-{site.code}.csv"
            csv.write_text(",".join(columns) + "\n" + "".join(
                ",".join([*row, *site.enrolment_rule.values()]) + "\n" for row in rows))
            subprocess.run([sys.executable, "-m", "imaging_hub", "spoke", "enrol", PROJECT, str(csv), "--config",
                            str(config)], check=True, capture_output=True)
            spoke = SpokeProcess(config, ["--pull"])
            spoke.start()
            spokes.append(spoke)

        def all_complete() -> bool:
            for site in sites:
                state = SpokeStatus.read(tmp_path / f"spoke-{site.code}" / "data")
                if not state.studies or any(classify(s)[0] != "complete" for s in state.studies):
                    return False
            return True

        wait_for(all_complete, 150, what="every site's studies to be acknowledged")
    finally:
        for spoke in spokes:
            spoke.stop()
        pacs_stack.close()
        hub.stop()

    deid = Deidentifier(Profile.builtin("research"), ProjectKey.load(key_file), project_id=PROJECT)
    expected: set[str] = set()
    forbidden_uids: set[str] = set()
    for site in sites:
        for patient_id, datasets in site.instances.items():
            enrolled = patient_id in {site.enrolled.patient_id, traveller.patient_id, traveller_at_ry2.patient_id}
            for ds in datasets:
                forbidden_uids.update({ds.SOPInstanceUID, ds.StudyInstanceUID, ds.SeriesInstanceUID})
                if enrolled and _wanted(site, ds):
                    expected.add(deid.uid(ds.SOPInstanceUID))
                else:
                    forbidden_uids.update({deid.uid(ds.SOPInstanceUID), deid.uid(ds.StudyInstanceUID)})

    archive = Archive.open(tmp_path / "hub")
    try:
        held = {}
        for ds in archive.search(Query(level="STUDY")):
            for instance in archive.instances(str(ds.StudyInstanceUID)):
                held[instance.sop_instance_uid] = instance
        assert set(held) == expected  # exactly the expected set: nothing missing, nothing extra
        assert archive.count_instances() == len(expected)  # and nothing twice
        assert not archive.conflicts()
        subjects_by_site: dict[str, set[str]] = {}
        for instance in held.values():
            ds = pydicom.dcmread(instance.path)
            assert ds.PatientIdentityRemoved == "YES"
            assert ds.ClinicalTrialProtocolID == PROJECT
            subjects_by_site.setdefault(str(ds.PatientID), set()).add(str(ds.ClinicalTrialSiteID))
        assert subjects_by_site["NET1-T01"] == {"RX1", "RY2"}  # one pseudonym, seen at two sites
    finally:
        archive.close()

    identifiers: set[bytes] = set()
    everyone = [traveller] + [p for s in sites for p in (s.enrolled, s.opted_out, s.stranger)]
    for person in everyone:
        identifiers.update(v.encode() for v in (person.patient_id, person.nhs_number, person.name))
        identifiers.add(person.birth_date.encode())
    identifiers.update(uid.encode() for uid in forbidden_uids)
    stored = [p for p in (tmp_path / "hub").rglob("*") if p.is_file()]
    assert stored
    for path in stored:
        blob = path.read_bytes()
        leaked = [i for i in identifiers if i in blob]
        assert not leaked, f"{path.relative_to(tmp_path)} holds {len(leaked)} identifier(s) it must not"
