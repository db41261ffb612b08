"""The shared reporting worklist: tasks, reporters, the routing engine, the task lifecycle and FHIR in/out.

Surface: build ``ReportingTask``s and ``Reporter``s (or read them with ``read_tasks``/``read_reporters``),
``route`` a batch under a ``RoutingPolicy``, keep the lifecycle through a ``Worklist`` on a
``WorklistRepository``, and exchange tasks and reports as FHIR with ``task_from_fhir``/``diagnostic_report``.
"""

from imaging_hub.network.reporting.batch_files import (
    ASSIGNMENT_COLUMNS,
    REPORTER_COLUMNS,
    TASK_COLUMNS,
    ReporterEntry,
    read_reporter_entries,
    read_reporters,
    read_tasks,
    write_assignments,
)
from imaging_hub.network.reporting.eligibility import Eligibility, eligible
from imaging_hub.network.reporting.fhir import FhirReportingTask, FinishedReport, diagnostic_report, task_from_fhir
from imaging_hub.network.reporting.lifecycle import Action, TaskState, TaskStatus, TransitionRefused
from imaging_hub.network.reporting.pathways import MAXIMUM_TURNAROUND, Pathway
from imaging_hub.network.reporting.policy import RoutingPolicy
from imaging_hub.network.reporting.priority import Priority
from imaging_hub.network.reporting.reporters import Reporter, ReporterLoad
from imaging_hub.network.reporting.repository import (
    InMemoryWorklistRepository,
    StaleState,
    WorklistEvent,
    WorklistRepository,
)
from imaging_hub.network.reporting.roster import DatedSession, RosterSession, WeeklySession, parse_session
from imaging_hub.network.reporting.routing import Assignment, RoutingResult, route, urgency_order
from imaging_hub.network.reporting.tasks import ReportingTask
from imaging_hub.network.reporting.worklist import Worklist
from imaging_hub.network.reporting.workload import WorkloadWeights

__all__ = [
    "ASSIGNMENT_COLUMNS",
    "MAXIMUM_TURNAROUND",
    "REPORTER_COLUMNS",
    "TASK_COLUMNS",
    "Action",
    "Assignment",
    "DatedSession",
    "Eligibility",
    "FhirReportingTask",
    "FinishedReport",
    "InMemoryWorklistRepository",
    "Pathway",
    "Priority",
    "Reporter",
    "ReporterEntry",
    "ReporterLoad",
    "ReportingTask",
    "RosterSession",
    "RoutingPolicy",
    "RoutingResult",
    "StaleState",
    "TaskState",
    "TaskStatus",
    "TransitionRefused",
    "WeeklySession",
    "Worklist",
    "WorklistEvent",
    "WorklistRepository",
    "WorkloadWeights",
    "diagnostic_report",
    "eligible",
    "parse_session",
    "read_reporter_entries",
    "read_reporters",
    "read_tasks",
    "route",
    "task_from_fhir",
    "urgency_order",
    "write_assignments",
]
