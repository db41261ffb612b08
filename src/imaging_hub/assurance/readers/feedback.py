"""Private feedback for one reader, for their CPD: their own AUC in each modality beside the group's, and what the
AI changed for them. It names no other reader and gives no other reader's figure."""

from __future__ import annotations

from typing import Any

from imaging_hub.assurance.errors import AssuranceInputError
from imaging_hub.assurance.readers.obuchowski_rockette import MrmcResult


def reader_feedback(result: MrmcResult, reader: str) -> dict[str, Any]:
    study = result.study
    if reader not in study.readers:
        raise AssuranceInputError("that reader took no part in this study")
    j = study.readers.index(reader)
    own = {m: float(result.aucs[i, j]) for i, m in enumerate(study.modalities)}
    group = {m: result.modality_auc[m].to_json() for m in study.modalities}
    first = study.modalities[0]
    changes = {m: own[m] - own[first] for m in study.modalities[1:]}
    lines = [f"Your AUC {m}: {own[m]:.3f} (all readers: {group[m]['estimate']:.3f})." for m in study.modalities]
    lines += [f"With {m} instead of {first} your AUC changed by {d:+.3f}; the group's by "
              f"{group[m]['estimate'] - group[first]['estimate']:+.3f}." for m, d in changes.items()]
    return {"reader": reader, "cases": len(study.cases), "your_auc": own, "group_auc": group,
            "your_change": changes, "summary": " ".join(lines)}
