"""Validation of an AI tool's scores on a table of cases: discrimination, operating point, calibration, sites,
subgroups, a paired comparison and an optional clustered bootstrap."""

from imaging_hub.assurance.validation.cases import REQUIRED_COLUMNS, CaseTable, read_cases
from imaging_hub.assurance.validation.delong import DeLong, delong, paired_comparison
from imaging_hub.assurance.validation.run import Validation, ValidationOptions, validate
from imaging_hub.assurance.validation.subgroups import SubgroupRules

__all__ = [
    "REQUIRED_COLUMNS", "CaseTable", "DeLong", "SubgroupRules", "Validation", "ValidationOptions", "delong",
    "paired_comparison", "read_cases", "validate",
]
