"""AI incidents: anyone reading a case may flag the AI tool's result as wrong or unsafe; a registrar reviews it to
closure. The export carries the fields a report to the MHRA (Yellow Card, software as a medical device) asks for.

The export is the one CSV the CLI writes and the tool's web page downloads. It leaves the hub, so what people typed
(case reference, description, investigation) goes through the free-text identifier detectors of ``deid`` (an NHS
number, phone number, postcode or e-mail address typed by mistake becomes ``*``), and it is written through
``imaging_hub.spreadsheet``, so a cell a spreadsheet would run as a formula is defused (OWASP CSV injection).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from imaging_hub.assurance.errors import AssuranceInputError
from imaging_hub.assurance.register.model import Tool
from imaging_hub.deid import redact_detected
from imaging_hub.spreadsheet import csv_text

KINDS = ("wrong", "unsafe")
HARMS = ("none", "minor", "serious", "death")  # the patient outcome, as the MHRA's form grades it
STATUSES = ("open", "reviewing", "closed")
MHRA_FIELDS = (
    "report_reference", "device_name", "manufacturer", "model_version", "software_sha256", "intended_use",
    "incident_date", "incident_type", "patient_outcome", "description", "case_reference", "reporter",
    "investigation", "status", "closed_date",
)
TYPED = ("case_reference", "description", "investigation")  # free text a person wrote


@dataclass(frozen=True)
class IncidentSpec:
    case_id: str  # the de-identified study or instance UID; never a patient identifier
    kind: str
    harm: str
    description: str
    run_id: int | None = None  # the run whose result is flagged; its project's lead may review the incident

    def check(self) -> None:
        if self.kind not in KINDS:
            raise AssuranceInputError(f"an incident's kind must be one of {', '.join(KINDS)}")
        if self.harm not in HARMS:
            raise AssuranceInputError(f"an incident's harm must be one of {', '.join(HARMS)}")
        if not self.case_id.strip() or len(self.case_id) > 64:
            raise AssuranceInputError("an incident names its case (1 to 64 characters)")
        if not self.description.strip() or len(self.description) > 4000:
            raise AssuranceInputError("an incident needs a description (at most 4000 characters)")


@dataclass(frozen=True)
class Incident:
    id: int
    tool_id: int
    case_id: str
    kind: str
    harm: str
    description: str
    reported_at: datetime
    reported_by: str
    status: str
    review: str | None
    reviewed_by: str | None
    closed_at: datetime | None
    run_id: int | None = None


def mhra_csv(tool: Tool, incidents: Sequence[Incident]) -> str:
    """The incidents as CSV with the MHRA report's fields, free text screened for identifiers, formulas defused."""
    rows = []
    for i in incidents:
        row = {
            "report_reference": f"AI-{tool.id}-{i.id}", "device_name": tool.name, "manufacturer": tool.vendor,
            "model_version": tool.version, "software_sha256": tool.model_sha256, "intended_use": tool.intended_use,
            "incident_date": i.reported_at.date().isoformat(), "incident_type": i.kind, "patient_outcome": i.harm,
            "description": i.description, "case_reference": i.case_id, "reporter": i.reported_by,
            "investigation": i.review or "", "status": i.status,
            "closed_date": i.closed_at.date().isoformat() if i.closed_at else "",
        }
        for field in TYPED:
            row[field] = redact_detected(row[field], set())  # the kinds found are not needed here
        rows.append([row[field] for field in MHRA_FIELDS])
    return csv_text(MHRA_FIELDS, rows)
