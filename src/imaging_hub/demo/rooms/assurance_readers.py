"""The demo's reader study: the demo's two annotators read the project's studies without and then with the demo
AI tool's output (its ONNX run), through the labelling room, and the lead's Obuchowski-Rockette analysis compares
their AUCs. Ratings are seeded: each reader's impression of the same image feature the tool sees, plus noise;
with the AI's score in view they move halfway towards it. Nine studies and two readers are far too few to
conclude anything, and the table says so; the pages (/assurance/reader-studies) show it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from rich.table import Table

from imaging_hub.assurance import Actor as AssuranceActor
from imaging_hub.assurance import AssuranceRoom
from imaging_hub.demo.governance_setup import LABEL_READERS
from imaging_hub.demo.rooms.cases import DemoCase
from imaging_hub.governance import Governance, TrailSink
from imaging_hub.hub import ReaderStudies, StudyActor, StudyPlan
from imaging_hub.labelling import Actor, LabellingRoom, Labels
from imaging_hub.store import Archive

LEAD = "lead@university.example"


def _ratings(cases: list[DemoCase], ai: dict[str, float], seed: int = 27) -> dict[tuple[str, str, str], float]:
    rng = np.random.default_rng(seed)
    features = np.array([c.feature for c in cases])
    centre, spread = float(np.median(features)), float(features.std()) or 1.0
    found: dict[tuple[str, str, str], float] = {}
    for reader in LABEL_READERS:
        for c in cases:
            own = 100.0 / (1.0 + math.exp(-(2.0 * (c.feature - centre) / spread + rng.normal(0, 1.5))))
            found[("unaided", reader, c.study_uid)] = float(round(own))
            found[("aided", reader, c.study_uid)] = float(round(0.5 * own + 50.0 * ai[c.study_uid]))
    return found


def read_with_and_without_ai(gov: Governance, archive: Archive, project: str, cases: list[DemoCase],
                             inference_run: int) -> tuple[Table, dict[str, Any]]:
    audit = TrailSink(gov.audit, actor_kind="demo")
    writer = archive.database.writer
    room = AssuranceRoom.open(writer, audit=audit)
    studies = ReaderStudies(LabellingRoom.open(writer, audit=audit), lambda: room)
    lead = StudyActor(LEAD, kind="demo", leads=frozenset({project}))
    ai = {r.case_id: r.score for r in room.results(AssuranceActor(LEAD, manages=None), inference_run, "study")}
    reference = {c.study_uid: int(c.finding) for c in cases if c.study_uid in ai}
    record = studies.create(lead, StudyPlan("Dense finding with and without AI (demo)", inference_run,
                                            LABEL_READERS, reference, "the demo's labels", "Dense finding present?"))
    ratings = _ratings([c for c in cases if c.study_uid in reference], ai)
    for (condition, reader, study), rating in sorted(ratings.items(), key=lambda kv: kv[0][0] == "aided"):
        task = record.unaided_task if condition == "unaided" else record.aided_task
        if studies.refusal(reader, task, study) is not None:  # the demo keeps the order it asks of readers
            raise LookupError("the demo's reads are out of order")
        studies.labelling.submit_read(Actor(reader), task, study, Labels(
            {"finding": "present" if rating >= 50 else "absent"}, {"confidence": float(rating)}))
    _, result = studies.analyse(lead, record.id)
    table = Table(title=f"Reader study {record.id}: {len(record.readers)} readers x {len(record.reference)} "
                        "studies, without and with the AI's output", min_width=110)
    for column in ("condition", "readers' AUC", "95% CI"):
        table.add_column(column)
    for name, auc in result.modality_auc.items():
        table.add_row("without AI" if name == "unaided" else "with AI", f"{auc.estimate:.3f}",
                      f"{auc.low:.3f} to {auc.high:.3f}")
    difference = result.comparisons[0]
    d = difference.difference
    table.caption = (f"difference {d.estimate:+.3f} (95% CI {d.low:+.3f} to {d.high:+.3f}), p = "
                     f"{difference.p_value:.2g} (Obuchowski-Rockette): far too few readers and studies to conclude. "
                     f"The lead: /assurance/reader-studies/{record.id}; each reader: .../feedback")
    analysis = result.to_json()
    analysis.pop("reader_auc")  # each reader's own figures are in their private feedback
    return table, {"reader_study": record.id, "analysis": analysis}
