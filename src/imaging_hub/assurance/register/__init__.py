"""The register of AI tools (name, vendor, version, intended use, locked threshold, model hash), their runs over
governed cohorts with per-case results, and monitoring alarms: the assurance room's own tables and Alembic chain.

    room = AssuranceRoom.open(engine, audit=sink)     # the hub database's (write) engine; migrates
    room.register_tool(actor, ToolSpec(...)); room.check_model(actor, tool, path)
    room.record_run(actor, tool_id, RunSpec(kind, source, project, snapshot, agreement, summary), results)
    room.results(actor, run_id); room.read_report(actor, run_id, "report.pdf")   # audited reads
    room.record_alarms(actor, run, alarms); room.alarms(tool_id); room.close_alarm(actor, alarm_id, note)
    room.report_incident(actor, tool_id, IncidentSpec(case, "wrong"|"unsafe", harm, text)); room.review_incident(...)
    room.incident_counts(tool_id); room.export_incidents(actor, tool_id, projects=None)   # the MHRA CSV
    room.create_reader_study(actor, ReaderStudySpec(name, run_id, unaided_task, aided_task, readers, reference, ...))
    room.reader_studies(tool_id, task_id=None); room.open_analysis(actor, id); room.open_feedback(actor, id)
    room.aid(actor, study_id, study_uid)   # the tool's score on a case, shown in the aided condition (audited)
"""

from imaging_hub.assurance.register.actor import Actor, AuditEntry, AuditSink, no_audit
from imaging_hub.assurance.register.incidents import HARMS, KINDS, MHRA_FIELDS, Incident, IncidentSpec
from imaging_hub.assurance.register.model import (
    Alarm,
    CaseResult,
    Run,
    RunSpec,
    Tool,
    ToolSpec,
    file_sha256,
)
from imaging_hub.assurance.register.reader_study import CONDITIONS, ReaderStudyRecord, ReaderStudySpec
from imaging_hub.assurance.register.room import AssuranceRoom

__all__ = [
    "CONDITIONS",
    "HARMS",
    "KINDS",
    "MHRA_FIELDS",
    "Actor",
    "Alarm",
    "AssuranceRoom",
    "AuditEntry",
    "AuditSink",
    "CaseResult",
    "Incident",
    "IncidentSpec",
    "ReaderStudyRecord",
    "ReaderStudySpec",
    "Run",
    "RunSpec",
    "Tool",
    "ToolSpec",
    "file_sha256",
    "no_audit",
]
