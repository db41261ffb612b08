"""Portfolio studies from the CSV a network manager keeps, refused by file, row and column (never by value)."""

from __future__ import annotations

from pathlib import Path

from imaging_hub.network.activity.errors import ActivityInputError
from imaging_hub.network.activity.study import Phase, PortfolioStudy
from imaging_hub.network.errors import NetworkInputError
from imaging_hub.network.tabular import read_rows

STUDY_COLUMNS = (
    "iras_id",
    "cpms_id",
    "title",
    "sponsor",
    "chief_investigator",
    "phase",
    "project",
    "sites",
    "timepoints",
    "reads_per_participant",
)
_PHASES = {p.value.lower(): p for p in Phase}


def read_studies(path: Path) -> list[PortfolioStudy]:
    """Columns ``STUDY_COLUMNS``; sites and timepoints separated by ';'; phase as 'Phase II' or 'N/A'."""
    studies = []
    for row in read_rows(path, STUDY_COLUMNS[:8]):
        phase = _PHASES.get(row.text("phase").lower())
        if phase is None:
            raise row.error("phase", "expected one of " + ", ".join(p.value for p in Phase))
        try:
            studies.append(
                PortfolioStudy(
                    row.text("iras_id"),
                    row.text("cpms_id"),
                    row.text("title"),
                    row.text("sponsor"),
                    row.text("chief_investigator"),
                    phase,
                    row.text("project"),
                    row.items("sites"),
                    tuple(t for t in (row.cells.get("timepoints") or "").split(";") if t.strip()),
                    row.integer("reads_per_participant", default=0, minimum=0),
                )
            )
        except ActivityInputError as exc:
            raise NetworkInputError(f"{path.name} row {row.number}: {exc}") from None
    return studies
