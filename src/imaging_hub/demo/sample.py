"""The demo's hospital data: each site's patients and studies, who is enrolled, who has opted out.

At every site one patient is enrolled but on the national data opt-out register, and one is not enrolled
at all: neither's data may reach the hub. One participant is scanned at two sites, so the hub shows the
same pseudonym arriving from both.

Two quality problems are planted in delivered series, for the demo's quality check to find: the second series
of RY2's first participant was acquired with 5 mm slices where the protocol asks for 2.5 mm, and the first
series of RZ3's first participant is noisy.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset

from imaging_hub.dicom import StudySpec, SyntheticPatient, make_study

SITES = {"RX1": "Royal Example Hospital NHS Trust", "RY2": "Sample General NHS Foundation Trust",
         "RZ3": "Test Valley University Hospitals"}


@dataclass
class SitePatient:
    patient: SyntheticPatient
    participant_id: str | None  # None: not enrolled
    opted_out: bool = False
    studies: list[list[Dataset]] = field(default_factory=list)


@dataclass
class SiteSample:
    ods: str
    name: str
    patients: list[SitePatient]

    def instances(self) -> list[Dataset]:
        return [ds for p in self.patients for study in p.studies for ds in study]

    def expected_at_hub(self) -> int:
        return sum(len(s) for p in self.patients if p.participant_id and not p.opted_out for s in p.studies)

    def write_enrolment(self, path: Path) -> None:
        with path.open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["participant_id", "local_patient_id", "nhs_number", "window_start", "window_end",
                             "modalities"])
            for p in self.patients:
                if p.participant_id:
                    writer.writerow([p.participant_id, p.patient.patient_id, p.patient.nhs_number,
                                     "2020-01-01", "", "CT MR"])

    def write_opt_outs(self, path: Path, checked_on: dt.date) -> None:
        lines = ["nhs_number,date_checked"]
        lines += [f"{p.patient.nhs_number},{checked_on.isoformat()}" for p in self.patients if p.opted_out]
        path.write_text("\n".join(lines) + "\n")


def build_sample(patients_per_site: int = 4, instances_per_series: int = 6, seed: int = 1452) -> list[SiteSample]:
    """Per site: ``patients_per_site`` enrolled patients (the last of them opted out) and one not enrolled."""
    rng = random.Random(seed)
    samples: list[SiteSample] = []
    next_participant = 1
    shared: SyntheticPatient | None = None  # the first site's first patient, seen again at every other site
    for ods, name in SITES.items():
        patients: list[SitePatient] = []
        for index in range(patients_per_site + 1):
            person = SyntheticPatient.make(rng, site_prefix=ods)
            participant_id: str | None
            if index == 0 and shared is not None:
                # The same person (NHS number, name, birth date) under this site's own local patient ID.
                person, participant_id = replace(shared, patient_id=person.patient_id), "LUNG-0001"
            elif index < patients_per_site:
                participant_id, next_participant = f"LUNG-{next_participant:04d}", next_participant + 1
            else:
                participant_id = None
            site_patient = SitePatient(person, participant_id, opted_out=index == patients_per_site - 1)
            site_patient.studies.append(list(make_study(person, _study_spec(rng, name, instances_per_series),
                                                        seed=rng.randrange(10**9))))
            patients.append(site_patient)
        shared = shared or patients[0].patient
        samples.append(SiteSample(ods, name, patients))
    _plant_quality_problems(samples, seed)
    return samples


NON_CONFORMANT = ("RY2", 2)  # (site, series number) of the first participant's study: 5 mm slices
NOISY = ("RZ3", 1)  # noise about five times the scanner's usual
NOISE_SD = 80.0


def _plant_quality_problems(samples: list[SiteSample], seed: int) -> None:
    by_site = {s.ods: s for s in samples}
    for ds in by_site[NON_CONFORMANT[0]].patients[0].studies[0]:
        if ds.SeriesNumber == NON_CONFORMANT[1]:
            ds.SliceThickness = "5.0"
    rng = np.random.default_rng(seed)
    for ds in by_site[NOISY[0]].patients[0].studies[0]:
        if ds.SeriesNumber == NOISY[1]:
            pixels = np.frombuffer(ds.PixelData, dtype=np.uint16).astype(np.float64)
            pixels += rng.normal(0.0, NOISE_SD, size=pixels.shape)
            ds.PixelData = np.clip(pixels, 0, 4095).astype(np.uint16).tobytes()


def _study_spec(rng: random.Random, institution: str, instances_per_series: int) -> StudySpec:
    modality = rng.choice(["CT", "MR"])
    return StudySpec(modality=modality, series=2, instances_per_series=instances_per_series, rows=128, columns=128,
                     institution=institution.upper(),
                     description="CT CHEST WITH CONTRAST" if modality == "CT" else "MR THORAX",
                     study_date=dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(300)))
