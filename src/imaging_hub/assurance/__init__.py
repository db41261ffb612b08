"""AI assurance: validate an AI tool on unseen multi-site cases, find subgroup differences, measure segmentation
agreement, and monitor the tool after deployment.

Validation takes a ``CaseTable`` whatever its source (a CSV today; an ONNX run over a snapshot or the tool's
own DICOM SR outputs later), so the tool register, reader studies and incidents can build on the same surface.

The register (``AssuranceRoom``: tools, runs tied to a snapshot and an agreement, per-case results, alarms) keeps
the room's own tables and Alembic chain; ``run_model`` scores a governed cohort with a registered ONNX model as
Dask jobs; ``cases_from_results`` joins stored results with a reference standard for ``validate_table``.
"""

from imaging_hub.assurance.csv_monitoring import monitor_csv
from imaging_hub.assurance.csv_validation import validate_csv, validate_table
from imaging_hub.assurance.errors import AssuranceInputError, ModelMismatch, NotFound, Refused
from imaging_hub.assurance.estimate import described, json_document
from imaging_hub.assurance.files import write_together
from imaging_hub.assurance.inference import ClusterChoice, Inference, InstanceInput, mean_intensity_model, run_model
from imaging_hub.assurance.monitoring import DriftRules, Monitoring, MonitorOptions, monitor, read_stream, send_alarms
from imaging_hub.assurance.readers import (
    MrmcResult,
    ReaderStudy,
    obuchowski_rockette,
    read_reader_study,
    reader_feedback,
)
from imaging_hub.assurance.reference import Reference, cases_from_results, read_reference
from imaging_hub.assurance.register import (
    CONDITIONS,
    HARMS,
    KINDS,
    MHRA_FIELDS,
    Actor,
    Alarm,
    AssuranceRoom,
    AuditEntry,
    AuditSink,
    CaseResult,
    Incident,
    IncidentSpec,
    ReaderStudyRecord,
    ReaderStudySpec,
    Run,
    RunSpec,
    Tool,
    ToolSpec,
    file_sha256,
    no_audit,
)
from imaging_hub.assurance.report import auc_history_svg, control_charts
from imaging_hub.assurance.segmentation import Agreement, agreement, assess_seg_outputs, assess_segmentations
from imaging_hub.assurance.settings import AssuranceSettings
from imaging_hub.assurance.sr_results import SR_CLASS_PREFIX, made_by, reference_from_answers, sr_result, sr_score
from imaging_hub.assurance.validation import (
    CaseTable,
    SubgroupRules,
    Validation,
    ValidationOptions,
    delong,
    paired_comparison,
    read_cases,
    validate,
)

__all__ = [
    "CONDITIONS",
    "HARMS",
    "KINDS",
    "MHRA_FIELDS",
    "SR_CLASS_PREFIX",
    "Actor",
    "Agreement",
    "Alarm",
    "AssuranceInputError",
    "AssuranceRoom",
    "AssuranceSettings",
    "AuditEntry",
    "AuditSink",
    "CaseResult",
    "CaseTable",
    "ClusterChoice",
    "DriftRules",
    "Incident",
    "IncidentSpec",
    "Inference",
    "InstanceInput",
    "ModelMismatch",
    "MonitorOptions",
    "Monitoring",
    "MrmcResult",
    "NotFound",
    "ReaderStudy",
    "ReaderStudyRecord",
    "ReaderStudySpec",
    "Reference",
    "Refused",
    "Run",
    "RunSpec",
    "SubgroupRules",
    "Tool",
    "ToolSpec",
    "Validation",
    "ValidationOptions",
    "agreement",
    "assess_seg_outputs",
    "assess_segmentations",
    "auc_history_svg",
    "cases_from_results",
    "control_charts",
    "delong",
    "described",
    "file_sha256",
    "json_document",
    "made_by",
    "mean_intensity_model",
    "monitor",
    "monitor_csv",
    "no_audit",
    "obuchowski_rockette",
    "paired_comparison",
    "read_cases",
    "read_reader_study",
    "read_reference",
    "read_stream",
    "reader_feedback",
    "reference_from_answers",
    "run_model",
    "send_alarms",
    "sr_result",
    "sr_score",
    "validate",
    "validate_csv",
    "validate_table",
    "write_together",
]
