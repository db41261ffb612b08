"""Private feedback for one reader, for their CPD: their own AUC in each modality beside the group's, what the AI
changed for them, and, where readers also made a yes/no call, their sensitivity and specificity at that operating
point beside the group's average. It names no other reader and gives no other reader's figure."""

from __future__ import annotations

from typing import Any

import numpy as np

from imaging_hub.assurance.errors import AssuranceInputError
from imaging_hub.assurance.readers.design import ReaderStudy
from imaging_hub.assurance.readers.obuchowski_rockette import MrmcResult


def operating_points(study: ReaderStudy) -> tuple[np.ndarray, np.ndarray]:
    """Sensitivity and specificity of each reader's calls, [modality, reader] each."""
    if study.calls is None:
        raise AssuranceInputError("the study holds no yes/no calls")
    positive = study.truth == 1
    sensitivity = study.calls[:, :, positive].mean(axis=2)
    specificity = 1.0 - study.calls[:, :, ~positive].mean(axis=2)
    return sensitivity, specificity


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
    feedback: dict[str, Any] = {"reader": reader, "cases": len(study.cases), "your_auc": own, "group_auc": group,
                                "your_change": changes}
    if study.calls is not None:
        sensitivity, specificity = operating_points(study)
        feedback["your_operating_point"] = {
            m: {"sensitivity": float(sensitivity[i, j]), "specificity": float(specificity[i, j])}
            for i, m in enumerate(study.modalities)}
        feedback["group_operating_point"] = {
            m: {"sensitivity": float(sensitivity[i].mean()), "specificity": float(specificity[i].mean())}
            for i, m in enumerate(study.modalities)}
        lines += [f"Your calls {m}: sensitivity {sensitivity[i, j]:.0%}, specificity {specificity[i, j]:.0%} "
                  f"(readers' average {sensitivity[i].mean():.0%} and {specificity[i].mean():.0%})."
                  for i, m in enumerate(study.modalities)]
    feedback["summary"] = " ".join(lines)
    return feedback
