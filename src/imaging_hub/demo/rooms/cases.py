"""The demo's cases: the project's studies at the hub, each with a simple image feature the demo's readers and
its AI tool both look at: the mean value of the first series' pixels, a stand-in for a dense finding. The sample's
phantoms differ only in their noise, so the feature orders the studies the same way on every run, whatever
pseudonyms and UIDs de-identification gave them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydicom import dcmread

from imaging_hub.store import Archive, Query


@dataclass(frozen=True)
class DemoCase:
    study_uid: str
    site: str
    participant: str  # the pseudonym at the hub
    feature: float
    finding: bool  # the truth the demo's readers see: feature above the cohort's median


def project_cases(archive: Archive, project: str) -> list[DemoCase]:
    found: list[tuple[str, str, str, float]] = []
    for study in archive.search(Query("STUDY", {"ClinicalTrialProtocolID": project})):
        held = archive.instances(str(study.StudyInstanceUID))
        images = [dcmread(h.path) for h in held]
        first = min(int(ds.SeriesNumber) for ds in images)  # by number: UIDs are new on every run
        volume = np.stack([ds.pixel_array for ds in images if int(ds.SeriesNumber) == first]).astype(np.float64)
        feature = float(volume.mean())
        found.append((str(study.StudyInstanceUID), held[0].clinical_trial_site_id or "unknown", held[0].patient_id,
                      feature))
    found.sort(key=lambda c: c[3])  # by feature: the same order on every run, whatever the pseudonyms
    median = float(np.median([c[3] for c in found])) if found else 0.0
    return [DemoCase(uid, site, who, feature, feature > median) for uid, site, who, feature in found]
