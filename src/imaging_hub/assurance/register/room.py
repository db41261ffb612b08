"""The assurance room: the register of AI tools, their runs with per-case results, and monitoring alarms, kept in
the hub's database.

Opened once per process beside the archive. Every action is decided here and recorded through the face's audit
sink, refusals and report reads included; nothing partial is stored (one transaction per action).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError

from imaging_hub.assurance.errors import AssuranceInputError, ModelMismatch, NotFound, Refused
from imaging_hub.assurance.register import repository as repo
from imaging_hub.assurance.register import tables as t
from imaging_hub.assurance.register.actor import Actor, AuditEntry
from imaging_hub.assurance.register.incidents import STATUSES, Incident, IncidentSpec, mhra_csv
from imaging_hub.assurance.register.migrate import MIGRATIONS
from imaging_hub.assurance.register.model import Alarm, CaseResult, Run, RunSpec, Tool, ToolSpec, file_sha256
from imaging_hub.assurance.register.reader_study import ReaderStudyRecord, ReaderStudySpec
from imaging_hub.database import Room


class AssuranceRoom(Room):
    """``AssuranceRoom.open(engine, audit=sink)``: the engine of the hub's database (the archive's writer)."""

    migrations = MIGRATIONS

    def record(self, actor: Actor, action: str, entity: str, entity_id: object, project: str = "",
               outcome: str = "success", **detail: Any) -> None:
        """Audit one action; faces use it too for what they refuse before the room is asked."""
        self._audit(AuditEntry(actor, f"assurance.{action}", entity, str(entity_id), project=project, outcome=outcome,
                               detail=detail))

    def _refuse(self, actor: Actor, action: str, entity: str, entity_id: object, project: str, why: str) -> Refused:
        self.record(actor, action, entity, entity_id, project, "denied", reason=why)
        return Refused(why)

    # --- the register ----------------------------------------------------------------------------------------

    def register_tool(self, actor: Actor, spec: ToolSpec) -> Tool:
        if not actor.may_register:
            raise self._refuse(actor, "tool.register", "ai_tool", spec.name[:128], "",
                               "only a registrar may add AI tools to the register")
        spec.check()
        try:
            with self._engine.begin() as conn:
                key = conn.execute(t.tool.insert().values(
                    name=spec.name.strip(), vendor=spec.vendor.strip(), version=spec.version.strip(),
                    intended_use=spec.intended_use.strip(), threshold=spec.threshold,
                    model_sha256=spec.model_sha256, registered_at=self._clock(), registered_by=actor.name,
                )).inserted_primary_key
        except IntegrityError:
            raise AssuranceInputError("the register already holds this AI tool's name and version") from None
        assert key is not None
        tool = self.tool(int(key[0]))
        self.record(actor, "tool.register", "ai_tool", tool.id, "", sha256=tool.model_sha256,
                    threshold=tool.threshold)
        return tool

    def tool(self, tool_id: int) -> Tool:
        with self._engine.connect() as conn:
            return repo.load_tool(conn, tool_id)

    def find_tool(self, name: str, version: str) -> Tool:
        with self._engine.connect() as conn:
            return repo.find_tool(conn, name, version)

    def tools(self) -> list[Tool]:
        with self._engine.connect() as conn:
            return repo.all_tools(conn)

    def check_model(self, actor: Actor, tool: Tool, model: Path) -> None:
        """Refuse to run a model file other than the one registered (its hash is locked with the threshold)."""
        found = file_sha256(model)
        if found != tool.model_sha256:
            self.record(actor, "model.check", "ai_tool", tool.id, "", "denied", sha256=found)
            raise ModelMismatch(f"the model file's SHA-256 is not the one registered for {tool.label}")

    # --- runs and their results ------------------------------------------------------------------------------

    def record_run(self, actor: Actor, tool_id: int, spec: RunSpec, results: Sequence[CaseResult] = ()) -> Run:
        """Store a run and its per-case results together, or nothing."""
        tool = self.tool(tool_id)
        if not actor.may_manage(spec.project):
            raise self._refuse(actor, f"run.{spec.kind}", "ai_tool", tool.id, spec.project,
                               f"only a manager of project {spec.project} may run AI assurance on its data")
        spec.check()
        for result in results:
            result.check()
        try:
            with self._engine.begin() as conn:
                key = conn.execute(t.run.insert().values(
                    tool_id=tool.id, kind=spec.kind, source=spec.source, project=spec.project, snapshot=spec.snapshot,
                    agreement=spec.agreement, summary=spec.summary, report_folder=spec.report_folder,
                    started_at=self._clock(), started_by=actor.name,
                )).inserted_primary_key
                assert key is not None
                run_id = int(key[0])
                if results:
                    conn.execute(t.result.insert(), [
                        {"run_id": run_id, "level": r.level, "case_id": r.case_id, "study_uid": r.study_uid,
                         "patient_id": r.patient_id, "site": r.site, "score": r.score, "label": r.label}
                        for r in results])
        except IntegrityError:
            raise AssuranceInputError("a run's results name the same case twice at one level") from None
        self.record(actor, f"run.{spec.kind}", "assurance_run", run_id, spec.project, tool=tool.id,
                    snapshot=spec.snapshot, agreement=spec.agreement, source=spec.source, results=len(results))
        return self.run(run_id)

    def run(self, run_id: int) -> Run:
        with self._engine.connect() as conn:
            return repo.load_run(conn, run_id)

    def runs(self, tool_id: int, kind: str | None = None) -> list[Run]:
        with self._engine.connect() as conn:
            return repo.tool_runs(conn, tool_id, kind)

    def _readable(self, actor: Actor, run_id: int, action: str) -> Run:
        try:
            found = self.run(run_id)
        except NotFound:
            self.record(actor, action, "assurance_run", run_id, "", "failed", reason="not found")
            raise
        if not actor.may_manage(found.project):
            raise self._refuse(actor, action, "assurance_run", run_id, found.project,
                               f"only a manager of project {found.project} may read this run")
        return found

    def results(self, actor: Actor, run_id: int, level: str | None = None) -> list[CaseResult]:
        found = self._readable(actor, run_id, "results.read")
        with self._engine.connect() as conn:
            results = repo.run_results(conn, run_id, level)
        self.record(actor, "results.read", "assurance_run", run_id, found.project, results=len(results))
        return results

    def read_report(self, actor: Actor, run_id: int, name: str) -> Path:
        """The path of one of a run's report files, audited as a read; the face streams it."""
        found = self._readable(actor, run_id, "report.read")
        allowed = {"validation.json", "report.html", "report.pdf", "monitor.json", "monitor.html",
                   "segmentation.json"}
        if name not in allowed or found.report_folder is None or not (Path(found.report_folder) / name).is_file():
            self.record(actor, "report.read", "assurance_run", run_id, found.project, "failed", file=name[:32])
            raise NotFound(f"run {run_id} has no report file of that name")
        self.record(actor, "report.read", "assurance_run", run_id, found.project, file=name)
        return Path(found.report_folder) / name

    # --- alarms ----------------------------------------------------------------------------------------------

    def record_alarms(self, actor: Actor, run: Run, alarms: Sequence[Mapping[str, Any]]) -> list[Alarm]:
        """Keep a monitoring run's alarms (``monitor.json``'s ``alarms``) open until a person closes them."""
        if run.kind != "monitoring":
            raise AssuranceInputError("alarms belong to a monitoring run")
        now = self._clock()
        with self._engine.begin() as conn:
            for alarm in alarms:
                conn.execute(t.alarm.insert().values(
                    tool_id=run.tool_id, run_id=run.id, method=str(alarm["method"])[:32], row_index=int(alarm["index"]),
                    date=str(alarm.get("date") or "")[:32], detail=str(alarm.get("detail") or ""), raised_at=now))
        self.record(actor, "alarm.raise", "assurance_run", run.id, run.project, alarms=len(alarms))
        return [a for a in self.alarms(run.tool_id, open_only=False) if a.run_id == run.id]

    def alarms(self, tool_id: int, *, open_only: bool = True) -> list[Alarm]:
        with self._engine.connect() as conn:
            return repo.tool_alarms(conn, tool_id, open_only)

    def alarm(self, alarm_id: int) -> Alarm:
        with self._engine.connect() as conn:
            return repo.load_alarm(conn, alarm_id)

    def close_alarm(self, actor: Actor, alarm_id: int, note: str) -> Alarm:
        if not actor.may_register:
            raise self._refuse(actor, "alarm.close", "assurance_alarm", alarm_id, "",
                               "only a registrar may close an alarm")
        if not note.strip():
            raise AssuranceInputError("closing an alarm needs a note saying what was found")
        with self._engine.begin() as conn:
            alarm = repo.load_alarm(conn, alarm_id)
            if not alarm.open:
                raise AssuranceInputError(f"alarm {alarm_id} is already closed")
            conn.execute(t.alarm.update().where(t.alarm.c.id == alarm_id).values(
                closed_at=self._clock(), closed_by=actor.name, closing_note=note.strip()))
        self.record(actor, "alarm.close", "assurance_alarm", alarm_id, "")
        with self._engine.connect() as conn:
            return repo.load_alarm(conn, alarm_id)

    # --- incidents -------------------------------------------------------------------------------------------

    def report_incident(self, actor: Actor, tool_id: int, spec: IncidentSpec) -> Incident:
        """Anyone reading a case may flag the tool's result on it; the report is kept whatever its outcome."""
        tool = self.tool(tool_id)
        spec.check()
        project = ""
        if spec.run_id is not None:
            flagged = self.run(spec.run_id)
            if flagged.tool_id != tool.id:
                raise AssuranceInputError(f"run {spec.run_id} is not a run of AI tool {tool.id}")
            project = flagged.project
        with self._engine.begin() as conn:
            key = conn.execute(t.incident.insert().values(
                tool_id=tool.id, case_id=spec.case_id.strip(), kind=spec.kind, harm=spec.harm,
                description=spec.description.strip(), reported_at=self._clock(), reported_by=actor.name,
                status="open", run_id=spec.run_id)).inserted_primary_key
        assert key is not None
        self.record(actor, "incident.report", "assurance_incident", int(key[0]), project, tool=tool.id, kind=spec.kind,
                    harm=spec.harm)
        return self.incident(int(key[0]))

    def incident(self, incident_id: int) -> Incident:
        with self._engine.connect() as conn:
            return repo.load_incident(conn, incident_id)

    def incidents(self, tool_id: int, status: str | None = None) -> list[Incident]:
        with self._engine.connect() as conn:
            return repo.tool_incidents(conn, tool_id, status)

    def incident_counts(self, tool_id: int) -> dict[str, int]:
        """For monitoring: how many incidents stand in each state."""
        found = self.incidents(tool_id)
        return {status: sum(1 for i in found if i.status == status) for status in STATUSES}

    def review_incident(self, actor: Actor, incident_id: int, review: str, *, close: bool) -> Incident:
        if not actor.may_register:
            raise self._refuse(actor, "incident.review", "assurance_incident", incident_id, "",
                               "only a registrar may review an incident")
        if not review.strip():
            raise AssuranceInputError("a review says what was found and done")
        with self._engine.begin() as conn:
            found = repo.load_incident(conn, incident_id)
            if found.status == "closed":
                raise AssuranceInputError(f"incident {incident_id} is already closed")
            conn.execute(t.incident.update().where(t.incident.c.id == incident_id).values(
                review=review.strip(), reviewed_by=actor.name, status="closed" if close else "reviewing",
                closed_at=self._clock() if close else None))
        self.record(actor, "incident.close" if close else "incident.review", "assurance_incident", incident_id, "")
        return self.incident(incident_id)

    def export_incidents(self, actor: Actor, tool_id: int, *, projects: frozenset[str] | None = None) -> str:
        """The tool's incidents as CSV with the MHRA report's fields (audited: it leaves the hub). Those who may
        review incidents may export them, as for ``review_incident``; ``projects``: only the incidents flagged on
        runs of these projects (a project lead's export, which the face decides as it does for a review)."""
        if not actor.may_register:
            raise self._refuse(actor, "incident.export", "ai_tool", tool_id, "",
                               "only a registrar may export incidents")
        tool = self.tool(tool_id)
        found = self.incidents(tool_id)
        if projects is not None:
            project_of = {r.id: r.project for r in self.runs(tool_id)}
            found = [i for i in found if i.run_id is not None and project_of.get(i.run_id) in projects]
        self.record(actor, "incident.export", "ai_tool", tool_id, "", incidents=len(found),
                    projects="*" if projects is None else ",".join(sorted(projects)))
        return mhra_csv(tool, found)

    # --- reader studies --------------------------------------------------------------------------------------

    def check_reader_study(self, actor: Actor, spec: ReaderStudySpec) -> Run:
        """Refuse (recorded) or reject a study before anything of it is made; the run it would read."""
        run = self.run(spec.run_id)
        if not actor.may_manage(run.project):
            raise self._refuse(actor, "reader_study.create", "assurance_run", run.id, run.project,
                               f"only a registrar or the lead of project {run.project} may set up its reader studies")
        spec.check()
        with self._engine.connect() as conn:
            scored = {r.case_id for r in repo.run_results(conn, run.id, "study")}
            taken = [s for s in repo.reader_studies(conn) if s.project == run.project and s.name == spec.name.strip()]
        if not set(spec.reference) <= scored:
            raise AssuranceInputError(f"reader study: {len(set(spec.reference) - scored)} case(s) of the reference "
                                      f"have no study-level score in run {run.id}")
        if taken:
            raise AssuranceInputError(f"project {run.project} already has a reader study of that name")
        return run

    def create_reader_study(self, actor: Actor, spec: ReaderStudySpec) -> ReaderStudyRecord:
        """Record a study of the run's cases read without and with the tool's output; every case of the reference
        must have the run's study-level score (what the aided readers are shown)."""
        run = self.check_reader_study(actor, spec)
        try:
            with self._engine.begin() as conn:
                key = conn.execute(t.reader_study.insert().values(
                    tool_id=run.tool_id, run_id=run.id, project=run.project, name=spec.name.strip(),
                    unaided_task=spec.unaided_task, aided_task=spec.aided_task, readers=list(spec.readers),
                    reference=dict(spec.reference), reference_source=spec.reference_source.strip(),
                    washout_days=spec.washout_days, created_at=self._clock(), created_by=actor.name,
                )).inserted_primary_key
        except IntegrityError:
            raise AssuranceInputError(f"project {run.project} already has a reader study of that name") from None
        assert key is not None
        found = self.reader_study(int(key[0]))
        self.record(actor, "reader_study.create", "reader_study", found.id, run.project, tool=run.tool_id,
                    run=run.id, readers=len(spec.readers), cases=len(spec.reference),
                    tasks=[spec.unaided_task, spec.aided_task])
        return found

    def reader_study(self, study_id: int) -> ReaderStudyRecord:
        with self._engine.connect() as conn:
            return repo.load_reader_study(conn, study_id)

    def reader_studies(self, tool_id: int | None = None, *, task_id: int | None = None) -> list[ReaderStudyRecord]:
        """Unaudited: for listing on a tool's page and for finding the study a labelling task belongs to."""
        with self._engine.connect() as conn:
            return repo.reader_studies(conn, tool_id, task_id)

    def _reader_study(self, actor: Actor, study_id: int, action: str) -> ReaderStudyRecord:
        try:
            return self.reader_study(study_id)
        except NotFound:
            self.record(actor, action, "reader_study", study_id, "", "failed", reason="not found")
            raise

    def open_analysis(self, actor: Actor, study_id: int) -> ReaderStudyRecord:
        """The group's analysis (AUCs without and with AI): for a registrar or the project's lead."""
        found = self._reader_study(actor, study_id, "reader_study.analyse")
        if not actor.may_manage(found.project):
            raise self._refuse(actor, "reader_study.analyse", "reader_study", study_id, found.project,
                               f"only a registrar or the lead of project {found.project} may read its analysis")
        self.record(actor, "reader_study.analyse", "reader_study", study_id, found.project)
        return found

    def open_feedback(self, actor: Actor, study_id: int) -> ReaderStudyRecord:
        """A reader's own feedback: for that reader alone (not their lead, not a registrar, not another reader)."""
        found = self._reader_study(actor, study_id, "reader_study.feedback")
        if actor.name not in found.readers:
            raise self._refuse(actor, "reader_study.feedback", "reader_study", study_id, found.project,
                               "feedback from a reader study is private to each of its readers")
        self.record(actor, "reader_study.feedback", "reader_study", study_id, found.project)
        return found

    def aid(self, actor: Actor, study_id: int, study_uid: str) -> CaseResult:
        """The tool's study-level result for a case, as shown to a reader in the aided condition (the face has
        checked the reader may read the case): audited as a results read."""
        found = self.reader_study(study_id)
        if study_uid not in found.reference:
            raise self._refuse(actor, "reader_study.aid", "reader_study", study_id, found.project,
                               "that case is not in the reader study")
        with self._engine.connect() as conn:
            result = next(r for r in repo.run_results(conn, found.run_id, "study") if r.case_id == study_uid)
        self.record(actor, "reader_study.aid", "reader_study", study_id, found.project, run=found.run_id,
                    study=study_uid)
        return result
