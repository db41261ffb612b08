"""Reader studies at the hub: readers read an AI tool's cases without and then with its output, through the
labelling room, and the assurance room's multi-reader multi-case analysis compares their AUCs.

The two rooms never meet; this joins them. A study is two labelling tasks over the same cases (the run's
study-level results that have a reference label), both blinded, every reader reading every case, with the same
form: a yes/no call (the reader's operating point) and a required confidence rating from 0 to 100 (what the
analysis ranks). The assurance room keeps the study's record (run, tasks, readers, a frozen reference standard).

Order, as enforced here: a reader may open or read a case in the aided task only after they have read it in the
unaided task, and only ``washout_days`` after that read (0: at once, the sequential design). The tool's output
is handed out for the aided task alone, so the unaided page has nothing to show or leak.

The assurance package loads scipy, statsmodels and matplotlib: it is imported when a study is first used.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from imaging_hub.labelling import Actor as LabellingActor
from imaging_hub.labelling import (
    Cohort,
    CohortStudy,
    LabellingError,
    LabellingRoom,
    LabelSchema,
    Read,
    TaskSpec,
    parse_schema,
)
from imaging_hub.labelling import NotFound as LabellingNotFound

if TYPE_CHECKING:
    from imaging_hub.assurance import Actor, AssuranceRoom, MrmcResult, ReaderStudy, ReaderStudyRecord

CALL = "finding"
RATING = "confidence"
POSITIVE = "present"
TASK_NAMES = {"unaided": "{name}: without AI", "aided": "{name}: with AI"}


def reader_study_schema(question: str) -> LabelSchema:
    """The form of both conditions: the reader's call and their confidence that the finding is present."""
    return parse_schema({
        "questions": [{"name": CALL, "text": question, "categories": [
            {"name": "absent", "text": "Absent"}, {"name": POSITIVE, "text": "Present"}]}],
        "measurements": [{"name": RATING, "code": {"value": "confidence", "scheme": "99IHUB",
                                                   "meaning": "Confidence that the finding is present"},
                          "unit": "%", "range": [0, 100], "required": True}],
    })


@dataclass(frozen=True)
class StudyActor:
    """``leads``: projects whose reader studies the actor may set up and analyse (None: any, the console)."""

    name: str
    kind: str = "person"
    address: str = ""
    leads: frozenset[str] | None = frozenset()

    def for_labelling(self) -> LabellingActor:
        return LabellingActor(self.name, kind=self.kind, address=self.address, manages=self.leads)

    def for_assurance(self) -> Actor:
        from imaging_hub.assurance import Actor

        return Actor(self.name, kind=self.kind, manages=self.leads)


@dataclass(frozen=True)
class StudyPlan:
    name: str
    run_id: int
    readers: tuple[str, ...]
    reference: Mapping[str, int]  # study UID -> 0/1
    reference_source: str
    question: str = "Is the finding present?"
    washout_days: int = 0


@dataclass(frozen=True)
class Aid:
    """What the aided reading page shows: the tool's score on the case, its threshold, name and version."""

    tool: str
    vendor: str
    version: str
    threshold: float
    score: float

    @property
    def flagged(self) -> bool:
        return self.score >= self.threshold


def _now() -> datetime:
    return datetime.now(UTC)


class ReaderStudies:
    """``ReaderStudies(labelling_room, open_assurance)``: ``open_assurance`` returns the assurance room (opened
    on first use by the caller, so its import is paid only where a study is used)."""

    def __init__(self, labelling: LabellingRoom, assurance: Callable[[], AssuranceRoom],
                 clock: Callable[[], datetime] = _now) -> None:
        self.labelling = labelling
        self._assurance = assurance
        self._clock = clock

    @property
    def assurance(self) -> AssuranceRoom:
        return self._assurance()

    # --- setting a study up ----------------------------------------------------------------------------------

    def create(self, actor: StudyActor, plan: StudyPlan) -> ReaderStudyRecord:
        """Both tasks made and assigned, then the record; everything is checked before the first is made."""
        from imaging_hub.assurance import AssuranceInputError, ReaderStudySpec

        room = self.assurance
        spec = ReaderStudySpec(plan.name, plan.run_id, -1, -2, plan.readers, plan.reference, plan.reference_source,
                               plan.washout_days)
        run = room.check_reader_study(actor.for_assurance(), spec)
        tasks = {c: n.format(name=plan.name.strip()) for c, n in TASK_NAMES.items()}
        for name in tasks.values():
            try:
                self.labelling.find_task(run.project, name)
            except LabellingNotFound:
                continue
            raise AssuranceInputError(f"project {run.project} already has a labelling task named {name!r}")
        sites = {r.case_id: r.site for r in room.results(actor.for_assurance(), run.id, "study")}
        cohort = Cohort("snapshot", run.snapshot, tuple(CohortStudy(uid, sites[uid]) for uid in sorted(plan.reference)))
        made = {}
        try:
            for condition, name in tasks.items():
                task = self.labelling.create_task(actor.for_labelling(), TaskSpec(
                    run.project, name, cohort, reader_study_schema(plan.question), plan.readers,
                    reads_per_study=len(plan.readers), blinded=True))
                self.labelling.assign(actor.for_labelling(), task.id)
                made[condition] = task.id
        except LabellingError as exc:
            raise AssuranceInputError(f"reader study: {exc}") from None
        return room.create_reader_study(actor.for_assurance(), ReaderStudySpec(
            plan.name, plan.run_id, made["unaided"], made["aided"], plan.readers, plan.reference,
            plan.reference_source, plan.washout_days))

    def reference_from_task(self, project: str, task_id: int, question: str, positive: str) -> tuple[dict[str, int],
                                                                                                       str]:
        """A labelling task's final answers (consensus or adjudicated) as the reference: label 1 where ``question``
        was answered ``positive``; studies not yet final are left out. Returns it and where it came from."""
        from imaging_hub.assurance import AssuranceInputError, reference_from_answers

        try:
            task = self.labelling.task(task_id)
        except LabellingNotFound:
            raise AssuranceInputError(f"no labelling task {task_id}") from None
        if task.project != project:
            raise AssuranceInputError(f"labelling task {task_id} is not a task of project {project}")
        final = self.labelling.final_labels(task.id)
        rows = reference_from_answers({uid: dict(f.answers) if f else None for uid, f in final.items()}, question,
                                      positive)
        return {uid: int(row["label"]) for uid, row in rows.items()}, f"labelling task {task.id} ({question} = " \
            f"{positive})"

    # --- reading ---------------------------------------------------------------------------------------------

    def _study_of(self, task_id: int) -> ReaderStudyRecord | None:
        found = self.assurance.reader_studies(task_id=task_id)
        return found[0] if found else None

    def refusal(self, reader: str, task_id: int, study_uid: str) -> str | None:
        """Why this reader may not open or read this case in this task yet (None: they may). Only a study's own
        readers in its aided task are held back; anyone else is for the labelling room to decide."""
        record = self._study_of(task_id)
        if record is None or record.condition_of(task_id) != "aided" or reader not in record.readers:
            return None
        unaided = [r for r in self.labelling.all_reads(record.unaided_task)
                   if r.reader == reader and r.study_uid == study_uid and r.role == "reader"]
        if not unaided:
            return "read this case without the AI's output first (its unaided task), then with it"
        ready = unaided[0].read_at + timedelta(days=record.washout_days)
        if self._clock() < ready:
            return f"this study asks for {record.washout_days} day(s) between your two reads of a case"
        return None

    def aid(self, reader: str, task_id: int, study_uid: str) -> Aid | None:
        """The tool's output for the case where the task is a study's aided task, else None (never for the
        unaided task). Audited by the assurance room as a read of the run's results."""
        from imaging_hub.assurance import Actor

        record = self._study_of(task_id)
        if record is None or record.condition_of(task_id) != "aided":
            return None
        room = self.assurance
        result = room.aid(Actor(reader), record.id, study_uid)
        tool = room.tool(record.tool_id)
        return Aid(tool.name, tool.vendor, tool.version, tool.threshold, result.score)

    # --- the analysis ----------------------------------------------------------------------------------------

    def table(self, record: ReaderStudyRecord) -> ReaderStudy:
        """Every reader's rating and call of every case in both conditions, fully crossed, or an error saying how
        many reads are still to come."""
        from imaging_hub.assurance import CONDITIONS, AssuranceInputError, ReaderStudy

        cases = record.cases
        ratings = np.full((2, len(record.readers), len(cases)), np.nan)
        calls = np.zeros(ratings.shape, dtype=int)
        where = {uid: k for k, uid in enumerate(cases)}
        for i, task_id in enumerate((record.unaided_task, record.aided_task)):
            for read in self.labelling.all_reads(task_id):
                if read.role != "reader" or read.reader not in record.readers or read.study_uid not in where:
                    continue
                j, k = record.readers.index(read.reader), where[read.study_uid]
                ratings[i, j, k] = _rating(read)
                calls[i, j, k] = int(read.answers.get(CALL) == POSITIVE)
        missing = int(np.isnan(ratings).sum())
        if missing:
            raise AssuranceInputError(f"reader study {record.id}: {missing} of {ratings.size} reads are still to come")
        truth = np.array([record.reference[uid] for uid in cases])
        return ReaderStudy(CONDITIONS, record.readers, cases, ratings, truth, calls)

    def analyse(self, actor: StudyActor, study_id: int) -> tuple[ReaderStudyRecord, MrmcResult]:
        from imaging_hub.assurance import obuchowski_rockette

        record = self.assurance.open_analysis(actor.for_assurance(), study_id)
        return record, obuchowski_rockette(self.table(record))

    def feedback(self, actor: StudyActor, study_id: int) -> tuple[ReaderStudyRecord, dict[str, Any]]:
        """The actor's own feedback, refused (and recorded) for anyone who did not read in the study."""
        from imaging_hub.assurance import obuchowski_rockette, reader_feedback

        record = self.assurance.open_feedback(actor.for_assurance(), study_id)
        return record, reader_feedback(obuchowski_rockette(self.table(record)), actor.name)


def _rating(read: Read) -> float:
    value = read.measurements.get(RATING)
    return float(value) if value is not None else float("nan")
