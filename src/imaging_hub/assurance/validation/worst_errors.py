"""The tool's worst errors at its threshold: missed positives with the lowest scores and false alarms with the
highest, the cases a reader of the report should look at first."""

from __future__ import annotations

from typing import Any

import numpy as np

from imaging_hub.assurance.validation.cases import CaseTable

GALLERY_SIZE = 6


def worst_errors(cases: CaseTable, threshold: float, size: int = GALLERY_SIZE) -> list[dict[str, Any]]:
    """Errors ordered by how far the score sits on the wrong side of the truth (|label - score|), worst first."""
    flagged = cases.score >= threshold
    wrong = np.flatnonzero(flagged != (cases.label == 1))
    order = wrong[np.argsort(-np.abs(cases.label[wrong] - cases.score[wrong]), kind="stable")][:size]
    return [{"case_id": str(cases.case_id[i]), "site": str(cases.site[i]), "label": int(cases.label[i]),
             "score": float(cases.score[i]), "error": "missed finding" if cases.label[i] == 1 else "false alarm"}
            for i in order]
