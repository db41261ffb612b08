"""Small-number suppression for cohort counts shown to roles below project lead.

A cell (a site's share of a project) with 1-9 studies is small. For a role that must not see small cells,
every count that could reveal one is withheld, not just the study count: the cell's instance count too
(instances per study are typical enough that 60 instances beside "<10" studies says 3), and a total over
cells (a snapshot's instance count) whenever any cell under it is small, since the total minus the shown
cells gives the small one back. Zero is not disclosive and is shown.

Rows of a search (QIDO-RS, the study browser) carry per-study and per-series counts. Withholding only the
small ones would not do: a study's instance count minus its shown series' counts gives the withheld series
back, as with totals. So for those roles every such related count is withheld from rows, whatever its size.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydicom.dataset import Dataset

from imaging_hub.governance.principal import Principal
from imaging_hub.governance.roles import UNSUPPRESSED_ROLES, Role

THRESHOLD = 10
SMALL = f"<{THRESHOLD}"  # a small study count
WITHHELD = "suppressed"  # another count that would reveal a small cell


def suppress(count: int, unsuppressed: bool) -> str:
    """A count as shown: exact for those allowed, otherwise ``"<10"`` for 1-9 (zero is not disclosive)."""
    if unsuppressed or not is_small(count):
        return str(count)
    return SMALL


def is_small(studies: int) -> bool:
    return 0 < studies < THRESHOLD


def sees_exact_counts(who: Principal, project_code: str) -> bool:
    """Network administrators, auditors and the project's own lead see exact counts; everyone else not."""
    return who.holds_any(UNSUPPRESSED_ROLES - {Role.PROJECT_LEAD}) or who.holds(Role.PROJECT_LEAD, project_code)


def cohort_cells(counts: Mapping[str, tuple[int, int]], exact: bool) -> list[tuple[str, str, str]]:
    """(site, studies, instances) as shown, from exact (studies, instances) per site."""
    shown = []
    for site, (studies, instances) in counts.items():
        if exact or not is_small(studies):
            shown.append((site, str(studies), str(instances)))
        else:
            shown.append((site, SMALL, WITHHELD))
    return shown


def breakdown_shown(parts: Mapping[str, int], exact: bool) -> dict[str, str]:
    """One cell's count split by kind (e.g. a site's studies complete / incomplete / failed), as shown. With
    no small part every part is exact; otherwise small parts read "<10" and the other non-zero parts are
    withheld, since they and the cell's total (shown elsewhere, or guessed) would give the small ones back."""
    if exact or not any(is_small(n) for n in parts.values()):
        return {kind: str(n) for kind, n in parts.items()}
    return {kind: (SMALL if is_small(n) else str(n) if n == 0 else WITHHELD) for kind, n in parts.items()}


def total_shown(total: int, studies_per_cell: Mapping[str, int], exact: bool) -> int | str:
    """A total over cells (e.g. a snapshot's instances), withheld if any cell under it is small."""
    if exact or not any(is_small(studies) for studies in studies_per_cell.values()):
        return total
    return WITHHELD


# The "Number of ... Related ..." attributes a search can return (PS3.4 C.3): all are counts over a group.
RELATED_COUNTS = (
    "NumberOfPatientRelatedStudies",
    "NumberOfPatientRelatedSeries",
    "NumberOfPatientRelatedInstances",
    "NumberOfStudyRelatedSeries",
    "NumberOfStudyRelatedInstances",
    "NumberOfSeriesRelatedInstances",
)


def withhold_related_counts(row: Dataset) -> Dataset:
    """The row with every related count it holds emptied (present, zero-length: the value is not given)."""
    for keyword in RELATED_COUNTS:
        if keyword in row:
            row[keyword].value = None
    return row
