"""How far a study's reads disagree, and what its final labels are once read (and adjudicated if needed).

Disagreement of a study is the largest, over its questions, share of reads that did not give the most common
answer (0: unanimous; two readers who differ: 0.5), and over its measurements the spread (max - min) relative
to the largest magnitude (capped at 1). A study whose disagreement exceeds the task's threshold goes to the
adjudicator, whose read is then final; otherwise the most common answers (ties: the schema's category order)
and the mean measurements are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from imaging_hub.labelling.model import Read
from imaging_hub.labelling.schema import LabelSchema


def disagreement(schema: LabelSchema, reads: Sequence[Read]) -> float:
    if len(reads) < 2:
        return 0.0
    worst = 0.0
    for question in schema.questions:
        answers = [r.answers[question.name] for r in reads if question.name in r.answers]
        if answers:
            worst = max(worst, 1.0 - Counter(answers).most_common(1)[0][1] / len(answers))
    for measurement in schema.measurements:
        values = np.array([r.measurements[measurement.name] for r in reads if measurement.name in r.measurements])
        if len(values) >= 2 and np.abs(values).max() > 0:
            worst = max(worst, min(1.0, float(np.ptp(values) / np.abs(values).max())))
    return worst


@dataclass(frozen=True)
class FinalLabels:
    study_uid: str
    answers: Mapping[str, str]
    measurements: Mapping[str, float]
    basis: str  # consensus | adjudicated


def final_labels(schema: LabelSchema, study_uid: str, reads: Sequence[Read], reads_needed: int,
                 threshold: float) -> FinalLabels | None:
    """None while reads are missing, or while an adjudication the study needs is outstanding."""
    adjudicated = [r for r in reads if r.role == "adjudicator"]
    if adjudicated:
        r = adjudicated[-1]
        return FinalLabels(study_uid, dict(r.answers), dict(r.measurements), "adjudicated")
    readings = [r for r in reads if r.role == "reader"]
    if len(readings) < reads_needed or disagreement(schema, readings) > threshold:
        return None
    answers = {}
    for question in schema.questions:
        counts = Counter(r.answers[question.name] for r in readings)
        order = [c.name for c in question.categories]
        answers[question.name] = max(counts, key=lambda c: (counts[c], -order.index(c)))
    measurements = {m.name: float(np.mean([r.measurements[m.name] for r in readings if m.name in r.measurements]))
                    for m in schema.measurements if any(m.name in r.measurements for r in readings)}
    return FinalLabels(study_uid, answers, measurements, "consensus")
