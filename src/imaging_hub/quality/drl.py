"""National diagnostic reference levels for adult CT, to chart a project's doses against.

Source: UK Health Security Agency, "National Diagnostic Reference Levels (NDRLs) from 20 November 2024", table 1
(adult CT examinations; CTDIvol per sequence, DLP per complete examination; these rows adopted in 2022). The
clinical indication each value belongs to is named beside it. Only examinations with a CTDIvol NDRL are listed,
because the hub compares each series' CTDIvol (chest, abdomen and pelvis for cancer has a DLP NDRL only, 660 mGy
cm). Replace this table when UKHSA revises it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DRL_SOURCE = "UKHSA national diagnostic reference levels for adult CT (NDRLs from 20 November 2024, table 1)"

DrlExamination = Literal["head", "chest", "abdomen_pelvis"]


@dataclass(frozen=True)
class ReferenceLevel:
    examination: str
    ctdivol_mgy: float
    dlp_mgy_cm: float


NATIONAL_CT_DRLS: dict[str, ReferenceLevel] = {
    "head": ReferenceLevel("Head (acute stroke)", 47.0, 790.0),
    "chest": ReferenceLevel("Chest (lung cancer)", 8.5, 290.0),
    "abdomen_pelvis": ReferenceLevel("Abdomen and pelvis (abscess)", 10.0, 530.0),
}
