"""The labelling room: tasks, worklists, reads and adjudication, kept in the hub's database.

Opened once per process beside the archive. Every action is decided here and recorded through the face's
audit sink, refusals included; nothing partial is stored (one transaction per action).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from imaging_hub.database import Room
from imaging_hub.labelling import repository as repo
from imaging_hub.labelling import tables as t
from imaging_hub.labelling.actor import Actor, AuditEntry
from imaging_hub.labelling.adjudication import FinalLabels, disagreement, final_labels
from imaging_hub.labelling.errors import LabellingError, Refused
from imaging_hub.labelling.export import LabelBytes, export_task
from imaging_hub.labelling.migrate import MIGRATIONS
from imaging_hub.labelling.model import Assignment, Labels, Read, Task, TaskSpec, check_labels
from imaging_hub.labelling.progress import Progress, progress
from imaging_hub.labelling.segmentation_reads import Load, SeriesImages, segmentation_agreement
from imaging_hub.labelling.task_agreement import task_agreement


class LabellingRoom(Room):
    """``LabellingRoom.open(engine, audit=sink)``: the engine of the hub's database (the archive's writer)."""

    migrations = MIGRATIONS

    # --- recording -------------------------------------------------------------------------------------------

    def _record(self, actor: Actor, action: str, entity: str, entity_id: object, project: str = "",
                outcome: str = "success", **detail: Any) -> None:
        self._audit(AuditEntry(actor, f"labels.{action}", entity, str(entity_id), project=project, outcome=outcome,
                               detail=detail))

    def _refuse(self, actor: Actor, action: str, entity: str, entity_id: object, project: str, why: str) -> Refused:
        self._record(actor, action, entity, entity_id, project, "denied", reason=why)
        return Refused(why)

    def _managed(self, actor: Actor, task_id: int, action: str) -> Task:
        task = self.task(task_id)
        if not actor.may_manage(task.project):
            raise self._refuse(actor, action, "labelling_task", task_id, task.project,
                               f"only a manager of project {task.project}'s labelling may do this")
        return task

    # --- tasks -----------------------------------------------------------------------------------------------

    def create_task(self, actor: Actor, spec: TaskSpec) -> Task:
        if not actor.may_manage(spec.project):
            raise self._refuse(actor, "task.create", "labelling_task", spec.name, spec.project,
                               f"only a manager of project {spec.project}'s labelling may create its tasks")
        spec.check()
        try:
            with self._engine.begin() as conn:
                key = conn.execute(t.task.insert().values(
                    project=spec.project, name=spec.name.strip(), cohort_kind=spec.cohort.kind,
                    cohort_reference=spec.cohort.reference, label_schema=spec.schema.to_json(),
                    reads_per_study=spec.reads_per_study, blinded=spec.blinded, adjudicator=spec.adjudicator,
                    threshold=spec.threshold, created_at=self._clock(), created_by=actor.name,
                )).inserted_primary_key
                assert key is not None
                task_id = int(key[0])
                conn.execute(t.reader.insert(), [{"task_id": task_id, "reader": r} for r in spec.readers])
                conn.execute(t.study.insert(), [{"task_id": task_id, "study_uid": s.study_uid, "site": s.site,
                                                 "position": i} for i, s in enumerate(spec.cohort.studies)])
        except IntegrityError:
            raise LabellingError(f"project {spec.project} already has a labelling task named {spec.name!r}") from None
        self._record(actor, "task.create", "labelling_task", task_id, spec.project,
                     studies=len(spec.cohort.studies), readers=len(spec.readers), cohort=spec.cohort.kind)
        return self.task(task_id)

    def task(self, task_id: int) -> Task:
        with self._engine.connect() as conn:
            return repo.load_task(conn, task_id)

    def find_task(self, project: str, name: str) -> Task:
        with self._engine.connect() as conn:
            return repo.load_task(conn, repo.find_task(conn, project, name))

    def tasks(self, project: str | None = None) -> list[Task]:
        with self._engine.connect() as conn:
            return [repo.load_task(conn, i) for i in repo.task_ids(conn, project)]

    # --- assignment ------------------------------------------------------------------------------------------

    def assign(self, actor: Actor, task_id: int) -> list[Assignment]:
        """Give each study its readers, the least loaded first; keeps what is already assigned (idempotent)."""
        task = self._managed(actor, task_id, "task.assign")
        with self._engine.begin() as conn:
            current = repo.assignments(conn, task_id)
            by_study: dict[str, set[str]] = {}
            load: Counter[str] = Counter({r: 0 for r in task.readers})
            for a in current:
                if a.role == "reader":
                    by_study.setdefault(a.study_uid, set()).add(a.reader)
                    load[a.reader] += 1
            now, added = self._clock(), []
            for study in task.studies:
                have = by_study.setdefault(study.study_uid, set())
                while len(have) < task.reads_per_study:
                    free = [r for r in task.readers if r not in have]
                    chosen = min(free, key=lambda r: (load[r], task.readers.index(r)))
                    added.append(repo.add_assignment(conn, task_id, study.study_uid, chosen, "reader", now))
                    have.add(chosen)
                    load[chosen] += 1
            made = [a for a in repo.assignments(conn, task_id) if a.id in set(added)]
        self._record(actor, "task.assign", "labelling_task", task_id, task.project, assignments=len(made))
        return made

    def worklist(self, actor: Actor, task_id: int | None = None, include_done: bool = False) -> list[Assignment]:
        """The actor's own assignments (reads and adjudications), open ones unless asked otherwise."""
        with self._engine.connect() as conn:
            found = repo.assignments(conn, task_id, actor.name, open_only=not include_done)
        self._record(actor, "worklist.view", "labelling_task", task_id if task_id is not None else "*",
                     shown=len(found))
        return found

    # --- reads -----------------------------------------------------------------------------------------------

    def submit_read(self, actor: Actor, task_id: int, study_uid: str, labels: Labels, *,
                    source: str = "reader") -> Read:
        """The actor's read of a study they are assigned; a disagreement above the threshold, once every read is
        in, assigns the study to the adjudicator. The adjudicator's read of such a study is final."""
        task = self.task(task_id)
        with self._engine.connect() as conn:
            mine = [a for a in repo.assignments(conn, task_id, actor.name, open_only=True) if a.study_uid == study_uid]
        if not mine:  # refused outside any write transaction: the audit sink may write to the same database
            raise self._refuse(actor, "read.submit", "study", study_uid, task.project,
                               f"no open assignment of this study in task {task_id} for this reader")
        check_labels(task.schema, labels)
        assignment = mine[0]
        with self._engine.connect() as conn:  # what they saved from the viewer meanwhile belongs to this read
            filed = [uid for uid in repo.filed_labels(conn, task_id, study_uid, actor.name)
                     if uid not in labels.label_uids]
        read = Read(task_id, study_uid, actor.name, assignment.role, dict(labels.answers),
                    {k: float(v) for k, v in labels.measurements.items()}, self._clock(),
                    (*labels.label_uids, *filed), source)
        try:
            with self._engine.begin() as conn:
                repo.add_read(conn, assignment, read)
                referred = self._refer_if_needed(conn, task, study_uid) if assignment.role == "reader" else None
        except IntegrityError:  # the same read submitted twice at once: the first one stands
            raise LabellingError(f"this study already has this reader's read in task {task_id}") from None
        self._record(actor, "read.submit", "study", study_uid, task.project, task=task_id, role=assignment.role,
                     labels=list(read.label_uids), adjudication=referred)
        return read

    def file_label(self, actor: Actor, study_uid: str, sop_instance_uid: str, segments: Sequence[str]) -> list[int]:
        """A SEG the actor stored themselves (drawn in the viewer), filed under each task in which they hold an
        open assignment of the study and whose schema names every one of its segments; their next read of the
        study names it. Returns the tasks it was filed under (none: recorded as refused)."""
        with self._engine.connect() as conn:
            open_tasks = sorted({a.task_id for a in repo.assignments(conn, None, actor.name, open_only=True)
                                 if a.study_uid == study_uid})
        filed = []
        for task_id in open_tasks:
            task = self.task(task_id)
            unknown = sorted(set(segments) - {s.label for s in task.schema.segments})
            if unknown or not segments:
                self._record(actor, "label.file", "instance", sop_instance_uid, task.project, "denied", task=task_id,
                             reason="segment labels not in the task's schema")
                continue
            with self._engine.begin() as conn:
                added = repo.add_label(conn, task_id, study_uid, actor.name, sop_instance_uid, segments,
                                       self._clock())
            if added:
                self._record(actor, "label.file", "instance", sop_instance_uid, task.project, task=task_id,
                             study=study_uid, segments=list(segments))
            filed.append(task_id)
        if not open_tasks:
            self._record(actor, "label.file", "instance", sop_instance_uid, "", "denied",
                         reason="no open assignment of this study for this reader")
        return filed

    def has_open_assignment(self, reader: str, task_id: int, study_uid: str) -> bool:
        """Unaudited: for a face deciding whether to prepare a read (``submit_read`` records the decision)."""
        with self._engine.connect() as conn:
            return any(a.study_uid == study_uid for a in repo.assignments(conn, task_id, reader, open_only=True))

    def filed_labels(self, task_id: int, study_uid: str, reader: str) -> list[str]:
        """The label objects the reader stored for the study and that their read will name (unaudited: the
        reading page that shows them records the view)."""
        with self._engine.connect() as conn:
            return repo.filed_labels(conn, task_id, study_uid, reader)

    def study_status(self, project: str, study_uids: Sequence[str]) -> dict[str, str]:
        """A short labelling status per study of the project's tasks, for a study list whose own view is
        audited by its caller: 'final', 'adjudication', 'k of n reads' or 'not read', per task."""
        found: dict[str, list[str]] = {}
        if not study_uids:
            return {}
        with self._engine.connect() as conn:
            for task_id, in_task in repo.tasks_of_studies(conn, project, study_uids).items():
                task = repo.load_task(conn, task_id, with_studies=False)
                reads = repo.reads(conn, task_id, in_task)
                waiting = repo.open_adjudications(conn, task_id, in_task)
                for uid in in_task:
                    mine = [r for r in reads if r.study_uid == uid]
                    readers = [r for r in mine if r.role == "reader"]
                    if final_labels(task.schema, uid, mine, task.reads_per_study, task.threshold) is not None:
                        state = "final"
                    elif uid in waiting:
                        state = "adjudication"
                    elif readers:
                        state = f"{len(readers)} of {task.reads_per_study} reads"
                    else:
                        state = "not read"
                    found.setdefault(uid, []).append(f"{task.name}: {state}")
        return {uid: "; ".join(states) for uid, states in found.items()}

    def _refer_if_needed(self, conn: Connection, task: Task, study_uid: str) -> float | None:
        readings = [r for r in repo.reads(conn, task.id, [study_uid]) if r.role == "reader"]
        if len(readings) < task.reads_per_study:
            return None
        score = disagreement(task.schema, readings)
        if score > task.threshold and task.adjudicator is not None:
            repo.add_assignment(conn, task.id, study_uid, task.adjudicator, "adjudicator", self._clock())
            return score
        return None

    def reads(self, actor: Actor, task_id: int, study_uid: str | None = None) -> list[Read]:
        """The reads the actor may see: a blinded reader sees only their own; managers and the adjudicator all."""
        task = self.task(task_id)
        with self._engine.connect() as conn:
            found = repo.reads(conn, task_id, [study_uid] if study_uid else None)
        sees_all = actor.may_manage(task.project) or actor.name == task.adjudicator or not task.blinded
        if not sees_all:
            if actor.name not in task.readers:
                raise self._refuse(actor, "read.view", "labelling_task", task_id, task.project,
                                   "not a reader of this task")
            found = [r for r in found if r.reader == actor.name]
        self._record(actor, "read.view", "labelling_task", task_id, task.project, study=study_uid or "*",
                     shown=len(found))
        return found

    def all_reads(self, task_id: int) -> list[Read]:
        """Every read of the task, unaudited: for the room's own statistics and exports, whose callers record."""
        with self._engine.connect() as conn:
            return repo.reads(conn, task_id)

    def final_labels(self, task_id: int) -> dict[str, FinalLabels | None]:
        task = self.task(task_id)
        by_study: dict[str, list[Read]] = {s.study_uid: [] for s in task.studies}
        for r in self.all_reads(task_id):
            by_study[r.study_uid].append(r)
        return {uid: final_labels(task.schema, uid, reads, task.reads_per_study, task.threshold)
                for uid, reads in by_study.items()}

    def import_reads(self, actor: Actor, task_id: int, rows: Sequence[tuple[str, str, Labels]]) -> int:
        """Existing reads, (study, reader, labels) each, all or none; readers and studies must be the task's."""
        task = self._managed(actor, task_id, "read.import")
        studies = {s.study_uid for s in task.studies}
        for i, (study_uid, reader, labels) in enumerate(rows, start=1):
            if study_uid not in studies:
                raise LabellingError(f"row {i}: study_uid is not in task {task_id}'s cohort")
            if reader not in task.readers:
                raise LabellingError(f"row {i}: reader is not one of task {task_id}'s readers")
            check_labels(task.schema, labels, f"row {i}")
        now = self._clock()
        try:
            with self._engine.begin() as conn:
                for study_uid, reader, labels in rows:
                    existing = {(a.study_uid, a.reader): a for a in repo.assignments(conn, task_id, reader)
                                if a.role == "reader"}
                    assignment = existing.get((study_uid, reader))
                    if assignment is None:
                        new_id = repo.add_assignment(conn, task_id, study_uid, reader, "reader", now)
                        assignment = Assignment(new_id, task_id, study_uid, reader, "reader", now, False)
                    repo.add_read(conn, assignment, Read(task_id, study_uid, reader, "reader", dict(labels.answers),
                                                         dict(labels.measurements), now, labels.label_uids, "import"))
                    self._refer_if_needed(conn, task, study_uid)
        except IntegrityError:
            raise LabellingError("a reader already has a read of one of these studies; nothing was imported") from None
        self._record(actor, "read.import", "labelling_task", task_id, task.project, reads=len(rows))
        return len(rows)

    def count_reads(self, task_id: int) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(t.read)
                                    .where(t.read.c.task_id == task_id)).scalar_one())

    def assignments(self, task_id: int) -> list[Assignment]:
        """Every assignment of the task, unaudited (for progress views whose callers record)."""
        with self._engine.connect() as conn:
            return repo.assignments(conn, task_id)

    def progress(self, actor: Actor, task_id: int) -> Progress:
        task = self._managed(actor, task_id, "task.progress")
        result = progress(task, self.assignments(task_id), self.final_labels(task_id))
        self._record(actor, "task.progress", "labelling_task", task_id, task.project)
        return result

    def agreement(self, actor: Actor, task_id: int) -> dict[str, Any]:
        task = self._managed(actor, task_id, "task.agreement")
        result = task_agreement(task, self.all_reads(task_id))
        self._record(actor, "task.agreement", "labelling_task", task_id, task.project)
        return result

    def segment_agreement(self, actor: Actor, task_id: int, load: Load, series: SeriesImages) -> list[dict[str, Any]]:
        """Pairwise Dice and HD95 per study and segment label, from the readers' SEGs (see segmentation_reads)."""
        task = self._managed(actor, task_id, "task.agreement")
        result = segmentation_agreement(task, self.all_reads(task_id), load, series)
        self._record(actor, "task.agreement", "labelling_task", task_id, task.project, kind="segmentation",
                     pairs=len(result))
        return result

    def export(self, actor: Actor, task_id: int, folder: Path, label_bytes: LabelBytes, *,
               agreement: str) -> dict[str, Any]:
        """``agreement``: the reference of the data-sharing agreement in force the caller checked."""
        task = self._managed(actor, task_id, "task.export")
        manifest = export_task(task, self.all_reads(task_id), self.final_labels(task_id), folder, label_bytes,
                               agreement=agreement)
        self._record(actor, "task.export", "labelling_task", task_id, task.project, agreement=agreement,
                     files=len(manifest["files"]))
        return manifest

    def require_manager(self, actor: Actor, task_id: int, action: str) -> Task:
        """For the faces' actions over a whole task (agreement, progress, export): refused and recorded unless
        the actor manages the task's project."""
        return self._managed(actor, task_id, action)

    def record_refusal(self, actor: Actor, action: str, sop_instance_uid: str, project: str, why: str) -> None:
        """For a face that turned down a label object before it reached the room (e.g. an unreadable SEG)."""
        self._record(actor, action, "instance", sop_instance_uid, project, "denied", reason=why)

    def open_study(self, actor: Actor, task_id: int, study_uid: str) -> list[Assignment]:
        """The actor's assignments of a study in a task (a reading page): refused and recorded unless they hold
        one or manage the task's project."""
        task = self.task(task_id)
        with self._engine.connect() as conn:
            mine = [a for a in repo.assignments(conn, task_id, actor.name) if a.study_uid == study_uid]
        if not mine and not (actor.may_manage(task.project) and study_uid in {s.study_uid for s in task.studies}):
            raise self._refuse(actor, "study.open", "study", study_uid, task.project,
                               f"this study is not assigned to this reader in task {task_id}")
        self._record(actor, "study.open", "study", study_uid, task.project, task=task_id)
        return mine

    def record(self, actor: Actor, action: str, task: Task, outcome: str = "success", **detail: Any) -> None:
        """For a face's own decision about a task (e.g. an export refused for want of an agreement in force)."""
        self._record(actor, action, "labelling_task", task.id, task.project, outcome, **detail)

