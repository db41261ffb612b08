"""The archive as governance sees it: a project's instances (by ClinicalTrialProtocolID) and their files."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from imaging_hub.governance.instances import InstanceRef
from imaging_hub.store import Archive, Query, StoredInstance


class ArchiveSource:
    def __init__(self, archive: Archive) -> None:
        self._archive = archive

    def project_instances(self, project_code: str) -> Iterator[InstanceRef]:
        studies = self._archive.search(Query(level="STUDY", filters={"ClinicalTrialProtocolID": project_code}))
        for study in studies:
            for stored in self._archive.instances(str(study.StudyInstanceUID)):
                if stored.clinical_trial_protocol_id == project_code:
                    yield _ref(stored)

    def holds_data(self, project_code: str) -> bool:
        """Whether the archive holds any study of the project (its first data has arrived)."""
        query = Query(level="STUDY", filters={"ClinicalTrialProtocolID": project_code}, limit=1)
        return bool(self._archive.search(query))

    def instance(self, sop_instance_uid: str) -> InstanceRef | None:
        stored = self._archive.get(sop_instance_uid)
        return _ref(stored) if stored is not None else None

    def projects_of(self, sop_instance_uids: Sequence[str]) -> dict[str, str]:
        """The project (ClinicalTrialProtocolID) of each instance the archive holds, by SOP Instance UID."""
        held = self._archive.get_many(list(sop_instance_uids))  # one query, not one per UID: every search asks
        return {uid: i.clinical_trial_protocol_id for uid, i in held.items() if i.clinical_trial_protocol_id}

    def count_by_site(self, project_code: str) -> dict[str, tuple[int, int]]:
        """Studies and instances per site for a project (a cohort count, before suppression)."""
        studies: dict[str, set[str]] = {}
        instances: dict[str, int] = {}
        for ref in self.project_instances(project_code):
            site = ref.site or "unknown"
            studies.setdefault(site, set()).add(ref.study_instance_uid)
            instances[site] = instances.get(site, 0) + 1
        return {site: (len(studies[site]), instances[site]) for site in sorted(studies)}


def _ref(stored: StoredInstance) -> InstanceRef:
    return InstanceRef(
        sop_instance_uid=stored.sop_instance_uid,
        study_instance_uid=stored.study_instance_uid,
        series_instance_uid=stored.series_instance_uid,
        sha256=stored.sha256,
        size=stored.size,
        path=stored.path,
        site=stored.clinical_trial_site_id,
    )
