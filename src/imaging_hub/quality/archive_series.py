"""Series held by the hub's archive, as the Dask runner's ``SeriesFiles`` (with each series' site)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from imaging_hub.quality.folder import SeriesFiles
from imaging_hub.store import Archive, Query, StoredInstance


@dataclass(frozen=True)
class HeldSeries:
    project: str
    site: str | None
    files: SeriesFiles


def held_series(archive: Archive, project: str, study_uid: str, series_uid: str | None = None) -> list[HeldSeries]:
    """The study's series (or one) in ``project``; the content hash is over the instances' own hashes, so it
    changes when an instance is added, removed or replaced."""
    grouped: dict[str, list[StoredInstance]] = defaultdict(list)
    for held in archive.instances(study_uid, series_uid):
        if (held.clinical_trial_protocol_id or "") == project:
            grouped[held.series_instance_uid].append(held)
    return [_series(project, instances) for instances in grouped.values()]


def project_series(archive: Archive, project: str) -> list[HeldSeries]:
    """Every series of the project the archive holds."""
    studies = archive.search(Query("STUDY", {"ClinicalTrialProtocolID": project}))
    return [s for study in studies for s in held_series(archive, project, str(study.StudyInstanceUID))]


def by_site(series: Iterable[HeldSeries]) -> dict[str | None, list[SeriesFiles]]:
    grouped: dict[str | None, list[SeriesFiles]] = defaultdict(list)
    for s in series:
        grouped[s.site].append(s.files)
    return grouped


def _series(project: str, instances: list[StoredInstance]) -> HeldSeries:
    instances.sort(key=lambda i: i.sop_instance_uid)
    digest = hashlib.sha256("".join(i.sha256 for i in instances).encode()).hexdigest()
    first = instances[0]
    files = SeriesFiles(first.series_instance_uid, first.study_instance_uid, tuple(i.path for i in instances), digest)
    return HeldSeries(project, first.clinical_trial_site_id or None, files)
