"""Reporting tasks from FHIR R4 ServiceRequest + ImagingStudy, and a finished report as a DiagnosticReport."""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fhir.resources.R4B.diagnosticreport import DiagnosticReport

from imaging_hub.network import NetworkInputError
from imaging_hub.network.reporting import FinishedReport, Pathway, Priority, diagnostic_report, task_from_fhir

PATHWAYS = {
    "overflow-48h": Pathway("overflow-48h", timedelta(hours=48)),
    "trial-endpoint": Pathway("trial-endpoint", timedelta(days=14), research=True),
}
ACSN = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "ACSN"}]}

SERVICE_REQUEST: dict[str, Any] = {
    "resourceType": "ServiceRequest",
    "id": "sr-1001",
    "identifier": [{"type": ACSN, "system": "https://rxx.nhs.uk/accession", "value": "RXX000123"}],
    "status": "active",
    "intent": "order",
    "priority": "urgent",
    "category": [
        {"coding": [{"system": "http://snomed.info/sct", "code": "363679005", "display": "Imaging"}]},
        {"coding": [{"system": "urn:imaging-hub:pathway", "code": "trial-endpoint"}]},
    ],
    "code": {"coding": [{"system": "http://snomed.info/sct", "code": "816077007", "display": "MRI of head"}]},
    "subject": {"reference": "Patient/pseudo-7f3a"},
    "authoredOn": "2025-03-01T08:00:00+00:00",
    "performerType": {"coding": [{"system": "urn:imaging-hub:subspecialty", "code": "neuro"}], "text": "Neuro"},
    "bodySite": [{"coding": [{"system": "http://snomed.info/sct", "code": "69536005", "display": "Head"}]}],
    "extension": [{"url": "urn:imaging-hub:fhir:extension:blinded-read", "valueBoolean": True}],
}
IMAGING_STUDY: dict[str, Any] = {
    "resourceType": "ImagingStudy",
    "id": "is-2002",
    "identifier": [
        {"system": "urn:dicom:uid", "value": "urn:oid:1.2.826.0.1.3680043.8.498.1"},
        {"type": ACSN, "value": "RXX000123"},
    ],
    "status": "available",
    "subject": {"reference": "Patient/pseudo-7f3a"},
    "basedOn": [{"reference": "ServiceRequest/sr-1001"}],
    "started": "2025-03-02T14:30:00+00:00",
    "location": {"identifier": {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "RXX"}},
    "modality": [{"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "MR"}],
    "numberOfSeries": 1,
    "series": [
        {
            "uid": "1.2.826.0.1.3680043.8.498.2",
            "modality": {"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "MR"},
            "bodySite": {"system": "http://snomed.info/sct", "code": "69536005", "display": "Head"},
        }
    ],
}


def test_a_task_is_created_from_a_service_request_and_its_imaging_study() -> None:
    created = task_from_fhir(SERVICE_REQUEST, json.dumps(IMAGING_STUDY), PATHWAYS)
    task = created.task
    assert (task.task_id, task.accession, task.site, task.modality, task.body_part) == (
        "sr-1001",
        "RXX000123",
        "RXX",
        "MR",
        "HEAD",
    )
    assert task.priority is Priority.URGENT
    assert task.pathway is PATHWAYS["trial-endpoint"] and task.research
    assert task.acquired_at == datetime(2025, 3, 2, 14, 30, tzinfo=UTC)
    assert task.due_at == datetime(2025, 3, 16, 14, 30, tzinfo=UTC)
    assert (task.subspecialty, task.blinded) == ("neuro", True)
    assert (created.service_request, created.imaging_study, created.subject) == (
        "ServiceRequest/sr-1001",
        "ImagingStudy/is-2002",
        "Patient/pseudo-7f3a",
    )


def test_the_finished_report_is_a_valid_diagnostic_report_pointing_back_at_its_request_and_study() -> None:
    created = task_from_fhir(SERVICE_REQUEST, IMAGING_STUDY, PATHWAYS)
    issued = datetime(2025, 3, 3, 11, 5, tzinfo=UTC)
    text = "No acute intracranial abnormality. Stable white matter change."
    resource = diagnostic_report(created, FinishedReport("rep-17", issued, text, "No acute abnormality"))
    parsed = DiagnosticReport.model_validate(json.loads(json.dumps(resource)))  # survives the wire
    assert parsed.status == "final"
    assert [r.reference for r in parsed.basedOn] == ["ServiceRequest/sr-1001"]
    assert [r.reference for r in parsed.imagingStudy] == ["ImagingStudy/is-2002"]
    assert parsed.subject.reference == "Patient/pseudo-7f3a"
    assert parsed.issued == issued
    assert parsed.resultsInterpreter[0].identifier.value == "rep-17"
    assert parsed.identifier[0].value == "sr-1001"
    assert base64.b64decode(resource["presentedForm"][0]["data"]).decode() == text  # base64 on the wire
    assert parsed.presentedForm[0].data == text.encode()  # the model decodes it
    assert parsed.conclusion == "No acute abnormality"
    assert parsed.code.coding[0].code == "18748-4"


def test_asap_counts_as_urgent_and_a_missing_priority_as_routine() -> None:
    for given, expected in (("asap", Priority.URGENT), ("stat", Priority.STAT), (None, Priority.ROUTINE)):
        request = copy.deepcopy(SERVICE_REQUEST)
        if given is None:
            del request["priority"]
        else:
            request["priority"] = given
        assert task_from_fhir(request, IMAGING_STUDY, PATHWAYS).task.priority is expected


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda sr, st: st.update(basedOn=[{"reference": "ServiceRequest/other"}]),
            "does not name ServiceRequest/sr-1001",
        ),
        (lambda sr, st: sr.update(status="revoked"), "is not active"),
        (lambda sr, st: sr.update(category=[{"text": "imaging"}]), "names no configured reporting pathway"),
        (lambda sr, st: st.pop("location"), "location needs the acquiring site"),
        (lambda sr, st: st.update(identifier=[]) or sr.update(identifier=[]), "no accession number"),
        (lambda sr, st: st.update(subject={"reference": "Patient/someone-else"}), "different subjects"),
        (lambda sr, st: st.update(started="2025-03-02"), "needs a date-time with a UTC offset"),
        (lambda sr, st: st.update(resourceType="Patient"), "expected a ImagingStudy"),
    ],
)
def test_unusable_resources_are_refused_with_the_reason(change: Any, message: str) -> None:
    request, study = copy.deepcopy(SERVICE_REQUEST), copy.deepcopy(IMAGING_STUDY)
    change(request, study)
    with pytest.raises(NetworkInputError, match=message):
        task_from_fhir(request, study, PATHWAYS)


def test_an_invalid_resource_is_refused_without_echoing_its_values() -> None:
    request = copy.deepcopy(SERVICE_REQUEST)
    request["subject"] = {"reference": "Patient/1", "display": "SMITH^JOHN"}
    request["authoredOn"] = "born 1970-01-01 SMITH"
    with pytest.raises(NetworkInputError) as refused:
        task_from_fhir(request, IMAGING_STUDY, PATHWAYS)
    assert "authoredOn" in str(refused.value)
    assert "SMITH" not in str(refused.value) and "1970" not in str(refused.value)
