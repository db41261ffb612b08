"""AI assurance: validate an AI tool on unseen multi-site cases, find subgroup differences, measure segmentation
agreement, and monitor the tool after deployment.

Validation takes a ``CaseTable`` whatever its source (a CSV today; an ONNX run over a snapshot or the tool's
own DICOM SR outputs later), so the tool register, reader studies and incidents can build on the same surface.
"""

from imaging_hub.assurance.csv_monitoring import monitor_csv
from imaging_hub.assurance.csv_validation import validate_csv, validate_table
from imaging_hub.assurance.errors import AssuranceInputError, ModelMismatch, NotFound, Refused
from imaging_hub.assurance.monitoring import DriftRules, Monitoring, MonitorOptions, monitor, read_stream, send_alarms
from imaging_hub.assurance.reference import Reference, cases_from_results, read_reference
from imaging_hub.assurance.segmentation import Agreement, agreement, assess_segmentations
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
    "Agreement",
    "AssuranceInputError",
    "CaseTable",
    "DriftRules",
    "ModelMismatch",
    "MonitorOptions",
    "Monitoring",
    "NotFound",
    "Reference",
    "Refused",
    "SubgroupRules",
    "Validation",
    "ValidationOptions",
    "agreement",
    "assess_segmentations",
    "cases_from_results",
    "delong",
    "monitor",
    "monitor_csv",
    "paired_comparison",
    "read_cases",
    "read_reference",
    "read_stream",
    "send_alarms",
    "validate",
    "validate_csv",
    "validate_table",
]
