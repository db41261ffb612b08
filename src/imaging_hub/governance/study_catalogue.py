"""A project's studies as a person may browse them: pages of studies, one study's series, a series' picture.

The same rule as DICOMweb decides (``DataAuthority.readable_projects``: a project role that reads data and
an agreement in force); every page and study viewed, and every refusal, is in the audit trail. The total a
search matched is a cohort count, so it is small-number suppressed for roles below project lead; so are the
series and instance counts of every row (``suppression.withhold_related_counts``).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydicom.dataset import Dataset

from imaging_hub.governance.authority import DataAuthority
from imaging_hub.governance.context import Context
from imaging_hub.governance.errors import Forbidden, InvalidInput, NotFound
from imaging_hub.governance.principal import Principal
from imaging_hub.governance.roles import UNSUPPRESSED_ROLES, Role
from imaging_hub.governance.study_filters import StudyFilters
from imaging_hub.governance.suppression import WITHHELD, suppress
from imaging_hub.store import Archive, Query, QueryError, StoredInstance

_RETURNED = frozenset({"StudyDescription", "ClinicalTrialSiteID", "ClinicalTrialProtocolID"})
_PURPOSE = "research"


@dataclass(frozen=True)
class StudyRow:
    study_instance_uid: str
    participant: str
    site: str
    date: str  # YYYY-MM-DD, or "" when unknown
    modalities: str
    description: str
    series: int | str  # str: withheld ("suppressed") from a role that sees suppressed counts
    instances: int | str


@dataclass(frozen=True)
class StudyPage:
    rows: list[StudyRow]
    next_after: str | None
    total: str  # as shown: exact, or "<10" when suppressed
    suppressed: bool


@dataclass(frozen=True)
class SeriesRow:
    series_instance_uid: str
    number: int | None
    modality: str
    description: str
    instances: int | str


@dataclass(frozen=True)
class StudyDetail:
    study: StudyRow
    series: list[SeriesRow]


class StudyCatalogue:
    def __init__(self, context: Context, authority: DataAuthority, archive: Archive) -> None:
        self._context = context
        self._authority = authority
        self._archive = archive

    def page(
        self, who: Principal, project: str, filters: StudyFilters, after: str | None = None, size: int = 50
    ) -> StudyPage:
        self._require(who, "study.list", "project", project, project)
        query = Query(level="STUDY", filters=filters.matching(project), include=_RETURNED)
        try:
            found = self._archive.search_page(query, after=after, size=size)
            total = self._archive.count(query)
        except QueryError as exc:
            raise InvalidInput(str(exc)) from exc
        exact = self.exact_counts(who, project)
        self._context.record(
            who, "study.list", "project", project, project=project, purpose=_PURPOSE,
            detail={"filters": filters.as_params(), "after": after or "", "shown": len(found.results)},
        )
        return StudyPage(
            [_study_row(ds, exact) for ds in found.results], found.next_after, suppress(total, exact), not exact
        )

    def study(self, who: Principal, project: str, study_uid: str) -> StudyDetail:
        self._require(who, "study.view", "study", study_uid, project)
        exact = self.exact_counts(who, project)
        row = self._study(who, project, study_uid, exact)
        series = self._archive.search(
            Query(level="SERIES", filters={"StudyInstanceUID": study_uid}, include=frozenset({"SeriesDescription"}))
        )
        self._context.record(who, "study.view", "study", study_uid, project=project, purpose=_PURPOSE)
        return StudyDetail(row, sorted((_series_row(ds, exact) for ds in series), key=_series_order))

    def picture_of(self, who: Principal, project: str, study_uid: str, series_uid: str) -> StoredInstance:
        """The instance that stands for a series in pictures (its middle one); audited as a read of it."""
        self._require(who, "study.thumbnail", "study", study_uid, project)
        self._study(who, project, study_uid, exact=False)
        instances = [
            i for i in self._archive.instances(study_uid, series_uid) if i.clinical_trial_protocol_id == project
        ]
        if not instances:
            raise NotFound("no such series in this study")
        chosen = instances[len(instances) // 2]
        self._context.record(
            who, "study.thumbnail", "instances", chosen.sop_instance_uid, project=project, purpose=_PURPOSE
        )
        return chosen

    def exact_counts(self, who: Principal, project: str) -> bool:
        return who.holds_any(UNSUPPRESSED_ROLES - {Role.PROJECT_LEAD}) or who.holds(Role.PROJECT_LEAD, project)

    def _require(self, who: Principal, action: str, entity_type: str, entity_id: str, project: str) -> None:
        if not self._authority.may_read(who, project):
            self._context.record(
                who, action, entity_type, entity_id, project=project, purpose=_PURPOSE, outcome="denied"
            )
            raise Forbidden(
                f"you may not read project {project}'s studies: that needs a project role that reads data "
                "and a data-sharing agreement in force"
            )

    def _study(self, who: Principal, project: str, study_uid: str, exact: bool) -> StudyRow:
        try:
            found = self._archive.search(
                Query(
                    level="STUDY",
                    filters={"StudyInstanceUID": study_uid, "ClinicalTrialProtocolID": project},
                    include=_RETURNED,
                )
            )
        except QueryError as exc:
            raise InvalidInput(str(exc)) from exc
        if not found:
            self._context.record(
                who, "study.view", "study", study_uid, project=project, purpose=_PURPOSE, outcome="failed"
            )
            raise NotFound(f"project {project} has no such study")
        return _study_row(found[0], exact)


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _count(value: object) -> int:
    return int(str(value)) if value not in (None, "") else 0


def _study_row(ds: Dataset, exact: bool) -> StudyRow:
    date = _text(ds.get("StudyDate"))
    modalities = ds.get("ModalitiesInStudy")
    return StudyRow(
        study_instance_uid=_text(ds.get("StudyInstanceUID")),
        participant=_text(ds.get("PatientID")),
        site=_text(ds.get("ClinicalTrialSiteID")),
        date=f"{date[:4]}-{date[4:6]}-{date[6:8]}" if len(date) == 8 else date,
        modalities=_text(modalities) if isinstance(modalities, str | None) else ", ".join(map(str, modalities)),
        description=_text(ds.get("StudyDescription")),
        series=_count(ds.get("NumberOfStudyRelatedSeries")) if exact else WITHHELD,
        instances=_count(ds.get("NumberOfStudyRelatedInstances")) if exact else WITHHELD,
    )


def _series_row(ds: Dataset, exact: bool) -> SeriesRow:
    number = ds.get("SeriesNumber")
    return SeriesRow(
        series_instance_uid=_text(ds.get("SeriesInstanceUID")),
        number=int(number) if number not in (None, "") else None,
        modality=_text(ds.get("Modality")),
        description=_text(ds.get("SeriesDescription")),
        instances=_count(ds.get("NumberOfSeriesRelatedInstances")) if exact else WITHHELD,
    )


def _series_order(row: SeriesRow) -> tuple[bool, int, str]:
    return (row.number is None, row.number or 0, row.series_instance_uid)
