"""National diagnostic reference levels for adult CT, to chart a project's doses against.

Source: UK Health Security Agency (formerly Public Health England), "National Diagnostic Reference Levels
(NDRLs) from 19 August 2019", adult CT table (per single acquisition / whole examination, a standard-sized
patient). Values are the published NDRLs; check them against the current UKHSA publication before relying on
them, and replace this table when UKHSA revises it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DRL_SOURCE = "UKHSA national diagnostic reference levels for adult CT (NDRLs from 19 August 2019)"

DrlExamination = Literal["head", "chest", "abdomen_pelvis", "chest_abdomen_pelvis"]


@dataclass(frozen=True)
class ReferenceLevel:
    examination: str
    ctdivol_mgy: float
    dlp_mgy_cm: float


NATIONAL_CT_DRLS: dict[str, ReferenceLevel] = {
    "head": ReferenceLevel("Head", 60.0, 970.0),
    "chest": ReferenceLevel("Chest", 10.0, 350.0),
    "abdomen_pelvis": ReferenceLevel("Abdomen and pelvis", 13.0, 600.0),
    "chest_abdomen_pelvis": ReferenceLevel("Chest, abdomen and pelvis", 13.0, 1000.0),
}
