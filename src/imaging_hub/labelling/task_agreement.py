"""A task's reader agreement per classification question: Cohen's kappa per pair of readers, Fleiss' kappa over
the studies that have all their reads. Only readers' reads count (not the adjudicator's)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from imaging_hub.labelling.agreement import cohen, fleiss
from imaging_hub.labelling.errors import LabellingError
from imaging_hub.labelling.model import Read, Task


def question_agreement(task: Task, reads: Sequence[Read], question_name: str) -> dict[str, Any]:
    question = task.schema.question(question_name)
    categories = [c.name for c in question.categories]
    answers: dict[str, dict[str, str]] = {}  # study -> reader -> answer
    for r in reads:
        if r.role == "reader" and question.name in r.answers:
            answers.setdefault(r.study_uid, {})[r.reader] = r.answers[question.name]
    pairs = []
    for a, b in itertools.combinations(task.readers, 2):
        both = [s for s, by in sorted(answers.items()) if a in by and b in by]
        if len(both) >= 2:
            pairs.append({"readers": [a, b], **cohen([answers[s][a] for s in both], [answers[s][b] for s in both],
                                                     categories).to_json()})
    complete = [by for _, by in sorted(answers.items()) if len(by) == task.reads_per_study]
    result: dict[str, Any] = {"question": question.name, "categories": categories, "cohen": pairs,
                              "fleiss": None, "studies_read": len(answers), "studies_complete": len(complete)}
    if task.reads_per_study >= 2 and len(complete) >= 2:
        table = np.array([[list(by.values()).count(c) for c in categories] for by in complete])
        try:
            result["fleiss"] = fleiss(table).to_json()
        except LabellingError as exc:
            result["fleiss_error"] = str(exc)
    return result


def task_agreement(task: Task, reads: Sequence[Read]) -> dict[str, Any]:
    if not task.schema.questions:
        raise LabellingError(f"task {task.id} has no classification questions to agree on")
    return {"task": task.id, "questions": [question_agreement(task, reads, q.name) for q in task.schema.questions]}
