"""FHIR R4 in and out: a reporting task from a ServiceRequest and its ImagingStudy; a DiagnosticReport back.

Models are fhir.resources' R4B package (FHIR 4.3), whose ServiceRequest, ImagingStudy and DiagnosticReport
are the R4 resources with the same elements, so R4 JSON validates and round-trips unchanged. They are
imported inside the functions because loading the models takes about a second that other commands need not pay.

Mapping: the task's id is the ServiceRequest's id; its pathway is the first ServiceRequest.category code
that names a configured pathway; priority from ServiceRequest.priority (asap counts as urgent); required
subspecialty from ServiceRequest.performerType; site from ImagingStudy.location's identifier (an ODS code);
accession from an identifier typed ACSN; modality and body part from the ImagingStudy (first series).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from imaging_hub.network.errors import NetworkInputError
from imaging_hub.network.reporting.pathways import Pathway
from imaging_hub.network.reporting.priority import Priority
from imaging_hub.network.reporting.tasks import ReportingTask

BLINDED_READ_EXTENSION = "urn:imaging-hub:fhir:extension:blinded-read"  # valueBoolean on the ServiceRequest
REPORTER_SYSTEM = "urn:imaging-hub:reporter"
TASK_SYSTEM = "urn:imaging-hub:reporting-task"
_V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
_V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"
_LOINC_IMAGING_STUDY = ("http://loinc.org", "18748-4", "Diagnostic imaging study")
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")  # FHIR R4 id; checked here as the models allow any length
_PRIORITIES = {"stat": Priority.STAT, "asap": Priority.URGENT, "urgent": Priority.URGENT, "routine": Priority.ROUTINE}


@dataclass(frozen=True)
class FhirReportingTask:
    """A task and the FHIR references its report must point back to."""

    task: ReportingTask
    service_request: str  # "ServiceRequest/<id>"
    imaging_study: str  # "ImagingStudy/<id>"
    subject: str | None  # the (pseudonymised) subject's reference, passed through as given


@dataclass(frozen=True)
class FinishedReport:
    reporter_id: str
    issued: datetime
    text: str
    conclusion: str | None = None


def task_from_fhir(
    service_request: Mapping[str, Any] | str, imaging_study: Mapping[str, Any] | str, pathways: Mapping[str, Pathway]
) -> FhirReportingTask:
    from fhir.resources.R4B.imagingstudy import ImagingStudy
    from fhir.resources.R4B.servicerequest import ServiceRequest

    request = _validated(ServiceRequest, service_request)
    study = _validated(ImagingStudy, imaging_study)
    if not request.id or not study.id:
        raise NetworkInputError("the ServiceRequest and ImagingStudy need ids")
    if not (_FHIR_ID.fullmatch(request.id) and _FHIR_ID.fullmatch(study.id)):
        raise NetworkInputError("the ServiceRequest's and ImagingStudy's ids must be FHIR ids (1-64 of A-Za-z0-9-.)")
    if request.status != "active":
        raise NetworkInputError(f"ServiceRequest/{request.id} is not active")  # its status unquoted: input
    request_ref = f"ServiceRequest/{request.id}"
    if request_ref not in {ref.reference for ref in study.basedOn or []}:
        raise NetworkInputError(f"ImagingStudy/{study.id}.basedOn does not name {request_ref}")
    subject = request.subject.reference if request.subject else None
    if study.subject and study.subject.reference and subject and study.subject.reference != subject:
        raise NetworkInputError(f"ImagingStudy/{study.id} and {request_ref} are about different subjects")
    if not isinstance(study.started, datetime) or study.started.tzinfo is None:  # a bare date is valid FHIR
        raise NetworkInputError(f"ImagingStudy/{study.id}.started needs a date-time with a UTC offset")
    series = (study.series or [None])[0]
    task = ReportingTask(
        task_id=request.id,
        accession=_accession([study.identifier or [], request.identifier or []], request_ref),
        site=_site(study),
        modality=_modality(study, series),
        body_part=_body_part(request, series),
        priority=_PRIORITIES[request.priority or "routine"],
        acquired_at=study.started,
        pathway=_pathway(request, pathways),
        subspecialty=_subspecialty(request),
        blinded=any(ext.url == BLINDED_READ_EXTENSION and ext.valueBoolean for ext in request.extension or []),
    )
    return FhirReportingTask(task, request_ref, f"ImagingStudy/{study.id}", subject)


def diagnostic_report(source: FhirReportingTask, report: FinishedReport) -> dict[str, Any]:
    """The finished report as a final FHIR DiagnosticReport (JSON-ready dict), validated by the model."""
    from fhir.resources.R4B.diagnosticreport import DiagnosticReport

    if report.issued.tzinfo is None:
        raise NetworkInputError("the report's issue time needs a UTC offset")
    resource: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        "identifier": [{"system": TASK_SYSTEM, "value": source.task.task_id}],
        "basedOn": [{"reference": source.service_request}],
        "status": "final",
        "category": [{"coding": [{"system": _V2_0074, "code": "RAD", "display": "Radiology"}]}],
        "code": {"coding": [dict(zip(("system", "code", "display"), _LOINC_IMAGING_STUDY, strict=True))]},
        "effectiveDateTime": source.task.acquired_at.isoformat(),
        "issued": report.issued.isoformat(),
        "resultsInterpreter": [
            {"type": "Practitioner", "identifier": {"system": REPORTER_SYSTEM, "value": report.reporter_id}}
        ],
        "imagingStudy": [{"reference": source.imaging_study}],
        "presentedForm": [
            {"contentType": "text/plain; charset=utf-8", "data": base64.b64encode(report.text.encode()).decode()}
        ],
    }
    if source.subject:
        resource["subject"] = {"reference": source.subject}
    if report.conclusion:
        resource["conclusion"] = report.conclusion
    model = _validated(DiagnosticReport, resource)
    dumped: dict[str, Any] = json.loads(model.model_dump_json(exclude_none=True))
    return dumped


def _validated(model: Any, resource: Mapping[str, Any] | str) -> Any:
    import pydantic

    name = model.__name__
    try:
        raw = json.loads(resource) if isinstance(resource, str) else dict(resource)
    except json.JSONDecodeError:
        raise NetworkInputError(f"the {name} is not JSON") from None
    if raw.get("resourceType") != name:
        raise NetworkInputError(f"expected a {name}, got resourceType {raw.get('resourceType')!s:.40}")
    try:
        return model.model_validate(raw)
    except pydantic.ValidationError as exc:
        # Locations and messages only: the rejected values may identify the patient.
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_input=False))
        raise NetworkInputError(f"the {name} is not valid FHIR R4: {problems}") from None


def _accession(identifier_lists: list[Any], where: str) -> str:
    for identifiers in identifier_lists:
        for identifier in identifiers:
            codings = identifier.type.coding if identifier.type and identifier.type.coding else []
            if identifier.value and any(c.system == _V2_0203 and c.code == "ACSN" for c in codings):
                return str(identifier.value)
    raise NetworkInputError(f"no accession number (identifier typed ACSN) on {where} or its ImagingStudy")


def _site(study: Any) -> str:
    location = study.location
    if location is None or location.identifier is None or not location.identifier.value:
        raise NetworkInputError(f"ImagingStudy/{study.id}.location needs the acquiring site's identifier")
    return str(location.identifier.value)


def _modality(study: Any, series: Any) -> str:
    codes = [c.code for c in study.modality or [] if c.code] or ([series.modality.code] if series else [])
    if not codes:
        raise NetworkInputError(f"ImagingStudy/{study.id} states no modality")
    return str(codes[0]).upper()


def _body_part(request: Any, series: Any) -> str:
    if series is not None and series.bodySite is not None:
        site = series.bodySite.display or series.bodySite.code
        if site:
            return str(site).upper()
    for concept in request.bodySite or []:
        text = concept.text or next((c.display or c.code for c in concept.coding or []), None)
        if text:
            return str(text).upper()
    raise NetworkInputError(f"ServiceRequest/{request.id}: no body site on it or its ImagingStudy's series")


def _pathway(request: Any, pathways: Mapping[str, Pathway]) -> Pathway:
    for concept in request.category or []:
        for coding in concept.coding or []:
            if coding.code in pathways:
                return pathways[coding.code]
    raise NetworkInputError(f"ServiceRequest/{request.id}.category names no configured reporting pathway")


def _subspecialty(request: Any) -> str | None:
    concept = request.performerType
    if concept is None:
        return None
    coded = next((c.code for c in concept.coding or [] if c.code), None)
    return str(coded or concept.text) if (coded or concept.text) else None
